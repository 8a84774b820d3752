// Package intrinsic implements the States.* intrinsic functions of the Amazon States
// Language: a parser that compiles a call such as States.Format('{}', $.name) once per
// definition, and an evaluator that runs it against the input, Context object and variables.
//
// Evaluation is deterministic: randomness and UUIDs come from the caller through Env.
package intrinsic

import (
	"errors"
	"fmt"

	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/sfn"
)

// Call is a compiled intrinsic function call. It is immutable and safe for concurrent use.
type Call struct {
	Text string // the call as written
	Name string // e.g. "States.Format"

	fn   *function
	args []arg
	// template is States.Format's first argument split at its placeholders, when that
	// argument is a literal (parsed once here rather than at every evaluation).
	template []formatPart
}

// Env is what a call is evaluated against.
type Env struct {
	Input   any // the value "$" paths read
	Context any // the Context object, read by "$$" paths
	// Variables looks up a workflow variable for "$name" paths; nil means no variables.
	Variables func(name string) (any, bool)
	// Random returns a number in [0, 1) for States.MathRandom without a seed.
	Random func() float64
	// UUID returns a version 4 UUID for States.UUID.
	UUID func() string
}

// Error is a failure of an intrinsic function at run time. Name is always
// States.IntrinsicFailure; Cause says what went wrong.
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

func failure(format string, args ...any) *Error {
	return &Error{Name: sfn.ErrorIntrinsicFailure, Cause: fmt.Sprintf(format, args...)}
}

// PathError is returned by Eval when a path argument selects nothing (it wraps
// jsonpath.ErrPathNotFound) or names an undefined variable (it wraps ErrVariableUndefined).
// AWS reports both as States.Runtime, not States.IntrinsicFailure, so the interpreter
// builds that cause itself from Path.
type PathError struct {
	Path string // the path argument as written
	Err  error
}

func (e *PathError) Error() string { return e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

// ErrVariableUndefined is wrapped by the PathError of a "$name" argument whose variable is
// not set.
var ErrVariableUndefined = errors.New("variable is not defined")

// SyntaxError describes why a text is not a valid intrinsic function call.
type SyntaxError struct {
	Text   string // the call as written
	Offset int    // byte offset of the problem in Text
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid intrinsic function call %q: %s at offset %d", e.Text, e.Msg, e.Offset)
}

// Compile parses one intrinsic function call, with its nested calls and path arguments, and
// checks the function names and the number of arguments.
func Compile(text string) (*Call, error) {
	return parseCall(text)
}

// MustCompile is Compile for calls known to be valid; it panics on a syntax error.
func MustCompile(text string) *Call {
	c, err := Compile(text)
	if err != nil {
		panic(err)
	}
	return c
}

// LooksLikeCall reports whether text is meant as an intrinsic function call rather than a
// path: it starts with "States." (ASL decides by this prefix before any parsing).
func LooksLikeCall(text string) bool {
	return len(text) >= 7 && text[:7] == "States."
}

// Eval runs the call. Errors are *Error (States.IntrinsicFailure) or *PathError.
func (c *Call) Eval(env Env) (any, error) {
	var stack [4]any
	values := stack[:0]
	if len(c.args) > len(stack) {
		values = make([]any, 0, len(c.args))
	}
	for i := range c.args {
		v, err := c.args[i].eval(env)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return c.fn.impl(c, values, env)
}

// Apply runs the function name ("States.ArrayPartition") on already evaluated arguments, for
// callers that have values rather than a call written in a definition (JSONata's $partition,
// $range, $hash ... share these semantics). A States.Format template given here has no
// escapes. An unknown name or a wrong argument count is an *Error.
func Apply(name string, args []any, env Env) (any, error) {
	fn, ok := functions[name]
	if !ok {
		return nil, failure("Unknown intrinsic function %s", name)
	}
	if msg := fn.checkArity(len(args)); msg != "" {
		return nil, failure("%s", msg)
	}
	c := &Call{Text: name, Name: name, fn: fn, args: make([]arg, len(args))}
	for i := range c.args {
		c.args[i].kind = argPath // evaluated values, not literals written in a definition
	}
	return fn.impl(c, args, env)
}

// Functions lists the names of the supported intrinsic functions, sorted.
func Functions() []string {
	names := make([]string, 0, len(functions))
	for name := range functions {
		names = append(names, name)
	}
	sortStrings(names)
	return names
}

// argKind says what an argument is.
type argKind uint8

const (
	argLiteral argKind = iota
	argPath
	argCall
)

// arg is one compiled argument.
type arg struct {
	kind  argKind
	value any            // argLiteral: string, float64, bool or nil
	raw   string         // argLiteral strings: the text between the quotes, escapes kept (for Format)
	path  *jsonpath.Path // argPath
	call  *Call          // argCall
}

func (a *arg) eval(env Env) (any, error) {
	switch a.kind {
	case argLiteral:
		return a.value, nil
	case argCall:
		return a.call.Eval(env)
	}
	var root any
	switch a.path.Root {
	case jsonpath.RootInput:
		root = env.Input
	case jsonpath.RootContext:
		root = env.Context
	case jsonpath.RootVariable:
		var ok bool
		if env.Variables != nil {
			root, ok = env.Variables(a.path.Variable)
		}
		if !ok {
			return nil, &PathError{Path: a.path.Text, Err: fmt.Errorf("$%s: %w", a.path.Variable, ErrVariableUndefined)}
		}
	}
	v, err := a.path.Get(root)
	if err != nil {
		return nil, &PathError{Path: a.path.Text, Err: err}
	}
	return v, nil
}
