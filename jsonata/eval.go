package jsonata

import (
	"math"
	"time"
)

// frame is one scope of variable bindings.
type frame struct {
	// vars are the scope's bindings. Scopes bind a handful of names at most, so a slice
	// searched from the end beats a map: no hashing, and one allocation instead of several.
	vars   []binding
	parent *frame
}

type binding struct {
	name string
	v    any
}

// newFrame makes an empty scope; its bindings are allocated on the first one, since most
// blocks bind nothing.
func newFrame(parent *frame) *frame { return &frame{parent: parent} }

// bind sets name in this scope, replacing an earlier binding of the same name.
func (f *frame) bind(name string, v any) {
	for i := range f.vars {
		if f.vars[i].name == name {
			f.vars[i].v = v
			return
		}
	}
	f.vars = append(f.vars, binding{name, v})
}

func (f *frame) lookup(name string) (any, bool) {
	for fr := f; fr != nil; fr = fr.parent {
		for i := len(fr.vars) - 1; i >= 0; i-- {
			if fr.vars[i].name == name {
				return fr.vars[i].v, true
			}
		}
	}
	if b, ok := builtins[name]; ok {
		return b, true
	}
	return Undefined, false
}

// evaluator holds the state of one evaluation: limits, the clock and the random source.
type evaluator struct {
	depth       int
	maxDepth    int
	deadline    time.Time
	hasDeadline bool
	steps       int
	now         time.Time // read once, on first use: $now() is the same throughout an evaluation
	nowRead     bool
	clock       func() time.Time // nil: the wall clock
	random      func() float64
	budget      budget
	compat206   bool // behave as jsonata-js 2.0.6 (CompileOptions.Compat206)
}

// currentTime is the evaluation's time, fixed at its first use.
func (ev *evaluator) currentTime() time.Time {
	if !ev.nowRead {
		if ev.clock != nil {
			ev.now = ev.clock()
		} else {
			ev.now = time.Now()
		}
		ev.nowRead = true
	}
	return ev.now
}

func (ev *evaluator) enter() error {
	ev.depth++
	if ev.maxDepth > 0 && ev.depth > ev.maxDepth {
		return newError("U1001", 0, "", nil)
	}
	ev.steps++
	if ev.hasDeadline && ev.steps&255 == 0 && time.Now().After(ev.deadline) {
		return &Error{Code: "U1001", Message: "Expression evaluation timeout: Check for infinite loop"}
	}
	return nil
}

func (ev *evaluator) eval(expr *node, input any, env *frame) (any, error) {
	if err := ev.enter(); err != nil {
		return nil, err
	}
	result, err := ev.evalNode(expr, input, env)
	ev.depth--
	if err != nil {
		return nil, err
	}
	for _, st := range expr.predicate {
		if result, err = ev.evalFilter(st.expr, result, env); err != nil {
			return nil, err
		}
	}
	if expr.typ != "path" && expr.group != nil {
		if result, err = ev.evalGroup(expr.group, result, env); err != nil {
			return nil, err
		}
	}
	if s, ok := result.(*seq); ok && s.sequence && !s.tupleStream {
		if expr.keepArray {
			s.keepSingleton = true
		}
		switch {
		case len(s.items) == 0:
			result = Undefined
		case len(s.items) == 1 && !s.keepSingleton:
			result = s.items[0]
		}
	}
	return result, nil
}

func (ev *evaluator) evalNode(expr *node, input any, env *frame) (any, error) {
	switch expr.typ {
	case "path":
		return ev.evalPath(expr, input, env)
	case "binary":
		return ev.evalBinary(expr, input, env)
	case "unary":
		return ev.evalUnary(expr, input, env)
	case "name":
		return lookupField(&ev.budget, input, expr.value), nil
	case "string", "number", "value":
		return expr.lit, nil
	case "wildcard":
		return evalWildcard(&ev.budget, input), nil
	case "descendant":
		return evalDescendants(&ev.budget, input), nil
	case "parent":
		v, _ := env.lookup(expr.slot.label)
		return v, nil
	case "condition":
		c, err := ev.eval(expr.cond, input, env)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return ev.eval(expr.then, input, env)
		}
		if expr.els != nil {
			return ev.eval(expr.els, input, env)
		}
		return Undefined, nil
	case "elvis":
		l, err := ev.eval(expr.lhs, input, env)
		if err != nil {
			return nil, err
		}
		if truthy(l) {
			return l, nil
		}
		return ev.eval(expr.rhs, input, env)
	case "coalesce":
		l, err := ev.eval(expr.lhs, input, env)
		if err != nil {
			return nil, err
		}
		if l != Undefined {
			return l, nil
		}
		return ev.eval(expr.rhs, input, env)
	case "block":
		fr := newFrame(env)
		var result any = Undefined
		for _, e := range expr.exprs {
			var err error
			if result, err = ev.eval(e, input, fr); err != nil {
				return nil, err
			}
		}
		return result, nil
	case "bind":
		v, err := ev.eval(expr.rhs, input, env)
		if err != nil {
			return nil, err
		}
		env.bind(expr.lhs.value, v)
		return v, nil
	case "regex":
		return expr.regex, nil
	case "function":
		return ev.evalFunction(expr, input, env, nil)
	case "variable":
		if expr.value == "" {
			if s, ok := input.(*seq); ok && s.outerWrapper && len(s.items) > 0 {
				return s.items[0], nil
			}
			return input, nil
		}
		v, _ := env.lookup(expr.value)
		return v, nil
	case "lambda":
		return &lambda{node: expr, input: input, env: env, thunk: expr.thunk}, nil
	case "partial":
		return ev.evalPartial(expr, input, env)
	case "apply":
		return ev.evalApply(expr, input, env)
	case "transform":
		return &transformer{node: expr, env: env}, nil
	case "sort":
		return ev.evalSort(expr, toSeq(input), env)
	}
	return nil, newError("S0206", expr.pos, expr.typ, nil)
}

// toSeq views any value as a sequence of items without copying arrays.
func toSeq(v any) *seq {
	switch x := v.(type) {
	case *seq:
		return x
	case []any:
		return &seq{items: x}
	}
	return &seq{items: []any{v}, sequence: true}
}

func (ev *evaluator) evalPath(expr *node, input any, env *frame) (any, error) {
	var inputSeq *seq
	if _, isArr := asArray(input); isArr && expr.steps[0].typ != "variable" {
		inputSeq = toSeq(input)
	} else {
		inputSeq = &seq{items: []any{input}, sequence: true}
	}
	var result any = Undefined
	isTupleStream := false
	var tuples *seq
	for i, step := range expr.steps {
		if step.tuple {
			isTupleStream = true
		}
		var err error
		switch {
		case i == 0 && step.consarray:
			result, err = ev.eval(step, inputSeq, env)
		case isTupleStream:
			tuples, err = ev.evalTupleStep(step, inputSeq, tuples, env)
		default:
			result, err = ev.evalStep(step, inputSeq, env, i == len(expr.steps)-1)
		}
		if err != nil {
			return nil, err
		}
		if !isTupleStream {
			if result == Undefined {
				break
			}
			if arr, ok := asArray(result); ok && len(arr) == 0 {
				break
			}
		}
		if step.focus == "" {
			if isTupleStream {
				if tuples != nil {
					inputSeq = tuples
				}
			} else {
				inputSeq = toSeq(result)
			}
		}
	}
	if isTupleStream {
		if expr.tuple {
			result = tuples
		} else {
			out := newSeq()
			if tuples != nil {
				ev.budget.spend(len(tuples.items))
				for _, t := range tuples.items {
					out.items = append(out.items, t.(tuple)["@"])
				}
			}
			result = out
		}
	}
	if expr.keepSingletonArray {
		switch r := result.(type) {
		case *seq:
			if r.cons && !r.sequence {
				result = &seq{items: []any{r}, sequence: true, keepSingleton: true}
			} else {
				r.keepSingleton = true
			}
		case []any:
		default:
			if result != Undefined {
				result = &seq{items: []any{r}, sequence: true, keepSingleton: true}
			}
		}
	}
	if expr.group != nil {
		src := result
		if isTupleStream {
			src = tuples
			if tuples == nil {
				src = Undefined
			}
		}
		return ev.evalGroup(expr.group, src, env)
	}
	return result, nil
}

func (ev *evaluator) evalStep(expr *node, input *seq, env *frame, lastStep bool) (any, error) {
	if expr.typ == "sort" {
		result, err := ev.evalSort(expr, input, env)
		if err != nil {
			return nil, err
		}
		if expr.stages != nil {
			return ev.evalStages(expr.stages, result, env)
		}
		return result, nil
	}
	results := make([]any, 0, len(input.items))
	for _, item := range input.items {
		res, err := ev.eval(expr, item, env)
		if err != nil {
			return nil, err
		}
		for _, st := range expr.stages {
			if res, err = ev.evalFilter(st.expr, res, env); err != nil {
				return nil, err
			}
		}
		if res != Undefined {
			results = append(results, res)
		}
	}
	if lastStep && len(results) == 1 {
		if _, ok := asArray(results[0]); ok && !isSequence(results[0]) {
			return results[0], nil
		}
	}
	out := newSeq()
	for _, res := range results {
		if s, ok := res.(*seq); ok && s.cons {
			out.items = append(out.items, res)
			continue
		}
		if arr, ok := asArray(res); ok {
			ev.budget.spend(len(arr))
			out.items = append(out.items, arr...)
		} else {
			out.items = append(out.items, res)
		}
	}
	return out, nil
}

func frameFromTuple(env *frame, t tuple) *frame {
	fr := &frame{parent: env, vars: make([]binding, 0, len(t))}
	for k, v := range t {
		if k != "@" {
			fr.vars = append(fr.vars, binding{k, v})
		}
	}
	return fr
}

func (ev *evaluator) evalTupleStep(expr *node, input *seq, tuples *seq, env *frame) (*seq, error) {
	if expr.typ == "sort" {
		var result *seq
		if tuples != nil {
			r, err := ev.evalSort(expr, tuples, env)
			if err != nil {
				return nil, err
			}
			result = toSeq(r)
		} else {
			sorted, err := ev.evalSort(expr, input, env)
			if err != nil {
				return nil, err
			}
			result = &seq{sequence: true, tupleStream: true}
			ev.budget.spend((objectCost + 2) * len(toSeq(sorted).items))
			for i, item := range toSeq(sorted).items {
				t := tuple{"@": item}
				if expr.index != "" {
					t[expr.index] = float64(i)
				}
				result.items = append(result.items, t)
			}
		}
		if expr.stages != nil {
			r, err := ev.evalStages(expr.stages, result, env)
			if err != nil {
				return nil, err
			}
			return toSeq(r), nil
		}
		return result, nil
	}
	result := &seq{sequence: true, tupleStream: true}
	if tuples == nil {
		tuples = &seq{sequence: true, tupleStream: true}
		ev.budget.spend((objectCost + 1) * len(input.items))
		for _, item := range input.items {
			tuples.items = append(tuples.items, tuple{"@": item})
		}
	}
	for _, item := range tuples.items {
		bindings := item.(tuple)
		stepEnv := frameFromTuple(env, bindings)
		res, err := ev.eval(expr, bindings["@"], stepEnv)
		if err != nil {
			return nil, err
		}
		if res == Undefined {
			continue
		}
		items, isArr := asArray(res)
		if !isArr {
			items = []any{res}
		}
		resSeq, _ := res.(*seq)
		ev.budget.spend(len(items) * (objectCost + len(bindings) + 2))
		for bb, v := range items {
			t := make(tuple, len(bindings)+2)
			for k, x := range bindings {
				t[k] = x
			}
			if resSeq != nil && resSeq.tupleStream {
				for k, x := range v.(tuple) {
					t[k] = x
				}
			} else {
				if expr.focus != "" {
					t[expr.focus] = v
					t["@"] = bindings["@"]
				} else {
					t["@"] = v
				}
				if expr.index != "" {
					t[expr.index] = float64(bb)
				}
				if expr.ancestor != nil {
					t[expr.ancestor.label] = bindings["@"]
				}
			}
			result.items = append(result.items, t)
		}
	}
	if expr.stages != nil {
		r, err := ev.evalStages(expr.stages, result, env)
		if err != nil {
			return nil, err
		}
		return toSeq(r), nil
	}
	return result, nil
}

func (ev *evaluator) evalStages(stages []*stage, input any, env *frame) (any, error) {
	result := input
	for _, st := range stages {
		switch st.typ {
		case "filter":
			var err error
			if result, err = ev.evalFilter(st.expr, result, env); err != nil {
				return nil, err
			}
		case "index":
			if s, ok := result.(*seq); ok {
				for i, t := range s.items {
					if tp, ok := t.(tuple); ok {
						tp[st.value] = float64(i)
					}
				}
			}
		}
	}
	return result, nil
}

func (ev *evaluator) evalFilter(predicate *node, input any, env *frame) (any, error) {
	results := newSeq()
	inSeq, _ := input.(*seq)
	isTuple := inSeq != nil && inSeq.tupleStream
	if isTuple {
		results.tupleStream = true
	}
	items, isArr := asArray(input)
	if !isArr {
		if input == Undefined {
			items = []any{Undefined}
		} else {
			items = []any{input}
		}
	}
	if predicate.typ == "number" {
		index := int(math.Floor(predicate.lit.(float64)))
		if index < 0 {
			index += len(items)
		}
		if index >= 0 && index < len(items) {
			item := items[index]
			if item != Undefined {
				if _, ok := asArray(item); ok {
					return item, nil
				}
				results.items = append(results.items, item)
			}
		}
		return results, nil
	}
	for index, item := range items {
		if item == Undefined {
			// filtering nothing yields nothing (not a sequence holding undefined)
			continue
		}
		context := item
		fenv := env
		if isTuple {
			t := item.(tuple)
			context = t["@"]
			fenv = frameFromTuple(env, t)
		}
		res, err := ev.eval(predicate, context, fenv)
		if err != nil {
			return nil, err
		}
		if isNumber(res) {
			res = []any{res}
		}
		if nums, ok := arrayOfNumbers(res); ok {
			for _, n := range nums {
				ii := int(math.Floor(n))
				if ii < 0 {
					ii += len(items)
				}
				if ii == index {
					ev.budget.spend(1)
					results.items = append(results.items, item)
				}
			}
		} else if truthy(res) {
			ev.budget.spend(1)
			results.items = append(results.items, item)
		}
	}
	return results, nil
}

func arrayOfNumbers(v any) ([]float64, bool) {
	arr, ok := asArray(v)
	if !ok {
		return nil, false
	}
	out := make([]float64, 0, len(arr))
	for _, x := range arr {
		n, ok := asNumber(x)
		if !ok {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// lookupField is JSONata's field access: over arrays it maps and flattens, and the items
// it gathers count against b.
func lookupField(b *budget, input any, key string) any {
	return lookupFieldAt(b, 0, input, key)
}

func lookupFieldAt(b *budget, depth int, input any, key string) any {
	if arr, ok := asArray(input); ok {
		checkValueDepth(depth)
		result := newSeq()
		for _, item := range arr {
			res := lookupFieldAt(b, depth+1, item, key)
			if res == Undefined {
				continue
			}
			if ra, ok := asArray(res); ok {
				b.spend(len(ra))
				result.items = append(result.items, ra...)
			} else {
				b.spend(1)
				result.items = append(result.items, res)
			}
		}
		return result
	}
	if v, ok := objectGet(input, key); ok {
		return v
	}
	return Undefined
}

func evalWildcard(b *budget, input any) any {
	results := newSeq()
	if s, ok := input.(*seq); ok && s.outerWrapper && len(s.items) > 0 {
		input = s.items[0]
	}
	if isObject(input) {
		for _, k := range objectKeys(input) {
			v, _ := objectGet(input, k)
			appendWildcardValue(b, v, results)
		}
	} else if items, ok := asArray(input); ok {
		// an array's keys are its indexes to jsonata-js, so * yields its members
		for _, v := range items {
			appendWildcardValue(b, v, results)
		}
	}
	return results
}

// appendWildcardValue adds one value to the results of *: an array is flattened into
// them, which in jsonata-js (Array.concat) also turns the result sequence into a plain
// array, so that a path ending in * keeps [x] and [] rather than collapsing them.
func appendWildcardValue(b *budget, v any, results *seq) {
	if _, ok := asArray(v); ok {
		results.sequence = false
		results.items = flattenDeepAt(b, 0, v, results.items)
		return
	}
	b.spend(1)
	results.items = append(results.items, v)
}

func flattenDeepAt(b *budget, depth int, v any, out []any) []any {
	checkValueDepth(depth)
	if arr, ok := asArray(v); ok {
		for _, x := range arr {
			out = flattenDeepAt(b, depth+1, x, out)
		}
		return out
	}
	b.spend(1)
	return append(out, v)
}

func evalDescendants(b *budget, input any) any {
	if input == Undefined {
		return Undefined
	}
	results := newSeq()
	recurseDescendantsAt(b, 0, input, results)
	if len(results.items) == 1 {
		return results.items[0]
	}
	return results
}

func recurseDescendantsAt(b *budget, depth int, input any, results *seq) {
	checkValueDepth(depth)
	if arr, ok := asArray(input); ok {
		for _, x := range arr {
			recurseDescendantsAt(b, depth+1, x, results)
		}
		return
	}
	b.spend(1)
	results.items = append(results.items, input)
	if isObject(input) {
		for _, k := range objectKeys(input) {
			v, _ := objectGet(input, k)
			recurseDescendantsAt(b, depth+1, v, results)
		}
	}
}

func (ev *evaluator) evalUnary(expr *node, input any, env *frame) (any, error) {
	switch expr.value {
	case "-":
		v, err := ev.eval(expr.expr, input, env)
		if err != nil {
			return nil, err
		}
		if v == Undefined {
			return Undefined, nil
		}
		if n, ok := asNumber(v); ok {
			return -n, nil
		}
		return nil, newError("D1002", expr.pos, "-", v)
	case "[":
		result := &seq{items: []any{}}
		shared := false
		for _, item := range expr.exprs {
			v, err := ev.eval(item, input, env)
			if err != nil {
				return nil, err
			}
			if v == Undefined {
				continue
			}
			if item.typ == "unary" && item.value == "[" {
				ev.budget.spend(1)
				result.items = append(result.items, v)
			} else if arr, ok := asArray(v); ok {
				switch {
				case len(result.items) == 0:
					// share rather than copy; the capped capacity makes later appends copy
					result.items = arr[:len(arr):len(arr)]
					shared = true
				case shared:
					ev.budget.spend(len(result.items) + len(arr))
					result.items = append(result.items, arr...)
					shared = false
				default:
					ev.budget.spend(len(arr))
					result.items = append(result.items, arr...)
				}
			} else {
				ev.budget.spend(1)
				result.items = append(result.items, v)
			}
		}
		if expr.consarray {
			result.cons = true
		}
		return result, nil
	case "{":
		return ev.evalGroup(&groupSpec{pairs: expr.pairs, pos: expr.pos}, input, env)
	}
	return nil, newError("S0211", expr.pos, expr.value, nil)
}

func (ev *evaluator) evalGroup(g *groupSpec, input any, env *frame) (any, error) {
	ev.budget.spend(objectCost)
	result := newObject()
	type entry struct {
		data      any
		exprIndex int
		owned     bool // data is a *seq this grouping built, so items may be appended in place
	}
	groups := map[string]*entry{}
	var order []string
	inSeq, _ := input.(*seq)
	reduce := inSeq != nil && inSeq.tupleStream
	items, isArr := asArray(input)
	if !isArr {
		items = []any{input}
	}
	if len(items) == 0 {
		if reduce && ev.compat206 {
			// 2.0.6 groups one undefined tuple and reads its '@', a JavaScript TypeError
			return nil, &Error{Code: "D3137", Message: "Cannot read properties of undefined (reading '@')"}
		}
		if reduce {
			// nothing was bound: there is nothing to group
			return result, nil
		}
		items = []any{Undefined}
	}
	for _, item := range items {
		kenv := env
		context := item
		if reduce {
			if t, ok := item.(tuple); ok {
				kenv = frameFromTuple(env, t)
				context = t["@"]
			} else {
				context = Undefined
			}
		}
		for pi, pair := range g.pairs {
			key, err := ev.eval(pair[0], context, kenv)
			if err != nil {
				return nil, err
			}
			if key == Undefined {
				continue
			}
			ks, ok := key.(string)
			if !ok {
				return nil, newError("T1003", g.pos, "", key)
			}
			if e, ok := groups[ks]; ok {
				if e.exprIndex != pi {
					return nil, newError("D1009", g.pos, "", ks)
				}
				e.data = appendOwned(&ev.budget, e.data, item, &e.owned)
			} else {
				ev.budget.spend(1)
				groups[ks] = &entry{data: item, exprIndex: pi}
				order = append(order, ks)
			}
		}
	}
	for _, key := range order {
		e := groups[key]
		context := e.data
		venv := env
		if reduce {
			t := reduceTupleStream(&ev.budget, e.data)
			context = t["@"]
			delete(t, "@")
			venv = frameFromTuple(env, t)
		}
		v, err := ev.eval(g.pairs[e.exprIndex][1], context, venv)
		if err != nil {
			return nil, err
		}
		if v != Undefined {
			result.set(key, v)
		}
	}
	return result, nil
}

func reduceTupleStream(b *budget, data any) tuple {
	b.spend(objectCost)
	if t, ok := data.(tuple); ok {
		b.spend(len(t))
		out := tuple{}
		for k, v := range t {
			out[k] = v
		}
		return out
	}
	items, _ := asArray(data)
	out := tuple{"@": Undefined}
	if len(items) == 0 {
		return out
	}
	first, _ := items[0].(tuple)
	b.spend(len(first))
	for k, v := range first {
		out[k] = v
	}
	owned := map[string]bool{} // keys whose value is a *seq built here, appended to in place
	for _, it := range items[1:] {
		t, _ := it.(tuple)
		for k, v := range t {
			prev, ok := out[k]
			if !ok {
				prev = Undefined
			}
			isOwned := owned[k]
			out[k] = appendOwned(b, prev, v, &isOwned)
			owned[k] = isOwned
		}
	}
	return out
}

// appendValues is $append: concatenates values, treating non-arrays as singletons. A new
// array counts against bud.
func appendValues(bud *budget, a, b any) any {
	if a == Undefined {
		return b
	}
	if b == Undefined {
		return a
	}
	return &seq{items: appendFlat(bud, appendFlat(bud, nil, a), b)}
}

// appendOwned is appendValues for a loop that gathers values into acc: once acc is an array
// the loop built (*owned), b is appended to it in place, since a fresh copy at every step
// would cost the square of the number of values.
func appendOwned(bud *budget, acc, b any, owned *bool) any {
	switch {
	case acc == Undefined:
		return b
	case b == Undefined:
		return acc
	case *owned:
		s := acc.(*seq)
		s.items = appendFlat(bud, s.items, b)
		return s
	}
	*owned = true
	return appendValues(bud, acc, b)
}

// appendFlat appends v to items: its items if it is an array, else v itself.
func appendFlat(b *budget, items []any, v any) []any {
	if arr, ok := asArray(v); ok {
		b.spend(len(arr))
		return append(items, arr...)
	}
	b.spend(1)
	return append(items, v)
}
