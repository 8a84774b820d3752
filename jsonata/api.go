package jsonata

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

// DefaultMaxDepth bounds evaluation depth when EvalOptions.MaxDepth is zero, so that
// runaway recursion fails with U1001 long before the Go stack is exhausted.
const DefaultMaxDepth = 10000

// Expr is a compiled JSONata expression, safe for concurrent use.
type Expr struct {
	src       string
	root      *node
	compat206 bool
}

// CompileOptions tunes how an expression is read and, through the Expr, how it runs.
type CompileOptions struct {
	// Compat206 makes the expression behave as jsonata-js 2.0.6, the version AWS Step
	// Functions runs, where it differs from the 2.2 language this package follows by
	// default: the 2.1 operators "??" and "?:" are syntax errors (S0211, as 2.0.6's parser
	// reads them as "?" followed by an operator in operand position), $toMillis reads
	// pictures and ISO text as 2.0.6 does, month and day markers take a maximum width as the
	// year does, a range may hold 1e6 items, and an exponent picture given a number of zero or
	// less fails instead of never returning (see docs/jsonata.md).
	Compat206 bool
}

// EvalOptions tunes one evaluation. All fields are optional.
type EvalOptions struct {
	// Bindings are variables visible to the expression, by name without the '$'. Values
	// are decoded JSON, or Function for callable bindings.
	Bindings map[string]any
	// Functions are Go functions callable as $name.
	Functions map[string]Function
	// MaxDepth is the evaluation depth limit (DefaultMaxDepth when zero, none when negative).
	MaxDepth int
	// TimeLimit stops evaluation with U1001 once exceeded (no limit when zero).
	TimeLimit time.Duration
	// MaxElements bounds the array items and object entries the evaluation may build, in
	// all (DefaultMaxElements when zero, none when negative); past it the evaluation fails
	// with U1003.
	MaxElements int
	// MaxStringBytes bounds the bytes of the strings the evaluation may build, in all
	// (DefaultMaxStringBytes when zero, none when negative); past it the evaluation fails
	// with U1003.
	MaxStringBytes int
	// Now is the clock for $now() and $millis(), read once per evaluation (time.Now if nil).
	Now func() time.Time
	// Random supplies $random() and $shuffle() (math/rand if nil).
	Random func() float64
}

// Compile parses expr. Syntax errors are *Error with an S0xxx code.
func Compile(expr string) (*Expr, error) {
	return CompileWithOptions(expr, CompileOptions{})
}

// CompileWithOptions is Compile with options; the Expr keeps them for its evaluations.
func CompileWithOptions(expr string, opts CompileOptions) (*Expr, error) {
	root, err := parse(expr, opts.Compat206)
	if err != nil {
		return nil, finishError(err)
	}
	return &Expr{src: expr, root: root, compat206: opts.Compat206}, nil
}

// String returns the expression's source text.
func (e *Expr) String() string { return e.src }

// Eval evaluates the expression against input (Undefined for no input). It returns the
// result as decoded JSON, Undefined when the result is undefined, or an *Error.
func (e *Expr) Eval(input any, opts *EvalOptions) (result any, err error) {
	v, ev, err := e.evalRaw(input, opts)
	if err != nil || v == Undefined {
		return v, err
	}
	defer recoverLimit(&err)
	return toPublic(&ev.budget, v), nil
}

// EvalJSON is Eval with the result encoded as JSON (indented by indent when not empty),
// keeping the key order of the objects the expression builds and of DecodeJSON input. An
// undefined result, or a function (which has no JSON form), is reported as nil data and a
// nil error.
func (e *Expr) EvalJSON(input any, opts *EvalOptions, indent string) (data []byte, err error) {
	v, ev, err := e.evalRaw(input, opts)
	if err != nil || v == Undefined || isFunction(v) {
		return nil, err
	}
	defer recoverLimit(&err)
	var sb strings.Builder
	w := jsonWriter{sb: &sb, indent: indent, exact: true, budget: &ev.budget}
	w.write(v, "")
	w.finish()
	return []byte(sb.String()), nil
}

// evalRaw evaluates to an internal value (ordered objects, sequences) or Undefined.
// noOptions stands for nil options; it is only read.
var noOptions EvalOptions

func (e *Expr) evalRaw(input any, opts *EvalOptions) (result any, ev *evaluator, err error) {
	if opts == nil {
		opts = &noOptions
	}
	ev = &evaluator{maxDepth: opts.MaxDepth, random: opts.Random, budget: newBudget(opts), compat206: e.compat206}
	if ev.maxDepth == 0 {
		ev.maxDepth = DefaultMaxDepth
	}
	if opts.TimeLimit > 0 {
		ev.hasDeadline = true
		ev.deadline = time.Now().Add(opts.TimeLimit)
	}
	ev.clock = opts.Now
	if ev.random == nil {
		ev.random = rand.Float64
	}
	env := newFrame(nil)
	for name, v := range opts.Bindings {
		if f, ok := v.(Function); ok {
			env.bind(name, newGoFunction(name, f))
			continue
		}
		env.bind(name, v)
	}
	for name, f := range opts.Functions {
		env.bind(name, newGoFunction(name, f))
	}
	if arr, ok := input.([]any); ok {
		input = &seq{items: []any{arr}, sequence: true, outerWrapper: true}
	}
	env.bind("$", input)
	defer func() {
		// a bug in the engine must not take the host process down
		if r := recover(); r != nil {
			if l, ok := r.(*limitExceeded); ok {
				e := *l.err
				result, err = nil, &e
				return
			}
			result, err = nil, &Error{Code: "U1001", Message: fmt.Sprintf("internal evaluation error: %v", r)}
			// the stack is lost once recovered; this lets a developer see where it was
			if os.Getenv("JSONATA_DEBUG_PANIC") != "" {
				os.Stderr.Write(debug.Stack())
			}
		}
	}()
	v, err := ev.eval(e.root, input, env)
	if err != nil {
		return nil, ev, finishError(err)
	}
	if f, ok := v.(float64); ok {
		if _, _, err := checkNumber(f); err != nil {
			return nil, ev, finishError(err)
		}
	}
	if v == Undefined {
		return Undefined, ev, nil
	}
	if s, ok := v.(*seq); ok && s.sequence && len(s.items) == 0 {
		return Undefined, ev, nil
	}
	return v, ev, nil
}

func finishError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e.finish()
	}
	return err
}

// goFunction adapts a caller-supplied Function.
type goFunction struct {
	name string
	sig  *signature
	fn   Function
}

func newGoFunction(name string, f Function) *goFunction {
	g := &goFunction{name: name, fn: f}
	if f.Signature != "" {
		if s, err := parseSignature(f.Signature); err == nil {
			g.sig = s
		}
	}
	return g
}

func (g *goFunction) arity() int {
	if g.sig != nil {
		return len(g.sig.params)
	}
	return 1
}

func (g *goFunction) call(ev *evaluator, args []any, input any) (any, error) {
	b := &ev.budget
	if g.sig != nil {
		var err error
		if args, err = g.sig.validateAs(args, input, ev.compat206, true); err != nil {
			return nil, err
		}
	}
	plain := make([]any, len(args))
	for i, a := range args {
		if a == Undefined {
			plain[i] = Undefined
		} else {
			plain[i] = toPublic(b, a)
		}
	}
	v, err := g.fn.Call(plain)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, &Error{Code: "D3137", Message: err.Error()}
	}
	if v == nil {
		return nil, nil
	}
	return v, nil
}
