// Package jsonpath implements the JSONPath dialect of the Amazon States Language: paths
// ($.a.b[0], filters, slices, wildcards, ..), reference paths (the subset ResultPath and
// Variable accept), Context object paths ($$.Execution.Id) and variable paths ($name.field),
// all over the engine's JSON values (internal/jsonvalue: objects keep their key order).
//
// The dialect follows Jayway JsonPath, which AWS Step Functions uses: a definite path (only
// field names and single indexes) selects one value and fails when it is absent; any other
// path selects a list of matches, possibly empty.
//
// Syntax, after the root ($, $$ or $name):
//
//	.name  ['name']  ["name"]   a field (in quotes a backslash only protects the next character)
//	[2]  [-1]                   an array element, counting from the end when negative
//	.*  [*]                     every element or field value
//	..name  ..*  ..[0]          the selector applied at every depth (deep scan)
//	['a','b']  [0,2]            several fields (merged into one object at the leaf) or elements
//	[1:3]  [:2]  [-2:]  [::2]   slices, with Python's rules for bounds and step
//	[?(@.price < 10)]           filters: @ is the candidate, $ the document; == != < <= > >=,
//	                            =~ /regex/i, in, nin, subsetof, anyof, noneof, size, empty,
//	                            contains, ! && || and parentheses; @.x alone tests existence
//	.length()                   a function at the end: length size min max avg sum keys first last
//
// Decoded objects do not keep the order of their keys, so wildcards and deep scans visit
// object fields in sorted key order (AWS uses document order).
package jsonpath

import (
	"errors"
	"fmt"
)

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

// String names the root as it is written.
func (r Root) String() string {
	switch r {
	case RootInput:
		return "$"
	case RootContext:
		return "$$"
	case RootVariable:
		return "$name"
	}
	return fmt.Sprintf("Root(%d)", int(r))
}

// Path is a compiled JSONPath. It is immutable and safe for concurrent use.
type Path struct {
	Text     string // the path as written
	Root     Root
	Variable string // variable name without "$" when Root is RootVariable

	steps     []step
	definite  bool
	reference bool // only field names and single non-negative indexes: usable with Set
}

// ErrPathNotFound is wrapped by the error Get returns when a definite path selects nothing.
var ErrPathNotFound = errors.New("path not found")

// ErrPathMismatch is wrapped by the error Set returns when the path goes through a value that
// is not an object (or, for an index step, not an array long enough). The interpreter reports
// it as States.ResultPathMatchFailure.
var ErrPathMismatch = errors.New("path does not match the value")

// ErrNotReference is returned by Set on a path that is not a reference path.
var ErrNotReference = errors.New("not a reference path")

// SyntaxError describes why a text is not a valid JSONPath.
type SyntaxError struct {
	Text   string // the path as written
	Offset int    // byte offset of the problem in Text
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSONPath %q: %s at offset %d", e.Text, e.Msg, e.Offset)
}

// Compile parses a JSONPath (any root: $, $$ or $name).
func Compile(text string) (*Path, error) {
	return parsePath(text)
}

// MustCompile is Compile for paths known to be valid; it panics on a syntax error.
func MustCompile(text string) *Path {
	p, err := Compile(text)
	if err != nil {
		panic(err)
	}
	return p
}

// CompileReference parses a reference path: a root followed only by field names (".name",
// "['name']") and non-negative array indexes ("[n]"). ResultPath and Choice Variable accept
// only reference paths.
func CompileReference(text string) (*Path, error) {
	p, err := parsePath(text)
	if err != nil {
		return nil, err
	}
	if !p.reference {
		return nil, &SyntaxError{Text: text, Offset: 0, Msg: "a reference path allows only field names and array indexes"}
	}
	return p, nil
}

// IsDefinite reports whether the path selects at most one value (no wildcard, filter, slice,
// union or deep scan). Get returns that value itself rather than a list of matches.
func (p *Path) IsDefinite() bool { return p.definite }

// IsReference reports whether the path is a reference path, which Set accepts.
func (p *Path) IsReference() bool { return p.reference }

// IsRootOnly reports whether the path is just its root ("$", "$$" or "$name").
func (p *Path) IsRootOnly() bool { return len(p.steps) == 0 }

// String returns the path as written.
func (p *Path) String() string { return p.Text }
