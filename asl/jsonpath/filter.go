package jsonpath

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"regexp"
	"strconv"
	"strings"
)

// expr is a filter predicate, evaluated for each candidate value (@) against the document
// root ($).
type expr interface {
	test(current, root any) bool
}

// operand is one side of a filter comparison. ok is false when a path selects nothing.
type operand interface {
	value(current, root any) (v any, ok bool)
}

type orExpr struct{ left, right expr }
type andExpr struct{ left, right expr }
type notExpr struct{ inner expr }
type existsExpr struct{ operand operand }
type compareExpr struct {
	op          string
	left, right operand
}

func (e orExpr) test(c, r any) bool  { return e.left.test(c, r) || e.right.test(c, r) }
func (e andExpr) test(c, r any) bool { return e.left.test(c, r) && e.right.test(c, r) }
func (e notExpr) test(c, r any) bool { return !e.inner.test(c, r) }

func (e existsExpr) test(c, r any) bool {
	v, ok := e.operand.value(c, r)
	if !ok {
		return false
	}
	// A literal on its own is a truth value: [?(true)].
	if lit, isLit := e.operand.(literal); isLit {
		b, isBool := lit.v.(bool)
		return isBool && b && v != nil
	}
	return true
}

// pathOperand is @... or $... inside a filter.
type pathOperand struct {
	relative bool
	steps    []step
	definite bool
}

func (o pathOperand) value(current, root any) (any, bool) {
	start := root
	if o.relative {
		start = current
	}
	if o.definite {
		return getDefinite(start, root, o.steps)
	}
	var out []any
	collect(start, root, o.steps, &out)
	if out == nil {
		out = []any{}
	}
	return out, true
}

type literal struct{ v any }

func (o literal) value(any, any) (any, bool) { return o.v, true }

type regexOperand struct{ re *regexp.Regexp }

func (o regexOperand) value(any, any) (any, bool) { return o.re, true }

func (e compareExpr) test(c, r any) bool {
	lv, lok := e.left.value(c, r)
	rv, rok := e.right.value(c, r)
	switch e.op {
	case "==":
		return lok && rok && jsonvalue.Equal(lv, rv)
	case "!=":
		if !lok || !rok {
			return lok != rok
		}
		return !jsonvalue.Equal(lv, rv)
	case "<", "<=", ">", ">=":
		if !lok || !rok {
			return false
		}
		cmp, comparable := order(lv, rv)
		if !comparable {
			return false
		}
		switch e.op {
		case "<":
			return cmp < 0
		case "<=":
			return cmp <= 0
		case ">":
			return cmp > 0
		default:
			return cmp >= 0
		}
	case "=~":
		s, isString := lv.(string)
		re, isRegex := rv.(*regexp.Regexp)
		return lok && isString && isRegex && re.MatchString(s)
	case "in", "nin":
		list, isList := rv.([]any)
		found := false
		if lok && isList {
			for _, item := range list {
				if jsonvalue.Equal(lv, item) {
					found = true
					break
				}
			}
		}
		if e.op == "in" {
			return found
		}
		return lok && isList && !found
	case "subsetof", "anyof", "noneof":
		left, leftIsList := lv.([]any)
		right, rightIsList := rv.([]any)
		if !lok || !rok || !leftIsList || !rightIsList {
			return false
		}
		matches := 0
		for _, item := range left {
			if containsValue(right, item) {
				matches++
			}
		}
		switch e.op {
		case "subsetof":
			return matches == len(left)
		case "anyof":
			return matches > 0
		}
		return matches == 0
	case "size":
		n, isNumber := jsonvalue.Float(rv)
		length, hasLength := sizeOf(lv)
		return lok && rok && isNumber && hasLength && float64(length) == n
	case "empty":
		want, isBool := rv.(bool)
		length, hasLength := sizeOf(lv)
		return lok && rok && isBool && hasLength && (length == 0) == want
	case "contains":
		if !lok || !rok {
			return false
		}
		switch x := lv.(type) {
		case string:
			sub, isString := rv.(string)
			return isString && strings.Contains(x, sub)
		case []any:
			return containsValue(x, rv)
		}
	}
	return false
}

func containsValue(list []any, v any) bool {
	for _, item := range list {
		if jsonvalue.Equal(item, v) {
			return true
		}
	}
	return false
}

// sizeOf is the length of an array or string for the size and empty operators.
func sizeOf(v any) (int, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), true
	case string:
		return len([]rune(x)), true
	}
	return 0, false
}

// order compares two numbers or two strings.
func order(a, b any) (int, bool) {
	if c, ok := jsonvalue.CompareNumbers(a, b); ok {
		return c, true
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// parseFilterExpr reads the inside of [?( ... )].
func (ps *parser) parseFilterExpr() (expr, error) {
	saved := ps.inFilter
	ps.inFilter = true
	defer func() { ps.inFilter = saved }()
	return ps.parseOr()
}

func (ps *parser) parseOr() (expr, error) {
	left, err := ps.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		ps.skipSpace()
		if !strings.HasPrefix(ps.text[ps.pos:], "||") {
			return left, nil
		}
		ps.pos += 2
		right, err := ps.parseAnd()
		if err != nil {
			return nil, err
		}
		left = orExpr{left, right}
	}
}

func (ps *parser) parseAnd() (expr, error) {
	left, err := ps.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		ps.skipSpace()
		if !strings.HasPrefix(ps.text[ps.pos:], "&&") {
			return left, nil
		}
		ps.pos += 2
		right, err := ps.parseUnary()
		if err != nil {
			return nil, err
		}
		left = andExpr{left, right}
	}
}

func (ps *parser) parseUnary() (expr, error) {
	ps.skipSpace()
	switch ps.peek() {
	case '!':
		if !strings.HasPrefix(ps.text[ps.pos:], "!=") {
			ps.pos++
			inner, err := ps.parseUnary()
			if err != nil {
				return nil, err
			}
			return notExpr{inner}, nil
		}
	case '(':
		ps.pos++
		inner, err := ps.parseOr()
		if err != nil {
			return nil, err
		}
		ps.skipSpace()
		if ps.peek() != ')' {
			return nil, ps.fail("expected ')'")
		}
		ps.pos++
		return inner, nil
	}
	left, err := ps.parseOperand()
	if err != nil {
		return nil, err
	}
	ps.skipSpace()
	op := ps.parseOperator()
	if op == "" {
		if _, isRegex := left.(regexOperand); isRegex {
			return nil, ps.fail("a regular expression must follow =~")
		}
		return existsExpr{left}, nil
	}
	ps.skipSpace()
	right, err := ps.parseOperand()
	if err != nil {
		return nil, err
	}
	if _, isRegex := right.(regexOperand); isRegex != (op == "=~") {
		return nil, ps.fail("=~ needs a regular expression such as /abc/i on its right")
	}
	return compareExpr{op: op, left: left, right: right}, nil
}

// filterOperators are Jayway's, longest first where one is a prefix of another.
var filterOperators = []string{"==", "!=", "<=", ">=", "=~", "<", ">", "nin", "in", "subsetof", "anyof", "noneof", "size", "empty", "contains"}

func isWordOperator(op string) bool { return op[0] >= 'a' && op[0] <= 'z' }

func (ps *parser) parseOperator() string {
	rest := ps.text[ps.pos:]
	for _, op := range filterOperators {
		if !strings.HasPrefix(rest, op) {
			continue
		}
		if isWordOperator(op) {
			// A word operator must stand alone: "@.x in [..]", not "@.x inside".
			after := rest[len(op):]
			if after != "" && !isSpace(after[0]) && after[0] != '[' && after[0] != '$' && after[0] != '@' {
				continue
			}
		}
		ps.pos += len(op)
		return op
	}
	return ""
}

func (ps *parser) parseOperand() (operand, error) {
	ps.skipSpace()
	c := ps.peek()
	switch {
	case c == '@' || c == '$':
		ps.pos++
		if c == '$' && ps.peek() == '$' {
			return nil, ps.fail("'$$' cannot be used inside a filter")
		}
		steps, err := ps.parseSteps()
		if err != nil {
			return nil, err
		}
		definite, _ := classify(steps)
		return pathOperand{relative: c == '@', steps: steps, definite: definite}, nil
	case c == '\'' || c == '"':
		s, err := ps.parseQuoted()
		if err != nil {
			return nil, err
		}
		return literal{s}, nil
	case c == '-' || isDigit(c):
		return ps.parseNumber()
	case c == '/':
		return ps.parseRegex()
	case c == '[':
		return ps.parseList()
	}
	rest := ps.text[ps.pos:]
	for word, v := range map[string]any{"true": true, "false": false, "null": nil} {
		if strings.HasPrefix(rest, word) && (len(rest) == len(word) || ps.endsName(rest[len(word)])) {
			ps.pos += len(word)
			return literal{v}, nil
		}
	}
	if c == 0 {
		return nil, ps.fail("unexpected end of filter")
	}
	return nil, ps.fail("unexpected character " + strconv.QuoteRune(rune(c)) + " in filter")
}

func (ps *parser) parseNumber() (operand, error) {
	start := ps.pos
	if ps.peek() == '-' {
		ps.pos++
	}
	for !ps.eof() && (isDigit(ps.peek()) || ps.peek() == '.' || ps.peek() == 'e' || ps.peek() == 'E' ||
		((ps.peek() == '+' || ps.peek() == '-') && (ps.text[ps.pos-1] == 'e' || ps.text[ps.pos-1] == 'E'))) {
		ps.pos++
	}
	text := ps.text[start:ps.pos]
	if _, err := strconv.ParseFloat(text, 64); err != nil {
		return nil, ps.failAt(start, "invalid number "+strconv.Quote(text))
	}
	n, err := jsonvalue.ParseNumber(text, !strings.ContainsAny(text, ".eE"))
	if err != nil {
		return nil, ps.failAt(start, "invalid number "+strconv.Quote(text))
	}
	return literal{n}, nil
}

// parseRegex reads /pattern/flags; only the flag i is known. Matching is against the whole
// string, as Java's Matcher.matches does.
func (ps *parser) parseRegex() (operand, error) {
	start := ps.pos
	ps.pos++
	var b strings.Builder
	for {
		if ps.eof() {
			return nil, ps.failAt(start, "unterminated regular expression")
		}
		c := ps.text[ps.pos]
		if c == '\\' && ps.pos+1 < len(ps.text) && ps.text[ps.pos+1] == '/' {
			b.WriteByte('/')
			ps.pos += 2
			continue
		}
		ps.pos++
		if c == '/' {
			break
		}
		b.WriteByte(c)
	}
	flags := ""
	for !ps.eof() && ps.peek() == 'i' {
		flags = "(?i)"
		ps.pos++
	}
	re, err := regexp.Compile(flags + "^(?:" + b.String() + ")$")
	if err != nil {
		return nil, ps.failAt(start, "invalid regular expression: "+err.Error())
	}
	return regexOperand{re}, nil
}

// parseList reads a list of literals for in / nin: ['a', 1, true].
func (ps *parser) parseList() (operand, error) {
	ps.pos++ // '['
	list := []any{}
	for {
		ps.skipSpace()
		if ps.peek() == ']' && len(list) == 0 {
			ps.pos++
			return literal{list}, nil
		}
		item, err := ps.parseOperand()
		if err != nil {
			return nil, err
		}
		lit, ok := item.(literal)
		if !ok {
			return nil, ps.fail("a list may hold only literals")
		}
		list = append(list, lit.v)
		ps.skipSpace()
		switch ps.peek() {
		case ',':
			ps.pos++
		case ']':
			ps.pos++
			return literal{list}, nil
		default:
			return nil, ps.fail("expected ',' or ']' in list")
		}
	}
}
