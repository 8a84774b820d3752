package interp

import (
	"github.com/stepflow/stepflow/asl/intrinsic"
	"github.com/stepflow/stepflow/asl/jsonpath"
)

// failField computes a Fail state's Error or Cause: the literal, or the value of its path or
// intrinsic function.
func (e *Execution) failField(x *env, field, literal string, dynamic bool, p *jsonpath.Path, call *intrinsic.Call) (string, *stateError) {
	if !dynamic {
		return literal, nil
	}
	if p != nil {
		v, err := e.get(p, x)
		if err != nil {
			return "", runtimeError(x.f, x.st, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", p.Text, field, encodeJSON(e.rootValue(p, x)))
		}
		return plainText(v), nil
	}
	v, err := e.evalIntrinsic(call, x)
	if err != nil {
		return "", err
	}
	return plainText(v), nil
}
