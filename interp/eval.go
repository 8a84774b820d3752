package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/asl/intrinsic"
	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

// env is what a path or template is evaluated against.
type env struct {
	f     *Frame
	st    *state
	input any      // "$"
	item  *mapItem // $$.Map.Item while evaluating an ItemSelector
	token string   // $$.Task.Token
	ctx   any      // the Context object, built on first use

	// JSONata: $states.result and $states.errorOutput, and the bindings built on first use.
	result, errorOutput any
	hasResult, hasError bool
	bindings            map[string]any
}

type mapItem struct {
	index int
	value any
}

var errUndefinedVariable = errors.New("variable is not defined")

// get evaluates a path from whichever root it names.
func (e *Execution) get(p *jsonpath.Path, x *env) (any, error) {
	switch p.Root {
	case jsonpath.RootContext:
		return p.Get(e.context(x))
	case jsonpath.RootVariable:
		v, ok := lookupVariable(x.f, p.Variable)
		if !ok {
			return nil, fmt.Errorf("$%s: %w", p.Variable, errUndefinedVariable)
		}
		return p.Get(v)
	}
	return p.Get(x.input)
}

// rootValue is the value a path's root names, for error messages.
func (e *Execution) rootValue(p *jsonpath.Path, x *env) any {
	switch p.Root {
	case jsonpath.RootContext:
		return e.context(x)
	case jsonpath.RootVariable:
		v, _ := lookupVariable(x.f, p.Variable)
		return v
	}
	return x.input
}

func lookupVariable(f *Frame, name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.Vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// context builds the Context object ($$) for the frame's current state.
func (e *Execution) context(x *env) any {
	if x.ctx != nil {
		return x.ctx
	}
	if given := e.p.opts.Context; given != nil {
		ctx := jsonvalue.FromPlain(given).(*jsonvalue.Object)
		if x.item != nil {
			ctx = ctx.With("Map", mapItemContext(x.item))
		}
		x.ctx = ctx
		return ctx
	}
	// The keys in the order AWS gives them (recorded: base--test_base--test_query_context_object_values).
	info := &e.s.Info
	ctx := jsonvalue.NewObject(5)
	ctx.Set("Execution", jsonvalue.ObjectOf(
		"Id", info.ExecutionARN,
		"Input", e.s.Input,
		"StartTime", formatTime(info.StartTime),
		"Name", info.ExecutionName,
		"RoleArn", info.RoleARN,
		"RedriveCount", float64(info.RedriveCount),
	))
	ctx.Set("StateMachine", jsonvalue.ObjectOf("Id", info.StateMachineARN, "Name", info.StateMachineName))
	if x.st != nil && x.f != nil {
		state := jsonvalue.ObjectOf("Name", x.st.name, "EnteredTime", formatTime(x.f.EnteredTime))
		// AWS gives RetryCount only to the states that can retry (recorded: a Pass state's
		// $$.State has just Name and EnteredTime).
		switch x.st.typ {
		case asl.TypeTask, asl.TypeParallel, asl.TypeMap:
			state.Set("RetryCount", float64(x.f.RetryCount))
		}
		ctx.Set("State", state)
	}
	if x.token != "" {
		ctx.Set("Task", jsonvalue.ObjectOf("Token", x.token))
	}
	if x.item != nil {
		ctx.Set("Map", mapItemContext(x.item))
	}
	x.ctx = ctx
	return ctx
}

func mapItemContext(item *mapItem) *jsonvalue.Object {
	return jsonvalue.ObjectOf("Item", jsonvalue.ObjectOf("Index", float64(item.index), "Value", item.value))
}

// formatTime writes a time the way AWS does in the Context object: milliseconds, UTC, Z.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// evalTemplate builds a payload template's value.
func (e *Execution) evalTemplate(t *template, x *env) (any, *stateError) {
	switch t.kind {
	case asl.TemplateLiteral:
		return t.literal, nil
	case asl.TemplateObject:
		m := jsonvalue.NewObject(len(t.keys))
		if t.order == nil {
			for i, k := range t.keys {
				v, err := e.evalTemplate(t.values[i], x)
				if err != nil {
					return nil, err
				}
				m.Set(k, v)
			}
			return m, nil
		}
		// Fields are evaluated in definition order (intrinsics draw random numbers and UUIDs
		// in that order) and placed in the order AWS shows them.
		vals := make([]any, len(t.keys))
		for i := range t.keys {
			v, err := e.evalTemplate(t.values[i], x)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		for _, i := range t.order {
			m.Set(t.keys[i], vals[i])
		}
		return m, nil
	case asl.TemplateArray:
		a := make([]any, len(t.items))
		for i, item := range t.items {
			v, err := e.evalTemplate(item, x)
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return a, nil
	case asl.TemplatePath:
		v, err := e.get(t.path, x)
		if err != nil {
			return nil, e.pathError(t, x, err)
		}
		return v, nil
	case asl.TemplateIntrinsic:
		return e.evalIntrinsic(t.call, x)
	case asl.TemplateJSONata:
		return e.evalJSONata(t, x)
	}
	return nil, runtimeError(x.f, x.st, "unknown template kind %d", t.kind)
}

func (e *Execution) pathError(t *template, x *env, err error) *stateError {
	name := sfn.ErrorRuntime
	if x.st != nil {
		name = x.st.pathFailure
	}
	if errors.Is(err, errUndefinedVariable) {
		return &stateError{name: name, cause: stateErrorPrefix(x.f, x.st) +
			fmt.Sprintf("The JSONPath '%s' specified for the field '%s' references an undefined variable", t.path.Text, t.field)}
	}
	return &stateError{name: name, cause: stateErrorPrefix(x.f, x.st) +
		fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", t.path.Text, t.field, encodeJSON(e.rootValue(t.path, x)))}
}

func (e *Execution) evalIntrinsic(call *intrinsic.Call, x *env) (any, *stateError) {
	f := x.f
	if f.variables == nil {
		f.variables = func(name string) (any, bool) { return lookupVariable(f, name) }
	}
	if e.random == nil {
		e.random = func() float64 { return randomFloat(&e.s.Random) }
		e.uuid = func() string { return randomUUID(&e.s.Random) }
	}
	ie := intrinsic.Env{Input: x.input, Variables: f.variables, Random: e.random, UUID: e.uuid}
	if strings.Contains(call.Text, "$$") {
		ie.Context = e.context(x)
	}
	v, err := call.Eval(ie)
	if err != nil {
		var ierr *intrinsic.Error
		if errors.As(err, &ierr) {
			return nil, &stateError{name: ierr.Name, cause: ierr.Cause}
		}
		return nil, &stateError{name: sfn.ErrorIntrinsicFailure, cause: err.Error()}
	}
	return v, nil
}

// inputPath applies InputPath to the raw input.
func (e *Execution) inputPath(f *Frame, st *state, raw any) (any, *stateError) {
	return e.selectPath(f, st, st.base.InputPath, raw)
}

// outputPath applies OutputPath to the state's output.
func (e *Execution) outputPath(f *Frame, st *state, out any) (any, *stateError) {
	return e.selectPath(f, st, st.base.OutputPath, out)
}

func (e *Execution) selectPath(f *Frame, st *state, p asl.OptionalPath, v any) (any, *stateError) {
	switch {
	case !p.Present:
		return v, nil
	case p.Null || p.Path == nil:
		return jsonvalue.NewObject(0), nil
	case p.Path.Root == jsonpath.RootInput && p.Path.IsRootOnly():
		return v, nil
	}
	out, err := e.get(p.Path, &env{f: f, st: st, input: v})
	if err != nil {
		return nil, notFound(f, st, p.Path, err)
	}
	return out, nil
}

// resultPath places a result into the raw input as ResultPath says.
func (e *Execution) resultPath(f *Frame, st *state, p asl.OptionalPath, raw, result any) (any, *stateError) {
	switch {
	case !p.Present:
		return result, nil
	case p.Null || p.Path == nil:
		return raw, nil
	case p.Path.IsRootOnly():
		return result, nil
	}
	out, err := p.Path.Set(raw, result)
	if err != nil {
		return nil, &stateError{name: sfn.ErrorResultPathMatchFailure, cause: stateErrorPrefix(f, st) +
			fmt.Sprintf("Unable to apply ResultPath '%s' to input '%s'", p.Path.Text, encodeJSON(raw))}
	}
	return out, nil
}

// integerValue reads a path's value as a non-negative integer field such as MaxConcurrencyPath.
func integerValue(v any) (int64, bool) {
	n, ok := signedIntegerValue(v)
	return n, ok && n >= 0
}

// signedIntegerValue reads a whole number of either sign, for the fields whose negative values
// AWS names as such rather than calling them "not a valid integer".
func signedIntegerValue(v any) (int64, bool) {
	if s, isString := v.(string); isString {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	f, ok := v.(float64)
	if !ok || f != float64(int64(f)) {
		if n, isBig := jsonvalue.BigInt(v); isBig && n.IsInt64() {
			return n.Int64(), true
		}
		return 0, false
	}
	return int64(f), true
}

// numberValue reads a number given as a JSON number or as a numeric string.
func numberValue(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		return jsonvalue.Float(x)
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}
