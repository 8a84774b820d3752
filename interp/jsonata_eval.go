package interp

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/jsonata"
	"github.com/stepflow/stepflow/sfn"
)

// queryError is AWS's States.QueryEvaluationError, with the state prefix on its cause.
func queryError(x *env, location, format string, args ...any) *stateError {
	return &stateError{name: sfn.ErrorQueryEvaluationError, cause: stateErrorPrefix(x.f, x.st) + fmt.Sprintf(format, args...), location: location, query: true}
}

// evalJSONata evaluates one "{% expr %}" with $states and the visible variables bound.
func (e *Execution) evalJSONata(t *template, x *env) (any, *stateError) {
	if t.expr == nil {
		return nil, queryError(x, t.where, "The JSONata expression specified for the field '%s' could not be compiled.", t.where)
	}
	if e.random == nil {
		e.random = func() float64 { return randomFloat(&e.s.Random) }
		e.uuid = func() string { return randomUUID(&e.s.Random) }
	}
	now := e.now
	v, err := t.expr.Eval(x.input, &jsonata.EvalOptions{
		Bindings:  e.bindings(x),
		Functions: e.awsFunctions(),
		Now:       func() time.Time { return now },
		Random:    e.random,
		TimeLimit: e.p.expressionTimeLimit(),
	})
	if err != nil {
		var jerr *jsonata.Error
		msg := err.Error()
		if errors.As(err, &jerr) {
			msg = jerr.Code + ": " + jerr.Message
		}
		return nil, queryError(x, t.where, "The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s", t.expr.String(), t.where, msg)
	}
	if v == jsonata.Undefined {
		return nil, queryError(x, t.where, "The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", t.expr.String(), t.where)
	}
	if !isJSONValue(v) {
		return nil, queryError(x, t.where, "The JSONata expression '%s' specified for the field '%s' returned an unsupported result type.", t.expr.String(), t.where)
	}
	return v, nil
}

func isJSONValue(v any) bool {
	switch v.(type) {
	case nil, bool, float64, json.Number, string, []any, *jsonvalue.Object, map[string]any:
		return true
	}
	return false
}

// bindings are the variables a JSONata expression sees: the workflow variables of every
// enclosing scope (inner ones win) and $states.
func (e *Execution) bindings(x *env) map[string]any {
	if x.bindings != nil {
		return x.bindings
	}
	b := map[string]any{}
	var chain []*Frame
	for f := x.f; f != nil; f = f.parent {
		chain = append(chain, f)
	}
	// Values go in as they are: numbers held exactly (json.Number) stay exact while the
	// expression only moves them, and are read as doubles where it computes with them
	// (docs/values.md).
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range chain[i].Vars {
			b[k] = v
		}
	}
	states := jsonvalue.NewObject(4)
	states.Set("input", x.input)
	states.Set("context", e.context(x))
	if x.hasResult {
		states.Set("result", x.result)
	}
	if x.hasError {
		states.Set("errorOutput", x.errorOutput)
	}
	b["states"] = states
	x.bindings = b
	return b
}

// awsFunctions are the functions AWS adds to JSONata in Step Functions.
func (e *Execution) awsFunctions() map[string]jsonata.Function {
	if e.functions != nil {
		return e.functions
	}
	e.functions = map[string]jsonata.Function{
		// AWS runs JSONata without $eval (it offers $parse instead), so a definition that
		// calls it fails here as it would on AWS, though the engine itself has $eval.
		"eval": {Call: func([]any) (any, error) {
			return nil, errors.New("the function $eval is not supported in AWS Step Functions; use $parse to read a JSON string")
		}},
		"partition": {Call: func(args []any) (any, error) {
			arr, ok1 := arg(args, 0).([]any)
			size, ok2 := jsonvalue.Float(arg(args, 1))
			if !ok1 || !ok2 || size < 1 || size != math.Trunc(size) {
				return nil, errors.New("$partition expects an array and a positive integer")
			}
			out := []any{}
			for chunk := range slices.Chunk(arr, int(size)) {
				out = append(out, slices.Clone(chunk))
			}
			return out, nil
		}},
		"range": {Call: func(args []any) (any, error) {
			start, ok1 := jsonvalue.Float(arg(args, 0))
			end, ok2 := jsonvalue.Float(arg(args, 1))
			step, ok3 := jsonvalue.Float(arg(args, 2))
			if !ok1 || !ok2 || !ok3 || step == 0 {
				return nil, errors.New("$range expects a start, an end and a non-zero step")
			}
			out := []any{}
			for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
				out = append(out, v)
				if len(out) > 1000 {
					return nil, errors.New("$range may return at most 1000 items")
				}
			}
			if len(out) == 1 {
				return out[0], nil // a JSONata sequence of one value is that value
			}
			return out, nil
		}},
		"hash": {Call: func(args []any) (any, error) {
			data, ok1 := arg(args, 0).(string)
			alg, ok2 := arg(args, 1).(string)
			if !ok1 || !ok2 {
				return nil, errors.New("$hash expects a string and an algorithm name")
			}
			var h hash.Hash
			switch alg {
			case "MD5":
				h = md5.New()
			case "SHA-1":
				h = sha1.New()
			case "SHA-256":
				h = sha256.New()
			case "SHA-384":
				h = sha512.New384()
			case "SHA-512":
				h = sha512.New()
			default:
				return nil, fmt.Errorf("$hash: unsupported algorithm %q", alg)
			}
			h.Write([]byte(data))
			return hex.EncodeToString(h.Sum(nil)), nil
		}},
		"random": {Call: func(args []any) (any, error) {
			if seed, ok := jsonvalue.Float(arg(args, 0)); ok {
				state := uint64(int64(seed))
				return randomFloat(&state), nil
			}
			return e.random(), nil
		}},
		"uuid": {Call: func([]any) (any, error) { return e.uuid(), nil }},
		"parse": {Call: func(args []any) (any, error) {
			s, ok := arg(args, 0).(string)
			if !ok {
				return nil, errors.New("$parse expects a string")
			}
			v, err := jsonvalue.Decode([]byte(s))
			if err != nil {
				return nil, fmt.Errorf("$parse: %w", err)
			}
			return v, nil
		}},
	}
	return e.functions
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func (p *Program) expressionTimeLimit() time.Duration {
	if p.opts.ExpressionTimeLimit > 0 {
		return p.opts.ExpressionTimeLimit
	}
	return DefaultExpressionTimeLimit
}
