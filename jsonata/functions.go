package jsonata

// callable is any function value: a lambda, a built-in, a partial application, a
// transform, a function chain, or a Go function supplied by the caller.
type callable interface {
	arity() int
}

// lambda is a user-defined function closed over its defining scope and context. A thunk is
// a tail call awaiting evaluation by the trampoline in apply.
type lambda struct {
	node  *node
	input any
	env   *frame
	thunk bool
}

func (l *lambda) arity() int { return len(l.node.params) }

// builtin is a function implemented in Go. Impl receives the validated arguments and the
// call context (the context value, for functions that default to it).
type builtin struct {
	name  string
	sig   *signature
	nargs int
	impl  func(ev *evaluator, args []any, call *callContext) (any, error)
}

func (b *builtin) arity() int { return b.nargs }

type callContext struct {
	input any
	env   *frame
}

// partial is a partial application: placeholders are filled, in order, from the call.
type partial struct {
	target   any
	args     []any
	nholes   int
	holeMark []bool
}

func (p *partial) arity() int { return p.nholes }

type chain struct{ f, g any }

func (c *chain) arity() int { return 1 }

type transformer struct {
	node *node
	env  *frame
}

func (t *transformer) arity() int { return 1 }

// Function is a Go function made available to expressions as a variable ($name). Signature
// is an optional JSONata signature (for example "<n-n:n>") used to validate arguments.
// Call receives plain decoded JSON values (Undefined for missing arguments) and returns a
// plain value, Undefined, or an error (return a *Error to control the code). A number is a
// float64, or the json.Number the input held exactly, except for a parameter the
// signature declares as a number ('n'): that one is always a float64.
type Function struct {
	Signature string
	Call      func(args []any) (any, error)
}

func arityOf(f any) int {
	if c, ok := f.(callable); ok {
		return c.arity()
	}
	return 0
}

func (ev *evaluator) evalFunction(expr *node, input any, env *frame, applyTo *any) (any, error) {
	proc, err := ev.eval(expr.procedure, input, env)
	if err != nil {
		return nil, err
	}
	if proc == Undefined && expr.procedure.typ == "path" && expr.procedure.steps[0].typ == "name" {
		if _, ok := env.lookup(expr.procedure.steps[0].value); ok {
			return nil, newError("T1005", expr.pos, expr.procedure.steps[0].value, nil)
		}
	}
	args := make([]any, 0, len(expr.args)+1)
	if applyTo != nil {
		args = append(args, *applyTo)
	}
	for _, a := range expr.args {
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	procName := expr.procedure.value
	if expr.procedure.typ == "path" {
		procName = expr.procedure.steps[0].value
	}
	result, err := ev.apply(proc, args, input, env)
	if err != nil {
		if e, ok := err.(*Error); ok {
			if e.Position == 0 {
				e.Position = expr.pos
			}
			if e.Token == "" {
				e.Token = procName
			}
		}
		return nil, err
	}
	return result, nil
}

func (ev *evaluator) apply(proc any, args []any, input any, env *frame) (any, error) {
	result, err := ev.applyInner(proc, args, input, env)
	if err != nil {
		return nil, err
	}
	for {
		th, ok := result.(*lambda)
		if !ok || !th.thunk {
			return result, nil
		}
		call := th.node.body
		next, err := ev.eval(call.procedure, th.input, th.env)
		if err != nil {
			return nil, err
		}
		nargs := make([]any, 0, len(call.args))
		for _, a := range call.args {
			v, err := ev.eval(a, th.input, th.env)
			if err != nil {
				return nil, err
			}
			nargs = append(nargs, v)
		}
		if result, err = ev.applyInner(next, nargs, input, env); err != nil {
			if e, ok := err.(*Error); ok && e.Token == "" {
				if call.procedure.typ == "variable" {
					e.Token = call.procedure.value
				}
				if e.Position == 0 {
					e.Position = call.pos
				}
			}
			return nil, err
		}
	}
}

func (ev *evaluator) applyInner(proc any, args []any, input any, env *frame) (any, error) {
	if err := ev.enter(); err != nil {
		return nil, err
	}
	defer func() { ev.depth-- }()
	switch p := proc.(type) {
	case *lambda:
		if p.node.sig != nil {
			var err error
			if args, err = p.node.sig.validate(args, input, ev.compat206); err != nil {
				return nil, err
			}
		}
		fr := &frame{parent: p.env, vars: make([]binding, 0, len(p.node.params))}
		for i, name := range p.node.params {
			if i < len(args) {
				fr.bind(name, args[i])
			} else {
				fr.bind(name, Undefined)
			}
		}
		return ev.eval(p.node.body, p.input, fr)
	case *builtin:
		if p.sig != nil {
			var err error
			if args, err = p.sig.validate(args, input, ev.compat206); err != nil {
				return nil, err
			}
		}
		return p.impl(ev, args, &callContext{input: input, env: env})
	case *partial:
		full := make([]any, len(p.args))
		j := 0
		for i, a := range p.args {
			if p.holeMark[i] {
				if j < len(args) {
					full[i] = args[j]
				} else {
					full[i] = Undefined
				}
				j++
			} else {
				full[i] = a
			}
		}
		return ev.apply(p.target, full, input, env)
	case *chain:
		var x any = Undefined
		if len(args) > 0 {
			x = args[0]
		}
		v, err := ev.apply(p.f, []any{x}, input, env)
		if err != nil {
			return nil, err
		}
		return ev.apply(p.g, []any{v}, input, env)
	case *transformer:
		var x any = Undefined
		if len(args) > 0 {
			x = args[0]
		}
		if len(args) > 1 {
			return nil, newError("T0410", 0, "", args[1]).withIndex(2)
		}
		return ev.transform(p, x)
	case *regexValue:
		var x any = Undefined
		if len(args) > 0 {
			x = args[0]
		}
		s, ok := x.(string)
		if !ok {
			return Undefined, nil
		}
		ms := p.matches(s, 1)
		if len(ms) == 0 {
			return Undefined, nil
		}
		return ms[0].toMatcherObject(p, s), nil
	case *regexNext:
		return p.call()
	case *goFunction:
		return p.call(ev, args, input)
	}
	return nil, newError("T1006", 0, "", nil)
}

func (e *Error) withIndex(i int) *Error {
	e.index = i
	return e
}

func (ev *evaluator) evalPartial(expr *node, input any, env *frame) (any, error) {
	p := &partial{}
	for _, a := range expr.args {
		if a.typ == "placeholder" {
			p.args = append(p.args, nil)
			p.holeMark = append(p.holeMark, true)
			p.nholes++
			continue
		}
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		p.args = append(p.args, v)
		p.holeMark = append(p.holeMark, false)
	}
	proc, err := ev.eval(expr.procedure, input, env)
	if err != nil {
		return nil, err
	}
	if proc == Undefined && expr.procedure.typ == "path" && expr.procedure.steps[0].typ == "name" {
		if _, ok := env.lookup(expr.procedure.steps[0].value); ok {
			return nil, newError("T1007", expr.pos, expr.procedure.steps[0].value, nil)
		}
	}
	if !isFunction(proc) {
		return nil, newError("T1008", expr.pos, expr.procedure.value, nil)
	}
	p.target = proc
	return p, nil
}

func (ev *evaluator) evalApply(expr *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(expr.lhs, input, env)
	if err != nil {
		return nil, err
	}
	if expr.rhs.typ == "function" {
		return ev.evalFunction(expr.rhs, input, env, &lhs)
	}
	fn, err := ev.eval(expr.rhs, input, env)
	if err != nil {
		return nil, err
	}
	if !isFunction(fn) {
		return nil, newError("T2006", expr.pos, "~>", fn)
	}
	if isFunction(lhs) {
		return &chain{f: lhs, g: fn}, nil
	}
	return ev.apply(fn, []any{lhs}, Undefined, env)
}
