package interp

import (
	"encoding/json"

	"github.com/stepflow/stepflow/internal/jsonvalue"

	"math"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
)

// finishJSONata computes a JSONata state's output (its Output field, else out) and leaves it.
func (e *Execution) finishJSONata(f *Frame, st *state, x *env, out any, output, assign *template, next *state) outcome {
	if output != nil {
		v, err := e.evalTemplate(output, x)
		if err != nil {
			return e.fail(f, st, err)
		}
		out = v
	}
	return e.exit(f, st, out, x, assign, next)
}

func (e *Execution) runChoiceJSONata(f *Frame, st *state) outcome {
	x := &env{f: f, st: st, input: f.Input}
	for i := range st.rules {
		r := &st.rules[i]
		if r.condition == nil {
			continue
		}
		v, err := e.evalTemplate(r.condition, x)
		if err != nil {
			return e.fail(f, st, err)
		}
		ok, isBool := v.(bool)
		if !isBool {
			return e.fail(f, st, queryError(x, "Condition", "The JSONata expression '%s' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '%s' for value: %s",
				exprText(r.condition), jsonTypeName(v), encodeJSON(v)))
		}
		if ok {
			output, assign := st.output, st.assign
			if r.output != nil {
				output = r.output
			}
			if r.assign != nil {
				assign = r.assign
			}
			return e.finishJSONata(f, st, x, f.Input, output, assign, r.next)
		}
	}
	if st.defaultNext == nil {
		return e.fail(f, st, &stateError{name: sfn.ErrorNoChoiceMatched, cause: "No Matches!"})
	}
	return e.finishJSONata(f, st, x, f.Input, st.output, st.assign, st.defaultNext)
}

func (e *Execution) runFailJSONata(f *Frame, st *state) outcome {
	def := st.def.(*asl.Fail)
	x := &env{f: f, st: st, input: f.Input}
	name, cause := def.Error, def.Cause
	if st.errorExpr != nil {
		v, err := e.evalTemplate(st.errorExpr, x)
		if err != nil {
			return failed(err)
		}
		name = plainText(v)
	}
	if st.causeExpr != nil {
		v, err := e.evalTemplate(st.causeExpr, x)
		if err != nil {
			return failed(err)
		}
		cause = plainText(v)
	}
	return outcome{kind: outFailed, err: name, cause: cause}
}

// waitUntilJSONata reads a JSONata Wait state's Seconds or Timestamp expression.
func (e *Execution) waitUntilJSONata(x *env) (time.Time, bool, *stateError) {
	st := x.st
	switch {
	case st.secondsExpr != nil:
		v, err := e.evalTemplate(st.secondsExpr, x)
		if err != nil {
			return time.Time{}, true, err
		}
		n, ok := jsonvalue.Float(v)
		if !ok || n != math.Trunc(n) || n < 0 {
			return time.Time{}, true, queryError(x, "Seconds", "The Seconds field must be a non-negative integer, but was: %s", encodeJSON(v))
		}
		if n > asl.MaxWaitSeconds {
			return time.Time{}, true, queryError(x, "Seconds", "The Seconds field must be an integer from 0 to %d, but was: %s", asl.MaxWaitSeconds, encodeJSON(v))
		}
		return afterSeconds(e.now, n), true, nil
	case st.timestampExpr != nil:
		v, err := e.evalTemplate(st.timestampExpr, x)
		if err != nil {
			return time.Time{}, true, err
		}
		s, _ := v.(string)
		t, ok := parseTimestamp(s)
		if !ok {
			return time.Time{}, true, queryError(x, "Timestamp", "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", plainText(v))
		}
		return t, true, nil
	}
	return time.Time{}, false, nil
}

// jsonataInteger reads a JSONata integer field such as MaxConcurrency or TimeoutSeconds.
func (e *Execution) jsonataInteger(x *env, t *template) (int64, *stateError) {
	v, err := e.evalTemplate(t, x)
	if err != nil {
		return 0, err
	}
	n, ok := integerValue(v)
	if !ok {
		return 0, queryError(x, t.where, "The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected 'integer', but was '%s' for value: %s",
			exprText(t), t.where, jsonTypeName(v), encodeJSON(v))
	}
	return n, nil
}

// jsonataSignedInteger is jsonataInteger for a field whose negative values get their own error.
func (e *Execution) jsonataSignedInteger(x *env, t *template) (int64, *stateError) {
	v, err := e.evalTemplate(t, x)
	if err != nil {
		return 0, err
	}
	n, ok := signedIntegerValue(v)
	if !ok {
		return 0, queryError(x, t.where, "The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected 'integer', but was '%s' for value: %s",
			exprText(t), t.where, jsonTypeName(v), encodeJSON(v))
	}
	return n, nil
}

func exprText(t *template) string {
	if t.expr != nil {
		return t.expr.String()
	}
	return encodeJSON(t.literal)
}

// jsonTypeName names a value's JSON type as AWS's messages do.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case *jsonvalue.Object, map[string]any:
		return "object"
	}
	return "unknown"
}
