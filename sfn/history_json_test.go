package sfn

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// legacyPayloadJSON is how Payload.MarshalJSON wrote a payload before AppendJSON: the value's
// JSON text marshalled again as a string.
func legacyPayloadJSON(v any) ([]byte, error) {
	text, err := marshalNoHTML(v)
	if err != nil {
		return nil, err
	}
	return marshalNoHTML(string(text))
}

// marshalNoHTML is encoding/json without HTML escaping, as AWS writes JSON.
func marshalNoHTML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// trickyStrings hold what encoding/json escapes: quotes, backslashes, control characters,
// HTML characters, U+2028/U+2029, invalid UTF-8, and non-ASCII it keeps.
var trickyStrings = []string{
	"", "plain", `say "hi"`, `back\slash`, "tab\tnew\nline\rret\bback\fform", "\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "caf\u00e9 \u65e5\u672c \U0001F600", "line\u2028para\u2029", "bad\xffutf8\xc3",
	`\u003c already escaped`, `{"json":"text"}`,
}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return trickyStrings[r.IntN(len(trickyStrings))]
	}
	const alphabet = "ab\"\\<>&\n\t\x01\x1f é日\u2028\xff{}[]:,0"
	runes := []rune(alphabet)
	var b []byte
	for range r.IntN(12) {
		if r.IntN(20) == 0 {
			b = append(b, 0xff)
			continue
		}
		b = append(b, string(runes[r.IntN(len(runes))])...)
	}
	return string(b)
}

var trickyFloats = []float64{0, math.Copysign(0, -1), 1, -1, 42, -7, 1e15, 123456789012, 1<<53 - 1, -(1<<53 - 1), 0.5, 1e-7, 1e-6, 123456789, 1e20, 1e21, 1.5e300, -2.5e-300, 3.14159, 1 << 53, 5e-324}

func randomValue(r *rand.Rand, depth int) any {
	n := 6
	if depth > 3 {
		n = 4
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		if r.IntN(2) == 0 {
			return trickyFloats[r.IntN(len(trickyFloats))]
		}
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(40)-20))
	case 3:
		return randomString(r)
	case 4:
		items := make([]any, r.IntN(4))
		for i := range items {
			items[i] = randomValue(r, depth+1)
		}
		return items
	default:
		m := make(map[string]any)
		for range r.IntN(5) {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	}
}

var (
	payloadType = reflect.TypeFor[Payload]()
	timeType    = reflect.TypeFor[time.Time]()
)

// fill gives every field of v a random value: pointers are nil a third of the time, so each
// event carries a random mix of the detail kinds.
func fill(r *rand.Rand, v reflect.Value) {
	switch {
	case v.Type() == timeType:
		zones := []*time.Location{time.UTC, time.FixedZone("x", -7*3600-30*60), time.FixedZone("y", 14*3600)}
		t := time.Unix(r.Int64N(1<<34), r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))])
		v.Set(reflect.ValueOf(t))
		return
	case v.Type() == payloadType:
		v.Set(reflect.ValueOf(Payload{Value: randomValue(r, 0)}))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem())
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(r, v.Field(i))
		}
	case reflect.String:
		v.SetString(randomString(r))
	case reflect.Int, reflect.Int64:
		v.SetInt(r.Int64N(1<<40) - 1<<39)
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Map:
		if r.IntN(3) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range r.IntN(4) {
			m.SetMapIndex(reflect.ValueOf(randomString(r)), reflect.ValueOf(randomString(r)))
		}
		v.Set(m)
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

func TestPayloadMarshalJSONMatchesDoubleMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	values := []any{nil, true, 1.0, "x", []any{}, map[string]any{}, []any(nil), map[string]any(nil),
		42, int64(-7), json.Number("12.50"), []string{"<a>"}, map[string]int{"b": 1, "a": 2}, struct{ A string }{"&"}}
	for _, f := range trickyFloats {
		values = append(values, f, -f)
	}
	for _, s := range trickyStrings {
		values = append(values, s, map[string]any{s: s}, []any{s})
	}
	for range 3000 {
		values = append(values, randomValue(r, 0))
	}
	for _, v := range values {
		want, wantErr := legacyPayloadJSON(v)
		got, err := Payload{Value: v}.MarshalJSON()
		if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("Payload{%#v}.MarshalJSON() = %s, %v; want %s, %v", v, got, err, want, wantErr)
		}
	}
}

func TestPayloadMarshalJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	t.Parallel()
	for _, v := range []any{math.NaN(), math.Inf(1), []any{1.0, math.Inf(-1)}, map[string]any{"c": make(chan int)}} {
		if _, err := (Payload{Value: v}).MarshalJSON(); err == nil {
			t.Errorf("Payload{%v}.MarshalJSON() succeeded, want an error", v)
		}
	}
}

func TestHistoryEventAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	events := []*HistoryEvent{
		{},
		{Type: EventPassStateEntered, ID: 2, PreviousEventID: 1, StateEnteredEventDetails: &StateEnteredDetails{Name: "P"}},
		{TaskScheduledEventDetails: &TaskScheduledDetails{}},
		{StateExitedEventDetails: &StateExitedDetails{AssignedVariables: map[string]string{}}},
	}
	for range 5000 {
		var e HistoryEvent
		fill(r, reflect.ValueOf(&e).Elem())
		events = append(events, &e)
	}
	prefix := []byte("prefix:")
	for _, e := range events {
		want, err := marshalNoHTML(e)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		got, err := e.AppendJSON(prefix)
		if err != nil {
			t.Fatalf("AppendJSON: %v", err)
		}
		if !bytes.Equal(got[len(prefix):], want) || !bytes.HasPrefix(got, prefix) {
			t.Fatalf("AppendJSON =\n%s\nwant\n%s", got[len(prefix):], want)
		}
	}
}

func TestHistoryEventAppendJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	t.Parallel()
	for _, e := range []*HistoryEvent{
		{Timestamp: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Timestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 24*3600))},
		{StateEnteredEventDetails: &StateEnteredDetails{Input: &Payload{Value: math.NaN()}}},
	} {
		_, wantErr := json.Marshal(e)
		got, err := e.AppendJSON(nil)
		if wantErr == nil || err == nil {
			t.Errorf("AppendJSON(%v) = %s, %v; json.Marshal error %v; want both to fail", e.Timestamp, got, err, wantErr)
		}
	}
}

func BenchmarkHistoryEventJSON(b *testing.B) {
	e := &HistoryEvent{
		Timestamp: time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC), Type: EventPassStateExited, ID: 3, PreviousEventID: 2,
		StateExitedEventDetails: &StateExitedDetails{Name: "Step 12", Output: &Payload{Value: map[string]any{"n": 12.0, "items": []any{"a", "b"}}},
			OutputDetails: &Truncation{}},
	}
	b.Run("encoding-json", func(b *testing.B) {
		for range b.N {
			if _, err := json.Marshal(e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for range b.N {
			var err error
			if buf, err = e.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// An EventEncoder writes what AppendJSON writes for each event, also when events share
// payloads (copied from the earlier text) and after an event it cannot encode.
func TestEventEncoder(t *testing.T) {
	doc := map[string]any{"a": 1.0, "b": []any{"x", map[string]any{"c": true}}}
	list := []any{1.0, "two", doc}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	entered := func(id int64, v any) *HistoryEvent {
		return &HistoryEvent{Timestamp: now, Type: EventPassStateEntered, ID: id, PreviousEventID: id - 1,
			StateEnteredEventDetails: &StateEnteredDetails{Name: "S", Input: &Payload{Value: v}}}
	}
	exited := func(id int64, v any) *HistoryEvent {
		// A later time than the events around it, and in another zone from event 9 on.
		at := now.Add(time.Duration(id) * time.Millisecond)
		if id >= 9 {
			at = at.In(time.FixedZone("X", 3600))
		}
		return &HistoryEvent{Timestamp: at, Type: EventPassStateExited, ID: id, PreviousEventID: id - 1,
			StateExitedEventDetails: &StateExitedDetails{Name: "S", Output: &Payload{Value: v}}}
	}
	bad := entered(99, math.NaN())
	events := []*HistoryEvent{entered(1, doc), exited(2, doc), entered(3, list), exited(4, doc), entered(5, list),
		entered(6, map[string]any{}), exited(7, map[string]any{}), entered(8, doc["b"]), exited(9, doc["b"]),
		entered(10, "text"), exited(11, nil)}
	var want []byte
	enc := NewEventEncoder([]byte("prefix"))
	want = append(want, "prefix"...)
	for i, ev := range events {
		if i == 5 {
			if err := enc.Append(bad); err == nil {
				t.Fatal("Append of an event with NaN: no error")
			}
		}
		if err := enc.Append(ev); err != nil {
			t.Fatalf("event %d: %v", ev.ID, err)
		}
		var err error
		if want, err = ev.AppendJSON(want); err != nil {
			t.Fatal(err)
		}
		if got := enc.Bytes(); string(got) != string(want) {
			t.Fatalf("after event %d:\n got %s\nwant %s", ev.ID, got, want)
		}
	}
}
