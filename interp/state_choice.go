package interp

import (
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

func (e *Execution) runChoice(f *Frame, st *state) outcome {
	eff, err := e.inputPath(f, st, f.Input)
	if err != nil {
		return e.fail(f, st, err)
	}
	x := &env{f: f, st: st, input: eff}
	var next *state
	var ruleAssign *template
	for i := range st.rules {
		ok, err := e.evalRule(st.rules[i].def, x)
		if err != nil {
			return e.fail(f, st, err)
		}
		if ok {
			next, ruleAssign = st.rules[i].next, st.rules[i].assign
			break
		}
	}
	if next == nil {
		if st.defaultNext == nil {
			return e.fail(f, st, &stateError{name: sfn.ErrorNoChoiceMatched, cause: "No Matches!"})
		}
		next = st.defaultNext
	}
	out, err := e.outputPath(f, st, eff)
	if err != nil {
		return e.fail(f, st, err)
	}
	assign := st.assign
	if ruleAssign != nil {
		assign = ruleAssign // compiled with the state's Assign merged in
	}
	return e.exit(f, st, out, &env{f: f, st: st, input: eff}, assign, next)
}

// mergeAssign combines a Choice state's Assign with the matched rule's (the rule's wins).
func mergeAssign(state, rule *template) *template {
	if state == nil {
		return rule
	}
	state, rule = asObject(state), asObject(rule)
	m := &template{kind: asl.TemplateObject}
	seen := map[string]bool{}
	for i, k := range rule.keys {
		m.keys, m.values = append(m.keys, k), append(m.values, rule.values[i])
		seen[k] = true
	}
	for i, k := range state.keys {
		if !seen[k] {
			m.keys, m.values = append(m.keys, k), append(m.values, state.values[i])
		}
	}
	return m
}

// asObject gives an all-literal object template (which Parse keeps as one literal) its fields.
func asObject(t *template) *template {
	m, ok := jsonvalue.AsObject(t.literal)
	if t.kind != asl.TemplateLiteral || !ok {
		return t
	}
	o := &template{kind: asl.TemplateObject}
	for i := range m.Len() {
		o.keys = append(o.keys, m.KeyAt(i))
		o.values = append(o.values, &template{kind: asl.TemplateLiteral, literal: m.ValueAt(i)})
	}
	return o
}

// evalRule evaluates a Choice rule. A comparison between values of different types is false;
// a Variable that selects nothing is an error, except for IsPresent.
func (e *Execution) evalRule(r *asl.ChoiceRule, x *env) (bool, *stateError) {
	switch {
	case len(r.And) > 0:
		for i := range r.And {
			ok, err := e.evalRule(&r.And[i], x)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case len(r.Or) > 0:
		for i := range r.Or {
			ok, err := e.evalRule(&r.Or[i], x)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.Not != nil:
		ok, err := e.evalRule(r.Not, x)
		return !ok && err == nil, err
	case r.Variable == nil:
		return false, runtimeError(x.f, x.st, "a Choice rule has no Variable")
	}
	if r.Operator == "IsPresent" {
		_, err := e.get(r.Variable, x)
		want, _ := r.Value.(bool)
		return (err == nil) == want, nil
	}
	v, err := e.get(r.Variable, x)
	if err != nil {
		return false, notFound(x.f, x.st, r.Variable, err)
	}
	operand := r.Value
	op := r.Operator
	if strings.HasSuffix(op, "Path") {
		op = strings.TrimSuffix(op, "Path")
		if r.ValuePath == nil {
			return false, runtimeError(x.f, x.st, "the %s rule has no path", r.Operator)
		}
		if operand, err = e.get(r.ValuePath, x); err != nil {
			return false, notFound(x.f, x.st, r.ValuePath, err)
		}
	}
	return compare(op, v, operand), nil
}

// compare applies a comparison operator (without its Path suffix).
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == truth(operand)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == truth(operand)
	case "IsNumeric":
		return jsonvalue.IsNumber(v) == truth(operand)
	case "IsString":
		_, ok := v.(string)
		return ok == truth(operand)
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == truth(operand)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a)
	}
	if rest, ok := strings.CutPrefix(op, "String"); ok {
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(rest, strings.Compare(a, b))
	}
	if rest, ok := strings.CutPrefix(op, "Numeric"); ok {
		c, ok := jsonvalue.CompareNumbers(v, operand)
		if !ok {
			return false
		}
		return ordered(rest, c)
	}
	if rest, ok := strings.CutPrefix(op, "Timestamp"); ok {
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		ta, ok1 := parseTimestamp(a)
		tb, ok2 := parseTimestamp(b)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(rest, ta.Compare(tb))
	}
	return false
}

func truth(v any) bool {
	b, _ := v.(bool)
	return b
}

// ordered says whether a three-way comparison result satisfies Equals, LessThan, ...
func ordered(rel string, c int) bool {
	switch rel {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// wildcardMatch matches s against a StringMatches pattern: * matches any run of characters,
// \* a literal star and \\ a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type token struct {
		star bool
		lit  byte
	}
	var toks []token
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			toks = append(toks, token{lit: pattern[i]})
		case c == '*':
			toks = append(toks, token{star: true})
		default:
			toks = append(toks, token{lit: c})
		}
	}
	// Greedy matching with backtracking to the last star.
	ti, si := 0, 0
	starTok, starS := -1, 0
	for si < len(s) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].lit == s[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starTok, starS = ti, si
			ti++
		case starTok >= 0:
			starS++
			si = starS
			ti = starTok + 1
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
