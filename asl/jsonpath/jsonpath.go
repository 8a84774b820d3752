// Package jsonpath implements the JSONPath dialect of the Amazon States Language: paths
// ($.a.b[0], filters, slices, wildcards, ..), reference paths (the subset ResultPath and
// Variable accept), Context object paths ($$.Execution.Id) and variable paths ($name.field),
// all over decoded JSON values (nil, bool, float64, string, []any, map[string]any).
package jsonpath

import "errors"

// Root says what a path starts from.
type Root int

const (
	// RootInput is "$": the state's effective input.
	RootInput Root = iota
	// RootContext is "$$": the Context object.
	RootContext
	// RootVariable is "$name": a workflow variable (JSONPath variables, set by Assign).
	RootVariable
)

// Path is a compiled JSONPath. It is immutable and safe for concurrent use.
type Path struct {
	Text     string // the path as written
	Root     Root
	Variable string // variable name without "$" when Root is RootVariable
	// unexported compiled form lives in the implementation
}

// ErrNotImplemented is returned until the implementation lands.
var ErrNotImplemented = errors.New("jsonpath: not implemented yet")

// Compile parses a JSONPath (any root: $, $$ or $name).
func Compile(text string) (*Path, error) { return nil, ErrNotImplemented }
