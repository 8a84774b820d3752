package asl

import (
	"strings"

	"github.com/stepflow/stepflow/asl/intrinsic"
	"github.com/stepflow/stepflow/asl/jsonpath"
)

// compilePath compiles a JSONPath field value, reporting it at location when invalid.
// reference asks for a reference path (field names and indexes only), as ResultPath and the
// "...Path" fields need.
func (p *parser) compilePath(text, location, field string, reference bool) *jsonpath.Path {
	var (
		path *jsonpath.Path
		err  error
	)
	if reference {
		path, err = jsonpath.CompileReference(text)
	} else {
		path, err = jsonpath.Compile(text)
	}
	if err != nil {
		if reference {
			p.schemaf(location, "The value for the field '%s' must be a valid ReferencePath", field)
		} else {
			p.schemaf(location, "The value for the field '%s' must be a valid JSONPath", field)
		}
		return nil
	}
	return path
}

// compileJSONPath compiles the value of a "key.$" field that is not an intrinsic call.
func compileJSONPath(text string) (*jsonpath.Path, bool) {
	path, err := jsonpath.Compile(text)
	return path, err == nil
}

// compileIntrinsic compiles a States.* intrinsic function call.
func compileIntrinsic(text string) (*intrinsic.Call, bool) {
	call, err := intrinsic.Compile(text)
	return call, err == nil
}

// isIntrinsicCall reports whether a ".$" value is an intrinsic call rather than a path.
func isIntrinsicCall(text string) bool {
	return strings.HasPrefix(text, "States.")
}

// Short names for the compiled forms, used in multi-value returns.
type (
	pathT = jsonpath.Path
	callT = intrinsic.Call
)
