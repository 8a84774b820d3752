package intrinsic

import (
	"errors"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/asl/jsonpath"
)

// maxNesting is AWS's limit on intrinsic calls nested within one field.
const maxNesting = 10

type parser struct {
	text  string
	pos   int
	depth int
}

func (ps *parser) fail(offset int, msg string) error {
	return &SyntaxError{Text: ps.text, Offset: offset, Msg: msg}
}

func (ps *parser) skipSpace() {
	for ps.pos < len(ps.text) && (ps.text[ps.pos] == ' ' || ps.text[ps.pos] == '\t' || ps.text[ps.pos] == '\n' || ps.text[ps.pos] == '\r') {
		ps.pos++
	}
}

func (ps *parser) peek() byte {
	if ps.pos < len(ps.text) {
		return ps.text[ps.pos]
	}
	return 0
}

func parseCall(text string) (*Call, error) {
	ps := &parser{text: text}
	ps.skipSpace()
	c, err := ps.call()
	if err != nil {
		return nil, err
	}
	ps.skipSpace()
	if ps.pos != len(text) {
		return nil, ps.fail(ps.pos, "unexpected text after the call")
	}
	return c, nil
}

// call reads Name(arg, ...).
func (ps *parser) call() (*Call, error) {
	start := ps.pos
	ps.depth++
	if ps.depth > maxNesting {
		return nil, ps.fail(start, "intrinsic functions can be nested at most 10 deep")
	}
	defer func() { ps.depth-- }()
	for ps.pos < len(ps.text) && (isIdentChar(ps.text[ps.pos]) || ps.text[ps.pos] == '.') {
		ps.pos++
	}
	name := ps.text[start:ps.pos]
	if name == "" {
		return nil, ps.fail(start, "expected a function name such as States.Format")
	}
	fn, ok := functions[name]
	if !ok {
		return nil, ps.fail(start, "unknown intrinsic function "+strconv.Quote(name))
	}
	ps.skipSpace()
	if ps.peek() != '(' {
		return nil, ps.fail(ps.pos, "expected '(' after "+name)
	}
	ps.pos++
	c := &Call{Name: name, fn: fn}
	ps.skipSpace()
	if ps.peek() == ')' {
		ps.pos++
	} else {
		for {
			a, err := ps.arg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			ps.skipSpace()
			switch ps.peek() {
			case ',':
				ps.pos++
				continue
			case ')':
				ps.pos++
			case 0:
				return nil, ps.fail(ps.pos, "missing ')' to close "+name)
			default:
				return nil, ps.fail(ps.pos, "expected ',' or ')'")
			}
			break
		}
	}
	c.Text = ps.text[start:ps.pos]
	if err := fn.checkArity(len(c.args)); err != "" {
		return nil, ps.fail(start, err)
	}
	if fn.check != nil {
		if err := fn.check(c.args); err != "" {
			return nil, ps.fail(start, err)
		}
	}
	if fn.name == "States.Format" && c.args[0].kind == argLiteral {
		c.template = parseTemplate(c.args[0].raw, true)
	}
	return c, nil
}

func isIdentChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// arg reads one argument: a string, number, true/false/null, path or nested call.
func (ps *parser) arg() (arg, error) {
	ps.skipSpace()
	start := ps.pos
	c := ps.peek()
	switch {
	case c == '\'':
		return ps.stringLiteral()
	case c == '$':
		return ps.pathArg()
	case c == '-' || (c >= '0' && c <= '9'):
		return ps.number()
	case c == 0:
		return arg{}, ps.fail(start, "expected an argument")
	}
	for ps.pos < len(ps.text) && (isIdentChar(ps.text[ps.pos]) || ps.text[ps.pos] == '.') {
		ps.pos++
	}
	word := ps.text[start:ps.pos]
	switch word {
	case "true":
		return arg{kind: argLiteral, value: true}, nil
	case "false":
		return arg{kind: argLiteral, value: false}, nil
	case "null":
		return arg{kind: argLiteral, value: nil}, nil
	case "":
		return arg{}, ps.fail(start, "unexpected character "+strconv.QuoteRune(rune(c)))
	}
	ps.pos = start
	nested, err := ps.call()
	if err != nil {
		return arg{}, err
	}
	return arg{kind: argCall, call: nested}, nil
}

// stringLiteral reads '...'. Only \' \{ \} and \\ are escapes; any other backslash is an
// error, as AWS rejects it when the definition is created.
func (ps *parser) stringLiteral() (arg, error) {
	open := ps.pos
	ps.pos++
	start := ps.pos
	var b strings.Builder
	for {
		if ps.pos >= len(ps.text) {
			return arg{}, ps.fail(open, "unterminated string literal")
		}
		c := ps.text[ps.pos]
		switch c {
		case '\'':
			raw := ps.text[start:ps.pos]
			ps.pos++
			return arg{kind: argLiteral, value: b.String(), raw: raw}, nil
		case '\\':
			if ps.pos+1 >= len(ps.text) {
				return arg{}, ps.fail(ps.pos, "unterminated escape sequence")
			}
			next := ps.text[ps.pos+1]
			switch next {
			case '\'', '{', '}', '\\':
				b.WriteByte(next)
				ps.pos += 2
				continue
			}
			return arg{}, ps.fail(ps.pos, "invalid escape sequence \\"+string(next)+" (only \\', \\{, \\} and \\\\ are allowed)")
		}
		b.WriteByte(c)
		ps.pos++
	}
}

func (ps *parser) number() (arg, error) {
	start := ps.pos
	if ps.peek() == '-' {
		ps.pos++
	}
	for ps.pos < len(ps.text) {
		c := ps.text[ps.pos]
		if (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
			((c == '+' || c == '-') && (ps.text[ps.pos-1] == 'e' || ps.text[ps.pos-1] == 'E')) {
			ps.pos++
			continue
		}
		break
	}
	f, err := strconv.ParseFloat(ps.text[start:ps.pos], 64)
	if err != nil {
		return arg{}, ps.fail(start, "invalid number "+strconv.Quote(ps.text[start:ps.pos]))
	}
	return arg{kind: argLiteral, value: f}, nil
}

// pathArg reads a JSONPath up to the ',' or ')' that ends the argument; commas and
// parentheses inside brackets, filters and quoted names belong to the path.
func (ps *parser) pathArg() (arg, error) {
	start := ps.pos
	depth := 0
	var quote byte
scan:
	for ps.pos < len(ps.text) {
		c := ps.text[ps.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				ps.pos++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			if depth == 0 {
				break scan
			}
			depth--
		case c == ',' && depth == 0:
			break scan
		}
		ps.pos++
	}
	text := strings.TrimRight(ps.text[start:min(ps.pos, len(ps.text))], " \t\r\n")
	p, err := jsonpath.Compile(text)
	if err != nil {
		var syntax *jsonpath.SyntaxError
		if errors.As(err, &syntax) {
			return arg{}, ps.fail(start+syntax.Offset, "invalid path "+strconv.Quote(text)+": "+syntax.Msg)
		}
		return arg{}, ps.fail(start, err.Error())
	}
	return arg{kind: argPath, path: p}, nil
}
