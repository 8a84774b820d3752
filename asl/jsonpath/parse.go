package jsonpath

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// selectorKind is what one step of a path selects from the value it is applied to.
type selectorKind uint8

const (
	selName     selectorKind = iota // .name or ['name']
	selIndex                        // [n], n may be negative
	selWildcard                     // .* or [*]
	selNames                        // ['a','b']
	selIndexes                      // [0,2]
	selSlice                        // [start:end:step]
	selFilter                       // [?(expr)]
	selFunction                     // .length() and friends, last step only
)

// step is one selector, applied to one value, or with deep to that value and all of its
// descendants ("..name").
type step struct {
	kind    selectorKind
	deep    bool
	name    string // selName; function name for selFunction
	index   int    // selIndex
	names   []string
	indexes []int
	slice   sliceSpec
	filter  expr
}

type sliceSpec struct {
	start, end, step          int
	hasStart, hasEnd, hasStep bool
}

// parser reads a path from text starting at pos. In a filter expression (inFilter) a field
// name also ends at operators and white space.
type parser struct {
	text     string
	pos      int
	inFilter bool
}

func (ps *parser) fail(msg string) error {
	return &SyntaxError{Text: ps.text, Offset: ps.pos, Msg: msg}
}

func (ps *parser) failAt(offset int, msg string) error {
	return &SyntaxError{Text: ps.text, Offset: offset, Msg: msg}
}

func (ps *parser) eof() bool { return ps.pos >= len(ps.text) }

func (ps *parser) peek() byte {
	if ps.pos < len(ps.text) {
		return ps.text[ps.pos]
	}
	return 0
}

func (ps *parser) skipSpace() {
	for ps.pos < len(ps.text) && isSpace(ps.text[ps.pos]) {
		ps.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func parsePath(text string) (*Path, error) {
	ps := &parser{text: text}
	p := &Path{Text: text}
	if !strings.HasPrefix(text, "$") {
		return nil, ps.fail("a path must start with '$'")
	}
	ps.pos = 1
	switch {
	case strings.HasPrefix(text, "$$"):
		p.Root = RootContext
		ps.pos = 2
	case ps.pos < len(text) && isNameStart(text[ps.pos:]):
		p.Root = RootVariable
		start := ps.pos
		for ps.pos < len(text) {
			r, size := utf8.DecodeRuneInString(text[ps.pos:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			ps.pos += size
		}
		p.Variable = text[start:ps.pos]
	}
	steps, err := ps.parseSteps()
	if err != nil {
		return nil, err
	}
	if !ps.eof() {
		return nil, ps.fail("unexpected character " + strconv.QuoteRune(rune(ps.peek())))
	}
	p.steps = steps
	p.definite, p.reference = classify(steps)
	return p, nil
}

func isNameStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

// classify tells whether steps form a definite path and a reference path.
func classify(steps []step) (definite, reference bool) {
	definite, reference = true, true
	for i, s := range steps {
		if s.deep {
			definite, reference = false, false
			continue
		}
		switch s.kind {
		case selName:
		case selIndex:
			if s.index < 0 {
				reference = false
			}
		case selNames:
			// Several names at the leaf merge into one object, as Jayway does.
			if i != len(steps)-1 {
				definite = false
			}
			reference = false
		case selFunction:
			reference = false
		default:
			definite, reference = false, false
		}
	}
	return definite, reference
}

// parseSteps reads selectors until the end of the text or, in a filter, a character that
// cannot continue a path.
func (ps *parser) parseSteps() ([]step, error) {
	var steps []step
	for !ps.eof() {
		if c := ps.peek(); (c == '.' || c == '[') && len(steps) > 0 && steps[len(steps)-1].kind == selFunction {
			return nil, ps.fail("a function must be the last step of a path")
		}
		switch ps.peek() {
		case '.':
			st, err := ps.parseDot()
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
		case '[':
			st, err := ps.parseBracket()
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
		default:
			if ps.inFilter {
				return steps, nil
			}
			return nil, ps.fail("expected '.' or '['")
		}
	}
	return steps, nil
}

// parseDot reads ".name", ".*", ".fn()", "..name", "..*" or "..[...]".
func (ps *parser) parseDot() (step, error) {
	ps.pos++ // '.'
	deep := false
	if ps.peek() == '.' {
		deep = true
		ps.pos++
		if ps.peek() == '[' {
			st, err := ps.parseBracket()
			st.deep = true
			return st, err
		}
	}
	if ps.peek() == '[' {
		// Jayway reads "$.['a']" and "$.[0]" as "$['a']" and "$[0]".
		return ps.parseBracket()
	}
	if ps.peek() == '*' {
		ps.pos++
		return step{kind: selWildcard, deep: deep}, nil
	}
	start := ps.pos
	for !ps.eof() && !ps.endsName(ps.peek()) {
		ps.pos++
	}
	if ps.pos == start {
		return step{}, ps.fail("expected a field name")
	}
	name := ps.text[start:ps.pos]
	if ps.peek() == '(' {
		if deep {
			return step{}, ps.failAt(start, "a function cannot follow '..'")
		}
		if !strings.HasPrefix(ps.text[ps.pos:], "()") {
			return step{}, ps.fail("functions take no arguments")
		}
		if _, ok := pathFunctions[name]; !ok {
			return step{}, ps.failAt(start, "unknown function "+strconv.Quote(name+"()"))
		}
		ps.pos += 2
		return step{kind: selFunction, name: name}, nil
	}
	return step{kind: selName, name: name, deep: deep}, nil
}

// endsName reports whether c ends a field name written after '.'.
func (ps *parser) endsName(c byte) bool {
	switch c {
	case '.', '[', '(', ']', ')', '\'', '"', ',', ' ', '\t', '\n', '\r':
		return true
	}
	if ps.inFilter {
		switch c {
		case '=', '!', '<', '>', '&', '|', '~':
			return true
		}
	}
	return false
}

// parseBracket reads "[...]": quoted names, indexes, "*", a slice or a filter.
func (ps *parser) parseBracket() (step, error) {
	open := ps.pos
	ps.pos++ // '['
	ps.skipSpace()
	var st step
	switch c := ps.peek(); {
	case c == '*':
		ps.pos++
		st = step{kind: selWildcard}
	case c == '?':
		ps.pos++
		ps.skipSpace()
		if ps.peek() != '(' {
			return step{}, ps.fail("expected '(' after '?'")
		}
		ps.pos++
		e, err := ps.parseFilterExpr()
		if err != nil {
			return step{}, err
		}
		ps.skipSpace()
		if ps.peek() != ')' {
			return step{}, ps.fail("expected ')' to close the filter")
		}
		ps.pos++
		st = step{kind: selFilter, filter: e}
	case c == '\'' || c == '"':
		names, err := ps.parseNameList()
		if err != nil {
			return step{}, err
		}
		if len(names) == 1 {
			st = step{kind: selName, name: names[0]}
		} else {
			st = step{kind: selNames, names: names}
		}
	case c == '-' || c == ':' || isDigit(c):
		var err error
		st, err = ps.parseIndexOrSlice()
		if err != nil {
			return step{}, err
		}
	case c == 0:
		return step{}, ps.failAt(open, "unterminated '['")
	default:
		return step{}, ps.fail("unexpected character " + strconv.QuoteRune(rune(c)) + " in brackets")
	}
	ps.skipSpace()
	if ps.peek() != ']' {
		if ps.eof() {
			return step{}, ps.failAt(open, "unterminated '['")
		}
		return step{}, ps.fail("expected ']'")
	}
	ps.pos++
	return st, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseNameList reads 'a' or 'a', "b", ... up to (not including) ']'.
func (ps *parser) parseNameList() ([]string, error) {
	var names []string
	for {
		ps.skipSpace()
		name, err := ps.parseQuotedName()
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		ps.skipSpace()
		if ps.peek() != ',' {
			return names, nil
		}
		ps.pos++
	}
}

// parseQuotedName reads a field name in single or double quotes. As in the Jayway version
// AWS runs, a backslash only keeps the next character from ending the name: the name is
// taken as written, backslashes included ($['a\"b'] selects the key a\"b, backslash included).
func (ps *parser) parseQuotedName() (string, error) {
	quote := ps.peek()
	open := ps.pos
	ps.pos++
	start := ps.pos
	for {
		if ps.eof() {
			return "", ps.failAt(open, "unterminated string")
		}
		switch ps.text[ps.pos] {
		case '\\':
			ps.pos += 2
			continue
		case quote:
			name := ps.text[start:ps.pos]
			ps.pos++
			return name, nil
		}
		ps.pos++
	}
}

// parseQuoted reads a string in single or double quotes; a backslash escapes the next
// character (\n, \t and \uXXXX as in JSON).
func (ps *parser) parseQuoted() (string, error) {
	quote := ps.peek()
	if quote != '\'' && quote != '"' {
		return "", ps.fail("expected a quoted name")
	}
	open := ps.pos
	ps.pos++
	var b strings.Builder
	for {
		if ps.eof() {
			return "", ps.failAt(open, "unterminated string")
		}
		c := ps.text[ps.pos]
		switch c {
		case quote:
			ps.pos++
			return b.String(), nil
		case '\\':
			ps.pos++
			if ps.eof() {
				return "", ps.failAt(open, "unterminated string")
			}
			e := ps.text[ps.pos]
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				if ps.pos+5 > len(ps.text) {
					return "", ps.fail("bad \\u escape")
				}
				v, err := strconv.ParseUint(ps.text[ps.pos+1:ps.pos+5], 16, 32)
				if err != nil {
					return "", ps.fail("bad \\u escape")
				}
				b.WriteRune(rune(v))
				ps.pos += 4
			default:
				b.WriteByte(e)
			}
			ps.pos++
		default:
			b.WriteByte(c)
			ps.pos++
		}
	}
}

// parseInt reads an optionally negative decimal integer.
func (ps *parser) parseInt() (int, bool) {
	start := ps.pos
	if ps.peek() == '-' {
		ps.pos++
	}
	digits := ps.pos
	for !ps.eof() && isDigit(ps.peek()) {
		ps.pos++
	}
	if ps.pos == digits {
		ps.pos = start
		return 0, false
	}
	n, err := strconv.Atoi(ps.text[start:ps.pos])
	if err != nil {
		ps.pos = start
		return 0, false
	}
	return n, true
}

// parseIndexOrSlice reads "n", "n,m,...", or "start:end:step" with any part optional.
func (ps *parser) parseIndexOrSlice() (step, error) {
	first, hasFirst := ps.parseInt()
	ps.skipSpace()
	switch ps.peek() {
	case ':':
		sl := sliceSpec{start: first, hasStart: hasFirst}
		ps.pos++
		ps.skipSpace()
		sl.end, sl.hasEnd = ps.parseInt()
		ps.skipSpace()
		if ps.peek() == ':' {
			ps.pos++
			ps.skipSpace()
			sl.step, sl.hasStep = ps.parseInt()
			if sl.hasStep && sl.step == 0 {
				return step{}, ps.fail("slice step cannot be zero")
			}
		}
		return step{kind: selSlice, slice: sl}, nil
	case ',':
		if !hasFirst {
			return step{}, ps.fail("expected an index")
		}
		indexes := []int{first}
		for ps.peek() == ',' {
			ps.pos++
			ps.skipSpace()
			n, ok := ps.parseInt()
			if !ok {
				return step{}, ps.fail("expected an index")
			}
			indexes = append(indexes, n)
			ps.skipSpace()
		}
		return step{kind: selIndexes, indexes: indexes}, nil
	}
	if !hasFirst {
		return step{}, ps.fail("expected an index")
	}
	return step{kind: selIndex, index: first}, nil
}
