package sfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// The durable store writes every history event it commits, so encoding one is on the hot path
// of Standard executions. AppendJSON writes the same bytes as encoding/json's Marshal (HTML
// characters escaped, map keys sorted, ES6 number format) without reflection, and writes a
// Payload's JSON text straight into its enclosing string instead of marshalling the value and
// then marshalling that text again.

// EventEncoder appends events' JSON, each byte for byte what AppendJSON writes, one after
// another into one buffer. A payload that one of the latest events also carried (the same
// object or array: a state's output is the next state's input, a task's result is the
// state's output) is copied from where it was written instead of encoded again; payloads
// are never changed in place, so the same container holds the same value.
type EventEncoder struct {
	w      jsonWriter
	recent recentPayloads
}

// NewEventEncoder returns an encoder that appends to buf.
func NewEventEncoder(buf []byte) *EventEncoder {
	enc := &EventEncoder{}
	enc.w = jsonWriter{b: buf, recent: &enc.recent}
	return enc
}

// Append appends e's JSON; after an error the buffer is as it was before the call.
func (enc *EventEncoder) Append(e *HistoryEvent) error {
	// The writer works on a copy on the stack: the buffer's slice is stored back at every
	// append, and stores into the heap cost a write barrier each while the collector runs.
	w := enc.w
	n := len(w.b)
	w.event(e)
	if err := w.err; err != nil {
		enc.w.b = w.b[:n]
		enc.recent.forgetFrom(n)
		return err
	}
	enc.w.b = w.b
	return nil
}

// Bytes is what the encoder has appended, after the buffer it started with.
func (enc *EventEncoder) Bytes() []byte { return enc.w.b }

// recentPayloads is a small ring of the latest containers written and where their text is.
type recentPayloads struct {
	entries [4]recentPayload
	next    int
	// time and its text at b[timeStart:timeEnd], when timeEnd > 0
	time               time.Time
	timeStart, timeEnd int
}

type recentPayload struct {
	key        payloadKey
	start, end int
}

// payloadKey identifies a container value: its kind, address and length.
type payloadKey struct {
	kind byte // 'm' for a map, 'o' for an ordered object, 'a' for an array; 0 for an empty entry
	p    unsafe.Pointer
	n    int
}

// containerKey is the identity of v when v is a non-empty object or array.
func containerKey(v any) (payloadKey, bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return payloadKey{}, false
		}
		return payloadKey{kind: 'm', p: *(*unsafe.Pointer)(unsafe.Pointer(&x)), n: len(x)}, true
	case []any:
		if len(x) == 0 {
			return payloadKey{}, false
		}
		return payloadKey{kind: 'a', p: unsafe.Pointer(unsafe.SliceData(x)), n: len(x)}, true
	case *jsonvalue.Object:
		if x.Len() == 0 {
			return payloadKey{}, false
		}
		return payloadKey{kind: 'o', p: unsafe.Pointer(x), n: x.Len()}, true
	}
	return payloadKey{}, false
}

func (r *recentPayloads) find(k payloadKey) (start, end int, ok bool) {
	for _, e := range r.entries {
		if e.key == k {
			return e.start, e.end, true
		}
	}
	return 0, 0, false
}

func (r *recentPayloads) add(k payloadKey, start, end int) {
	r.entries[r.next] = recentPayload{key: k, start: start, end: end}
	r.next = (r.next + 1) % len(r.entries)
}

// forgetFrom drops the entries whose text lies at or after offset n (cut off by an error).
func (r *recentPayloads) forgetFrom(n int) {
	if r.timeEnd > n {
		r.timeEnd = 0
	}
	for i, e := range r.entries {
		if e.key.kind != 0 && e.end > n {
			r.entries[i] = recentPayload{}
		}
	}
}

// AppendJSON appends the event's JSON to dst, byte for byte what json.Marshal(e) returns.
func (e *HistoryEvent) AppendJSON(dst []byte) ([]byte, error) {
	w := jsonWriter{b: dst}
	w.event(e)
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

// appendJSON appends the payload as a JSON string holding its value's JSON text.
func (p Payload) appendJSON(dst []byte) ([]byte, error) {
	w := jsonWriter{b: dst}
	w.payload(&p)
	if w.err != nil {
		return dst, w.err
	}
	return w.b, nil
}

// jsonWriter appends JSON to b and keeps the first error.
type jsonWriter struct {
	b   []byte
	err error
	// recent, when not nil, remembers where in b the latest payloads' texts are (an
	// EventEncoder's writer).
	recent *recentPayloads
}

// object writes the members of one JSON object; first tracks the comma.
type object struct {
	w     *jsonWriter
	first bool
}

func (w *jsonWriter) open() object {
	w.b = append(w.b, '{')
	return object{w: w, first: true}
}

func (o *object) close() { o.w.b = append(o.w.b, '}') }

// key writes a member name; names here are plain ASCII, which encoding/json writes as they are.
func (o *object) key(name string) *jsonWriter {
	// One write of the slice back through o.w: with the collector running, each is a
	// write barrier, and keys are most of an event's writes.
	b := o.w.b
	if !o.first {
		b = append(b, ',')
	}
	o.first = false
	b = append(b, '"')
	b = append(b, name...)
	o.w.b = append(b, '"', ':')
	return o.w
}

func (o *object) str(name, v string)       { o.key(name).str(v) }
func (o *object) int(name string, v int64) { o.key(name).int(v) }

// strOmit writes a string member unless it is empty (omitempty).
func (o *object) strOmit(name, v string) {
	if v != "" {
		o.str(name, v)
	}
}

func (o *object) intPtr(name string, v *int64) {
	if v != nil {
		o.int(name, *v)
	}
}

func (o *object) payloadOmit(name string, p *Payload) {
	if p != nil {
		o.key(name).payload(p)
	}
}

func (o *object) truncation(name string, t *Truncation) {
	if t == nil {
		return
	}
	obj := o.key(name).open()
	obj.key("truncated").bool(t.Truncated)
	obj.close()
}

func (o *object) credentials(name string, c *TaskCredentials) {
	if c == nil {
		return
	}
	obj := o.key(name).open()
	obj.strOmit("roleArn", c.RoleArn)
	obj.close()
}

func (w *jsonWriter) str(v string) { w.b = appendJSONString(w.b, v, false) }

func (w *jsonWriter) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jsonWriter) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// time writes t as time.Time's MarshalJSON does, with its errors for years beyond 9999 and
// zone offsets of a day or more.
func (w *jsonWriter) time(t time.Time) {
	// The events of one step share their timestamp: an EventEncoder copies the text it wrote
	// last instead of formatting the time again.
	if r := w.recent; r != nil && r.timeEnd > 0 && t.Equal(r.time) && t.Location() == r.time.Location() {
		w.b = append(w.b, w.b[r.timeStart:r.timeEnd]...)
		return
	}
	start := len(w.b)
	defer func() {
		if r := w.recent; r != nil && w.err == nil && len(w.b) > start {
			r.time, r.timeStart, r.timeEnd = t, start, len(w.b)
		}
	}()
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
	if y := t.Year(); y < 0 || y > 9999 {
		w.b = w.b[:start]
		w.fail(t.MarshalJSON())
		return
	}
	if _, offset := t.Zone(); offset <= -24*3600 || offset >= 24*3600 {
		w.b = w.b[:start]
		w.fail(t.MarshalJSON())
	}
}

// fail records the error of a fallback encoding, or appends its text when there is none.
func (w *jsonWriter) fail(text []byte, err error) {
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	w.b = append(w.b, text...)
}

// payload writes a JSON string holding the value's JSON text, as Payload.MarshalJSON did by
// marshalling twice: the value is written once with its quotes and backslashes escaped again.
func (w *jsonWriter) payload(p *Payload) {
	if p == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '"')
	key, container := containerKey(p.Value)
	if !container || w.recent == nil {
		w.value(p.Value)
	} else if start, end, ok := w.recent.find(key); ok {
		w.b = append(w.b, w.b[start:end]...)
	} else {
		start := len(w.b)
		w.value(p.Value)
		w.recent.add(key, start, len(w.b))
	}
	w.b = append(w.b, '"')
}

// value writes v's JSON text as the inside of a JSON string (nested).
func (w *jsonWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case bool:
		w.bool(x)
	case float64:
		w.float(x)
	case string:
		w.b = appendJSONString(w.b, x, true)
	case []any:
		if x == nil {
			w.b = append(w.b, "null"...)
			return
		}
		w.b = append(w.b, '[')
		for i, item := range x {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.value(item)
		}
		w.b = append(w.b, ']')
	case *jsonvalue.Object:
		if x == nil {
			w.b = append(w.b, "null"...)
			return
		}
		w.b = append(w.b, '{')
		for i := range x.Len() {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendJSONString(w.b, x.KeyAt(i), true)
			w.b = append(w.b, ':')
			w.value(x.ValueAt(i))
		}
		w.b = append(w.b, '}')
	case json.Number:
		if x == "" {
			w.b = append(w.b, '0')
			return
		}
		w.b = append(w.b, x...)
	case map[string]any:
		if x == nil {
			w.b = append(w.b, "null"...)
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.b = append(w.b, '{')
		for i, k := range keys {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendJSONString(w.b, k, true)
			w.b = append(w.b, ':')
			w.value(x[k])
		}
		w.b = append(w.b, '}')
	default:
		// Not a decoded JSON value: let encoding/json write its text, then escape that once as
		// the enclosing string does.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			if w.err == nil {
				w.err = err
			}
			return
		}
		w.b = appendJSONStringBody(w.b, bytes.TrimSuffix(buf.Bytes(), []byte("\n")), false)
	}
}

// float writes f as encoding/json does: like ES6, %f between 1e-6 and 1e21, else %e with an
// unpadded exponent.
func (w *jsonWriter) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		_, err := json.Marshal(f)
		if w.err == nil {
			w.err = err
		}
		return
	}
	// Whole numbers (most payload numbers: counts, ids, steps) take the integer path, which
	// writes the same digits as AppendFloat's shortest 'f' format at a fraction of the cost.
	// Negative zero stays with AppendFloat, which writes "-0" as encoding/json does.
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 && (f != 0 || !math.Signbit(f)) {
		w.b = strconv.AppendInt(w.b, int64(f), 10)
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		n := len(w.b)
		if n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

const hexDigits = "0123456789abcdef"

// htmlSafe reports the ASCII bytes written unescaped: printable, not " or \. Unlike
// encoding/json's default, <, > and & stay as they are: AWS shows payload text that way, and a
// payload's JSON text is what users read (escaping there would show them \u003c).
var htmlSafe = func() (set [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		set[b] = b != '"' && b != '\\'
	}
	return set
}()

// appendJSONString appends s quoted as encoding/json quotes strings. nested writes it as part
// of JSON text that is itself inside a JSON string: its quotes and backslashes escaped again.
func appendJSONString[T []byte | string](dst []byte, s T, nested bool) []byte {
	quote := `"`
	if nested {
		quote = `\"`
	}
	dst = append(dst, quote...)
	dst = appendJSONStringBody(dst, s, nested)
	return append(dst, quote...)
}

// appendJSONStringBody appends the escaped characters of s without quotes.
func appendJSONStringBody[T []byte | string](dst []byte, s T, nested bool) []byte {
	esc, quote := `\`, `"`
	if nested {
		esc, quote = `\\`, `\"`
	}
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			switch c {
			case '"':
				dst = append(dst, quote...)
			case '\\':
				dst = append(dst, esc...)
			case '\b':
				dst = append(dst, 'b')
			case '\f':
				dst = append(dst, 'f')
			case '\n':
				dst = append(dst, 'n')
			case '\r':
				dst = append(dst, 'r')
			case '\t':
				dst = append(dst, 't')
			default:
				dst = append(dst, 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			dst = append(dst, "ufffd"...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			dst = append(dst, 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

var errNilEvent = errors.New("encode history event: nil event")

func (w *jsonWriter) event(e *HistoryEvent) {
	if e == nil {
		w.err = errNilEvent
		return
	}
	o := w.open()
	o.key("timestamp").time(e.Timestamp)
	o.str("type", string(e.Type))
	o.int("id", e.ID)
	o.int("previousEventId", e.PreviousEventID)

	o.errorDetails("activityFailedEventDetails", e.ActivityFailedEventDetails)
	o.errorDetails("activityScheduleFailedEventDetails", e.ActivityScheduleFailedEventDetails)
	if d := e.ActivityScheduledEventDetails; d != nil {
		obj := o.key("activityScheduledEventDetails").open()
		obj.str("resource", d.Resource)
		obj.payloadOmit("input", d.Input)
		obj.truncation("inputDetails", d.InputDetails)
		obj.intPtr("timeoutInSeconds", d.TimeoutInSeconds)
		obj.intPtr("heartbeatInSeconds", d.HeartbeatInSeconds)
		obj.close()
	}
	if d := e.ActivityStartedEventDetails; d != nil {
		obj := o.key("activityStartedEventDetails").open()
		obj.strOmit("workerName", d.WorkerName)
		obj.close()
	}
	o.outputDetails("activitySucceededEventDetails", e.ActivitySucceededEventDetails)
	o.errorDetails("activityTimedOutEventDetails", e.ActivityTimedOutEventDetails)

	o.taskError("taskFailedEventDetails", e.TaskFailedEventDetails)
	if d := e.TaskScheduledEventDetails; d != nil {
		obj := o.key("taskScheduledEventDetails").open()
		obj.str("resourceType", d.ResourceType)
		obj.str("resource", d.Resource)
		obj.str("region", d.Region)
		obj.payloadOmit("parameters", d.Parameters)
		obj.intPtr("timeoutInSeconds", d.TimeoutInSeconds)
		obj.intPtr("heartbeatInSeconds", d.HeartbeatInSeconds)
		obj.credentials("taskCredentials", d.TaskCredentials)
		obj.close()
	}
	o.taskError("taskStartFailedEventDetails", e.TaskStartFailedEventDetails)
	if d := e.TaskStartedEventDetails; d != nil {
		obj := o.key("taskStartedEventDetails").open()
		obj.str("resourceType", d.ResourceType)
		obj.str("resource", d.Resource)
		obj.close()
	}
	o.taskError("taskSubmitFailedEventDetails", e.TaskSubmitFailedEventDetails)
	o.taskOutput("taskSubmittedEventDetails", e.TaskSubmittedEventDetails)
	o.taskOutput("taskSucceededEventDetails", e.TaskSucceededEventDetails)
	o.taskError("taskTimedOutEventDetails", e.TaskTimedOutEventDetails)

	o.errorDetails("executionFailedEventDetails", e.ExecutionFailedEventDetails)
	if d := e.ExecutionStartedEventDetails; d != nil {
		obj := o.key("executionStartedEventDetails").open()
		obj.payloadOmit("input", d.Input)
		obj.truncation("inputDetails", d.InputDetails)
		obj.strOmit("roleArn", d.RoleArn)
		obj.strOmit("stateMachineAliasArn", d.StateMachineAliasArn)
		obj.strOmit("stateMachineVersionArn", d.StateMachineVersionArn)
		obj.close()
	}
	o.outputDetails("executionSucceededEventDetails", e.ExecutionSucceededEventDetails)
	o.errorDetails("executionAbortedEventDetails", e.ExecutionAbortedEventDetails)
	o.errorDetails("executionTimedOutEventDetails", e.ExecutionTimedOutEventDetails)
	if d := e.ExecutionRedrivenEventDetails; d != nil {
		obj := o.key("executionRedrivenEventDetails").open()
		obj.int("redriveCount", int64(d.RedriveCount))
		obj.close()
	}

	if d := e.MapStateStartedEventDetails; d != nil {
		obj := o.key("mapStateStartedEventDetails").open()
		obj.int("length", int64(d.Length))
		obj.close()
	}
	o.mapIteration("mapIterationStartedEventDetails", e.MapIterationStartedEventDetails)
	o.mapIteration("mapIterationSucceededEventDetails", e.MapIterationSucceededEventDetails)
	o.mapIteration("mapIterationFailedEventDetails", e.MapIterationFailedEventDetails)
	o.mapIteration("mapIterationAbortedEventDetails", e.MapIterationAbortedEventDetails)
	if d := e.MapRunStartedEventDetails; d != nil {
		obj := o.key("mapRunStartedEventDetails").open()
		obj.str("mapRunArn", d.MapRunArn)
		obj.close()
	}
	o.errorDetails("mapRunFailedEventDetails", e.MapRunFailedEventDetails)
	if d := e.MapRunRedrivenEventDetails; d != nil {
		obj := o.key("mapRunRedrivenEventDetails").open()
		obj.str("mapRunArn", d.MapRunArn)
		obj.int("redriveCount", int64(d.RedriveCount))
		obj.close()
	}

	o.errorDetails("lambdaFunctionFailedEventDetails", e.LambdaFunctionFailedEventDetails)
	o.errorDetails("lambdaFunctionScheduleFailedEventDetails", e.LambdaFunctionScheduleFailedEventDetails)
	if d := e.LambdaFunctionScheduledEventDetails; d != nil {
		obj := o.key("lambdaFunctionScheduledEventDetails").open()
		obj.str("resource", d.Resource)
		obj.payloadOmit("input", d.Input)
		obj.truncation("inputDetails", d.InputDetails)
		obj.intPtr("timeoutInSeconds", d.TimeoutInSeconds)
		obj.credentials("taskCredentials", d.TaskCredentials)
		obj.close()
	}
	o.errorDetails("lambdaFunctionStartFailedEventDetails", e.LambdaFunctionStartFailedEventDetails)
	o.outputDetails("lambdaFunctionSucceededEventDetails", e.LambdaFunctionSucceededEventDetails)
	o.errorDetails("lambdaFunctionTimedOutEventDetails", e.LambdaFunctionTimedOutEventDetails)

	if d := e.StateEnteredEventDetails; d != nil {
		obj := o.key("stateEnteredEventDetails").open()
		obj.str("name", d.Name)
		obj.payloadOmit("input", d.Input)
		obj.truncation("inputDetails", d.InputDetails)
		obj.close()
	}
	if d := e.StateExitedEventDetails; d != nil {
		obj := o.key("stateExitedEventDetails").open()
		obj.str("name", d.Name)
		obj.payloadOmit("output", d.Output)
		obj.truncation("outputDetails", d.OutputDetails)
		if len(d.AssignedVariables) > 0 {
			names := make([]string, 0, len(d.AssignedVariables))
			for k := range d.AssignedVariables {
				names = append(names, k)
			}
			slices.Sort(names)
			w := obj.key("assignedVariables")
			w.b = append(w.b, '{')
			for i, k := range names {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.str(k)
				w.b = append(w.b, ':')
				w.str(d.AssignedVariables[k])
			}
			w.b = append(w.b, '}')
		}
		obj.truncation("assignedVariablesDetails", d.AssignedVariablesDetails)
		obj.close()
	}

	if d := e.EvaluationFailedEventDetails; d != nil {
		obj := o.key("evaluationFailedEventDetails").open()
		obj.strOmit("error", d.Error)
		obj.strOmit("cause", d.Cause)
		obj.strOmit("location", d.Location)
		obj.str("state", d.State)
		obj.close()
	}
	o.close()
}

func (o *object) errorDetails(name string, d *ErrorDetails) {
	if d == nil {
		return
	}
	obj := o.key(name).open()
	obj.strOmit("error", d.Error)
	obj.strOmit("cause", d.Cause)
	obj.close()
}

func (o *object) outputDetails(name string, d *OutputDetails) {
	if d == nil {
		return
	}
	obj := o.key(name).open()
	obj.payloadOmit("output", d.Output)
	obj.truncation("outputDetails", d.OutputDetails)
	obj.close()
}

func (o *object) taskError(name string, d *TaskErrorDetails) {
	if d == nil {
		return
	}
	obj := o.key(name).open()
	obj.str("resourceType", d.ResourceType)
	obj.str("resource", d.Resource)
	obj.strOmit("error", d.Error)
	obj.strOmit("cause", d.Cause)
	obj.close()
}

func (o *object) taskOutput(name string, d *TaskOutputDetails) {
	if d == nil {
		return
	}
	obj := o.key(name).open()
	obj.str("resourceType", d.ResourceType)
	obj.str("resource", d.Resource)
	obj.payloadOmit("output", d.Output)
	obj.truncation("outputDetails", d.OutputDetails)
	obj.close()
}

func (o *object) mapIteration(name string, d *MapIterationDetails) {
	if d == nil {
		return
	}
	obj := o.key(name).open()
	obj.str("name", d.Name)
	obj.int("index", int64(d.Index))
	obj.close()
}
