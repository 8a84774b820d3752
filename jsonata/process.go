package jsonata

import "fmt"

// processor rewrites the raw parse tree into evaluation form; it carries the counters used
// to label parent-operator slots.
type processor struct {
	depth         int
	ancestorLabel int
	ancestorIndex int
	ancestry      []*node
}

func (pr *processor) process(expr *node) (*node, error) {
	// left-associative chains (a+b+c...) nest without recursing in the parser
	pr.depth++
	defer func() { pr.depth-- }()
	if pr.depth > DefaultMaxDepth {
		return nil, &Error{Code: "U1001", Position: expr.pos, Message: "Expression nesting is too deep"}
	}
	var result *node
	var err error
	switch expr.typ {
	case "binary":
		result, err = pr.processBinary(expr)
		if err != nil {
			return nil, err
		}
	case "unary":
		result = &node{typ: "unary", value: expr.value, pos: expr.pos}
		switch expr.value {
		case "[":
			for _, item := range expr.exprs {
				v, err := pr.process(item)
				if err != nil {
					return nil, err
				}
				pushAncestry(result, v)
				result.exprs = append(result.exprs, v)
			}
		case "{":
			for _, pair := range expr.pairs {
				k, err := pr.process(pair[0])
				if err != nil {
					return nil, err
				}
				pushAncestry(result, k)
				v, err := pr.process(pair[1])
				if err != nil {
					return nil, err
				}
				pushAncestry(result, v)
				result.pairs = append(result.pairs, [2]*node{k, v})
			}
		default:
			e, err := pr.process(expr.expr)
			if err != nil {
				return nil, err
			}
			if expr.value == "-" && e.typ == "number" {
				result = e
				result.lit = -e.lit.(float64)
			} else {
				result.expr = e
				pushAncestry(result, e)
			}
		}
	case "function", "partial":
		result = &node{typ: expr.typ, value: expr.value, pos: expr.pos}
		for _, a := range expr.args {
			v, err := pr.process(a)
			if err != nil {
				return nil, err
			}
			pushAncestry(result, v)
			result.args = append(result.args, v)
		}
		if result.procedure, err = pr.process(expr.procedure); err != nil {
			return nil, err
		}
	case "lambda":
		result = &node{typ: "lambda", params: expr.params, sig: expr.sig, pos: expr.pos}
		body, err := pr.process(expr.body)
		if err != nil {
			return nil, err
		}
		result.body = tailCallOptimize(body)
	case "condition":
		result = &node{typ: "condition", pos: expr.pos}
		if result.cond, err = pr.process(expr.cond); err != nil {
			return nil, err
		}
		pushAncestry(result, result.cond)
		if result.then, err = pr.process(expr.then); err != nil {
			return nil, err
		}
		pushAncestry(result, result.then)
		if expr.els != nil {
			if result.els, err = pr.process(expr.els); err != nil {
				return nil, err
			}
			pushAncestry(result, result.els)
		}
	case "elvis", "coalesce":
		result = &node{typ: expr.typ, pos: expr.pos}
		if result.lhs, err = pr.process(expr.lhs); err != nil {
			return nil, err
		}
		pushAncestry(result, result.lhs)
		if result.rhs, err = pr.process(expr.rhs); err != nil {
			return nil, err
		}
		pushAncestry(result, result.rhs)
	case "transform":
		result = &node{typ: "transform", pos: expr.pos}
		if result.pattern, err = pr.process(expr.pattern); err != nil {
			return nil, err
		}
		if result.update, err = pr.process(expr.update); err != nil {
			return nil, err
		}
		if expr.del != nil {
			if result.del, err = pr.process(expr.del); err != nil {
				return nil, err
			}
		}
	case "block":
		result = &node{typ: "block", pos: expr.pos}
		for _, item := range expr.exprs {
			part, err := pr.process(item)
			if err != nil {
				return nil, err
			}
			pushAncestry(result, part)
			if part.consarray || (part.typ == "path" && part.steps[0].consarray) {
				result.consarray = true
			}
			result.exprs = append(result.exprs, part)
		}
	case "name":
		result = &node{typ: "path", steps: []*node{expr}, pos: expr.pos}
		if expr.keepArray {
			result.keepSingletonArray = true
		}
	case "parent":
		result = &node{typ: "parent", pos: expr.pos, slot: &slot{label: fmt.Sprintf("!%d", pr.ancestorLabel), level: 1, index: pr.ancestorIndex}}
		pr.ancestorLabel++
		pr.ancestorIndex++
		pr.ancestry = append(pr.ancestry, result)
	case "string", "number", "value", "wildcard", "descendant", "variable", "regex", "placeholder":
		result = expr
	case "end":
		return nil, newError("S0207", expr.pos, "", nil)
	default:
		return nil, newError("S0206", expr.pos, expr.typ, nil)
	}
	if expr.keepArray {
		result.keepArray = true
	}
	return result, nil
}

func (pr *processor) processBinary(expr *node) (*node, error) {
	var result *node
	switch expr.value {
	case ".":
		lstep, err := pr.process(expr.lhs)
		if err != nil {
			return nil, err
		}
		if lstep.typ == "path" {
			result = lstep
		} else {
			result = &node{typ: "path", steps: []*node{lstep}, pos: expr.pos}
		}
		if lstep.typ == "parent" {
			result.seekingParent = []*slot{lstep.slot}
		}
		rest, err := pr.process(expr.rhs)
		if err != nil {
			return nil, err
		}
		if rest.typ == "path" {
			result.steps = append(result.steps, rest.steps...)
		} else {
			if rest.predicate != nil {
				rest.stages = rest.predicate
				rest.predicate = nil
			}
			result.steps = append(result.steps, rest)
		}
		for _, step := range result.steps {
			switch step.typ {
			case "number", "value":
				return nil, newError("S0213", step.pos, "", step.value)
			case "string":
				step.typ = "name"
			}
			if step.keepArray {
				result.keepSingletonArray = true
			}
		}
		first := result.steps[0]
		if first.typ == "unary" && first.value == "[" {
			first.consarray = true
		}
		last := result.steps[len(result.steps)-1]
		if last.typ == "unary" && last.value == "[" {
			last.consarray = true
		}
		if err := pr.resolveAncestry(result); err != nil {
			return nil, err
		}
		return result, nil
	case "[":
		r, err := pr.process(expr.lhs)
		if err != nil {
			return nil, err
		}
		result = r
		step := result
		inPath := false
		if result.typ == "path" {
			step = result.steps[len(result.steps)-1]
			inPath = true
		}
		if step.group != nil {
			return nil, newError("S0209", expr.pos, "", nil)
		}
		predicate, err := pr.process(expr.rhs)
		if err != nil {
			return nil, err
		}
		if predicate.seekingParent != nil {
			for _, sl := range predicate.seekingParent {
				if sl.level == 1 {
					if _, err := pr.seekParent(step, sl); err != nil {
						return nil, err
					}
				} else {
					sl.level--
				}
			}
			pushAncestry(step, predicate)
		}
		st := &stage{typ: "filter", expr: predicate, pos: expr.pos}
		if inPath {
			step.stages = append(step.stages, st)
		} else {
			step.predicate = append(step.predicate, st)
		}
		return result, nil
	case "{":
		r, err := pr.process(expr.lhs)
		if err != nil {
			return nil, err
		}
		if r.group != nil {
			return nil, newError("S0210", expr.pos, "", nil)
		}
		g := &groupSpec{pos: expr.pos}
		for _, pair := range expr.pairs {
			k, err := pr.process(pair[0])
			if err != nil {
				return nil, err
			}
			v, err := pr.process(pair[1])
			if err != nil {
				return nil, err
			}
			g.pairs = append(g.pairs, [2]*node{k, v})
		}
		r.group = g
		return r, nil
	case "^":
		r, err := pr.process(expr.lhs)
		if err != nil {
			return nil, err
		}
		if r.typ != "path" {
			r = &node{typ: "path", steps: []*node{r}, pos: expr.pos}
		}
		sortStep := &node{typ: "sort", pos: expr.pos}
		for _, term := range expr.terms {
			e, err := pr.process(term.expr)
			if err != nil {
				return nil, err
			}
			pushAncestry(sortStep, e)
			sortStep.terms = append(sortStep.terms, sortTerm{descending: term.descending, expr: e})
		}
		r.steps = append(r.steps, sortStep)
		if err := pr.resolveAncestry(r); err != nil {
			return nil, err
		}
		return r, nil
	case ":=":
		result = &node{typ: "bind", value: ":=", pos: expr.pos}
		var err error
		if result.lhs, err = pr.process(expr.lhs); err != nil {
			return nil, err
		}
		if result.rhs, err = pr.process(expr.rhs); err != nil {
			return nil, err
		}
		pushAncestry(result, result.rhs)
		return result, nil
	case "@":
		r, err := pr.process(expr.lhs)
		if err != nil {
			return nil, err
		}
		step := r
		if r.typ == "path" {
			step = r.steps[len(r.steps)-1]
		}
		if step.stages != nil || step.predicate != nil {
			return nil, newError("S0215", expr.pos, "", nil)
		}
		if step.typ == "sort" {
			return nil, newError("S0216", expr.pos, "", nil)
		}
		if expr.keepArray {
			step.keepArray = true
		}
		step.focus = expr.rhs.value
		step.tuple = true
		return r, nil
	case "#":
		r, err := pr.process(expr.lhs)
		if err != nil {
			return nil, err
		}
		step := r
		if r.typ == "path" {
			step = r.steps[len(r.steps)-1]
		} else {
			r = &node{typ: "path", steps: []*node{r}, pos: expr.pos}
			if step.predicate != nil {
				step.stages = step.predicate
				step.predicate = nil
			}
		}
		if step.stages == nil {
			step.index = expr.rhs.value
		} else {
			step.stages = append(step.stages, &stage{typ: "index", value: expr.rhs.value, pos: expr.pos})
		}
		step.tuple = true
		return r, nil
	case "~>":
		result = &node{typ: "apply", value: "~>", pos: expr.pos}
		var err error
		if result.lhs, err = pr.process(expr.lhs); err != nil {
			return nil, err
		}
		if result.rhs, err = pr.process(expr.rhs); err != nil {
			return nil, err
		}
		result.keepArray = result.lhs.keepArray || result.rhs.keepArray
		return result, nil
	}
	result = &node{typ: "binary", value: expr.value, pos: expr.pos}
	var err error
	if result.lhs, err = pr.process(expr.lhs); err != nil {
		return nil, err
	}
	if result.rhs, err = pr.process(expr.rhs); err != nil {
		return nil, err
	}
	pushAncestry(result, result.lhs)
	pushAncestry(result, result.rhs)
	return result, nil
}

func pushAncestry(result, value *node) {
	if value.seekingParent == nil && value.typ != "parent" {
		return
	}
	slots := append([]*slot(nil), value.seekingParent...)
	if value.typ == "parent" {
		slots = append(slots, value.slot)
	}
	result.seekingParent = append(result.seekingParent, slots...)
}

func (pr *processor) seekParent(n *node, sl *slot) (*slot, error) {
	switch n.typ {
	case "name", "wildcard":
		sl.level--
		if sl.level == 0 {
			if n.ancestor != nil {
				pr.ancestry[sl.index].slot.label = n.ancestor.label
			}
			n.ancestor = sl
			n.tuple = true
		}
	case "parent":
		sl.level++
	case "block":
		if len(n.exprs) > 0 {
			n.tuple = true
			return pr.seekParent(n.exprs[len(n.exprs)-1], sl)
		}
	case "path":
		n.tuple = true
		index := len(n.steps) - 1
		var err error
		sl, err = pr.seekParent(n.steps[index], sl)
		if err != nil {
			return nil, err
		}
		index--
		for sl.level > 0 && index >= 0 {
			if sl, err = pr.seekParent(n.steps[index], sl); err != nil {
				return nil, err
			}
			index--
		}
	default:
		return nil, newError("S0217", n.pos, n.typ, nil)
	}
	return sl, nil
}

func (pr *processor) resolveAncestry(path *node) error {
	index := len(path.steps) - 1
	last := path.steps[index]
	slots := append([]*slot(nil), last.seekingParent...)
	if last.typ == "parent" {
		slots = append(slots, last.slot)
	}
	for _, sl := range slots {
		index = len(path.steps) - 2
		for sl.level > 0 {
			if index < 0 {
				path.seekingParent = append(path.seekingParent, sl)
				break
			}
			step := path.steps[index]
			index--
			for index >= 0 && step.focus != "" && path.steps[index].focus != "" {
				step = path.steps[index]
				index--
			}
			var err error
			if sl, err = pr.seekParent(step, sl); err != nil {
				return err
			}
		}
	}
	return nil
}

// tailCallOptimize turns a function call in tail position into a thunk so that apply can
// run it in a loop instead of recursing.
func tailCallOptimize(expr *node) *node {
	switch {
	case expr.typ == "function" && expr.predicate == nil:
		return &node{typ: "lambda", thunk: true, pos: expr.pos, body: expr}
	case expr.typ == "condition":
		expr.then = tailCallOptimize(expr.then)
		if expr.els != nil {
			expr.els = tailCallOptimize(expr.els)
		}
	case expr.typ == "block" && len(expr.exprs) > 0:
		expr.exprs[len(expr.exprs)-1] = tailCallOptimize(expr.exprs[len(expr.exprs)-1])
	}
	return expr
}
