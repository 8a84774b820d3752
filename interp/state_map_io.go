package interp

import (
	"math"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

// A Map state's ItemReader and ResultWriter do I/O, so the interpreter asks the engine for it
// with an InvokeTask (see ItemReaderRequest) and waits, as for a Task, under its own wait kinds:
// their results write no Task event.
const (
	waitItemReader   = "item-reader"
	waitResultWriter = "result-writer"
)

// ChildRun is one iteration of a Distributed Map whose results a ResultWriter exports: the
// child execution AWS would have run for it.
type ChildRun struct {
	Name         string
	Input        any       `json:",omitempty"`
	Start, Stop  time.Time `json:",omitzero"`
	Status       sfn.ExecutionStatus
	Error, Cause string `json:",omitempty"`
}

// itemReaderRequest evaluates what the ItemReader needs: its Parameters or Arguments and its
// ReaderConfig, with MaxItemsPath resolved into MaxItems. AWS raises States.Runtime for a
// MaxItemsPath that is not an integer before the Map Run starts, and States.ItemReaderFailed
// for a negative one once it started: negative reports that.
func (e *Execution) itemReaderRequest(x *env) (req map[string]any, negative bool, serr *stateError) {
	st := x.st
	req = map[string]any{}
	if st.readerParams != nil {
		v, err := e.evalTemplate(st.readerParams, x)
		if err != nil {
			return nil, false, err
		}
		req["Parameters"] = v
	}
	var cfg map[string]any
	if st.readerConfig != nil {
		v, err := e.evalTemplate(st.readerConfig, x)
		if err != nil {
			return nil, false, err
		}
		if m, ok := jsonvalue.AsObject(v); ok {
			cfg = make(map[string]any, m.Len())
			for i := range m.Len() {
				cfg[m.KeyAt(i)] = m.ValueAt(i)
			}
		}
		req["ReaderConfig"] = v
	}
	if p := st.readerMaxItemsPath; p != nil && cfg != nil {
		v, err := e.get(p, x)
		if err != nil {
			return nil, false, notFound(x.f, st, p, err)
		}
		n, ok := numberValue(v)
		if !ok || n != math.Trunc(n) {
			return nil, false, runtimeError(x.f, st, "The MaxItemsPath field refers to value \"%s\" which is not a valid integer: %s", plainText(v), p.Text)
		}
		delete(cfg, "MaxItemsPath")
		cfg["MaxItems"] = n
		req["ReaderConfig"] = cfg
	}
	if n, ok := jsonvalue.Float(cfg["MaxItems"]); ok && n < 0 {
		negative = true
	}
	return map[string]any{ItemReaderRequest: req}, negative, nil
}

// requestIO emits the InvokeTask of a reader or writer and leaves the Map state waiting.
func (e *Execution) requestIO(f *Frame, st *state, kind, resource string, input any) outcome {
	if !e.running() {
		return outcome{kind: outBlocked} // the history filled up
	}
	id := e.newID("task-")
	f.TaskID = id
	e.s.Waits[id] = Wait{Frame: f.ID, Kind: kind}
	e.commands = append(e.commands, InvokeTask{TaskID: id, Resource: resource, Input: input, StateName: st.name})
	return outcome{kind: outBlocked}
}

// mapIOWaiting returns the Map frame whose reader or writer is task id, and the wait's kind,
// removing the wait.
func (e *Execution) mapIOWaiting(id string) (*Frame, string) {
	w, ok := e.s.Waits[id]
	if !ok || (w.Kind != waitItemReader && w.Kind != waitResultWriter) {
		return nil, ""
	}
	delete(e.s.Waits, id)
	f := e.frames[w.Frame]
	if f == nil || f.Fan == nil {
		return nil, ""
	}
	f.TaskID = ""
	return f, w.Kind
}

func (e *Execution) mapIOSucceeded(f *Frame, kind string, output any) outcome {
	st := e.p.states[f.State]
	if kind == waitResultWriter {
		return e.fanDone(f, st, output)
	}
	return e.itemsRead(f, st, output)
}

// mapIOFailed fails the Map state with the reader's or writer's error: whatever the runner
// called it, on AWS it is States.ItemReaderFailed or States.ResultWriterFailed.
func (e *Execution) mapIOFailed(f *Frame, kind, cause string) outcome {
	name := sfn.ErrorItemReaderFailed
	if kind == waitResultWriter {
		name = sfn.ErrorResultWriterFailed
	}
	return e.fail(f, e.p.states[f.State], &stateError{name: name, cause: cause})
}

// itemsRead starts the iterations over the items the ItemReader read, batched as ItemBatcher
// says.
func (e *Execution) itemsRead(f *Frame, st *state, output any) outcome {
	fan := f.Fan
	items, ok := output.([]any)
	if !ok {
		return e.fail(f, st, &stateError{name: sfn.ErrorItemReaderFailed, cause: "Attempting to map over non-iterable node."})
	}
	fan.Items = items
	if b := st.def.(*asl.Map).ItemBatcher; b != nil {
		batches, err := e.batches(&env{f: f, st: st, input: fan.Input}, st, b, items)
		if err != nil {
			return e.fail(f, st, err)
		}
		fan.Items = batches
	}
	fan.Results = make([]any, len(fan.Items))
	if fan.Writer {
		fan.Runs = make([]ChildRun, len(fan.Items))
	}
	return e.pump(f, st)
}

// writeResults asks the ResultWriter to export the iterations, as the child executions AWS
// would have run, once they all ended.
func (e *Execution) writeResults(f *Frame, st *state) outcome {
	fan := f.Fan
	x := &env{f: f, st: st, input: fan.Input}
	req := map[string]any{"MapRunArn": fan.MapRunARN}
	if st.writerParams != nil {
		v, err := e.evalTemplate(st.writerParams, x)
		if err != nil {
			return e.fail(f, st, err)
		}
		req["Parameters"] = v
	}
	if st.writerConfig != nil {
		v, err := e.evalTemplate(st.writerConfig, x)
		if err != nil {
			return e.fail(f, st, err)
		}
		req["WriterConfig"] = v
	}
	// arn:P:states:R:A:mapRun:MACHINE/LABEL:ID names the run; its children are
	// arn:P:states:R:A:execution:MACHINE/LABEL:NAME of arn:P:states:R:A:stateMachine:MACHINE/LABEL.
	base := fan.MapRunARN[:max(strings.LastIndex(fan.MapRunARN, ":"), 0)]
	executions := strings.Replace(base, ":mapRun:", ":execution:", 1) + ":"
	machine := strings.Replace(base, ":mapRun:", ":stateMachine:", 1)
	children := make([]any, len(fan.Runs))
	for i, r := range fan.Runs {
		c := map[string]any{"ExecutionArn": executions + r.Name, "Name": r.Name, "StateMachineArn": machine,
			"Status": string(r.Status), "Input": r.Input, "StartDate": formatTime(r.Start), "StopDate": formatTime(r.Stop)}
		if r.Status == sfn.StatusSucceeded {
			c["Output"] = fan.Results[i]
		} else {
			c["Error"], c["Cause"] = r.Error, r.Cause
		}
		children[i] = c
	}
	req["Children"] = children
	return e.requestIO(f, st, waitResultWriter, st.def.(*asl.Map).ResultWriter.Resource, map[string]any{ResultWriterRequest: req})
}

// transformResults applies a ResultWriter that holds only a WriterConfig to the Map state's
// result: Transformation COMPACT (the default) keeps the iterations' outputs, FLATTEN splices
// the arrays among them into one array.
func (e *Execution) transformResults(f *Frame, st *state) ([]any, *stateError) {
	v, err := e.evalTemplate(st.writerConfig, &env{f: f, st: st, input: f.Fan.Input})
	if err != nil {
		return nil, err
	}
	cfg, _ := jsonvalue.AsObject(v)
	t, _ := cfg.Get("Transformation")
	switch t {
	case nil, "COMPACT":
		return f.Fan.Results, nil
	case "FLATTEN":
		var flat []any
		for _, r := range f.Fan.Results {
			if list, ok := r.([]any); ok {
				flat = append(flat, list...)
			} else {
				flat = append(flat, r)
			}
		}
		if flat == nil {
			flat = []any{}
		}
		return flat, nil
	default:
		return nil, &stateError{name: sfn.ErrorResultWriterFailed, cause: "WriterConfig.Transformation " + plainText(t) +
			" is not supported without a Resource: Stepflow supports COMPACT and FLATTEN"}
	}
}
