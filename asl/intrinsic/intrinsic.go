// Package intrinsic implements the States.* intrinsic functions of the Amazon States
// Language: a parser that compiles a call such as States.Format('{}', $.name) once per
// definition, and an evaluator that runs it against the input, Context object and variables.
package intrinsic

import "errors"

// Call is a compiled intrinsic function call. It is immutable and safe for concurrent use.
type Call struct {
	Text string // the call as written
	Name string // e.g. "States.Format"
}

// ErrNotImplemented is returned until the implementation lands.
var ErrNotImplemented = errors.New("intrinsic: not implemented yet")

// Compile parses one intrinsic function call.
func Compile(text string) (*Call, error) { return nil, ErrNotImplemented }
