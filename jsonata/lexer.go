package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokenKind classifies lexer output.
type tokenKind int

const (
	tokEnd tokenKind = iota
	tokOperator
	tokName
	tokVariable
	tokString
	tokNumber
	tokValue // true, false, null
	tokRegex
)

type token struct {
	kind     tokenKind
	value    string // operator symbol, name, variable name, string contents
	num      float64
	literal  any // for tokValue: true, false or nil
	regex    *regexValue
	position int // offset just past the token, as JSONata reports it
}

// operators maps each operator symbol to its left binding power.
var operators = map[string]int{
	".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0, "@": 80, "#": 80,
	";": 80, ":": 80, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "|": 20,
	"=": 40, "<": 40, ">": 40, "^": 40, "**": 60, "..": 20, ":=": 10, "!=": 40, "<=": 40,
	">=": 40, "~>": 40, "?:": 40, "??": 40, "and": 30, "or": 25, "in": 40, "&": 50,
}

var twoCharOperators = []string{"..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"}

type lexer struct {
	src  string
	pos  int
	prev *token // previous token, to decide whether '/' starts a regex
	// compat206 reads as jsonata-js 2.0.6, which has no "??" or "?:": each is a "?" and
	// then another operator, which the parser rejects where an operand should be
	compat206 bool
}

// isNameDelimiter reports whether c ends a name or variable: whitespace or a one-character
// operator, as in JSONata (quotes and '$' do not end a name: $a$b is the variable "a$b").
func isNameDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '.', ',', ';', ':', '(', ')', '[', ']', '{', '}',
		'~', '!', '@', '#', '%', '^', '&', '*', '+', '-', '=', '<', '>', '/', '|', '?':
		return true
	}
	return false
}

// regexAllowed reports whether a '/' at this point starts a regex literal rather than
// meaning division: it does when the previous token cannot end an operand.
func (l *lexer) regexAllowed() bool {
	p := l.prev
	if p == nil {
		return true
	}
	switch p.kind {
	case tokOperator:
		switch p.value {
		case ")", "]", "}", "*", "**", "%":
			return false
		}
		return true
	}
	return false
}

func (l *lexer) next() (*token, error) {
	t, err := l.scan()
	if err == nil {
		l.prev = t
	}
	return t, err
}

func (l *lexer) scan() (*token, error) {
	src := l.src
	// skip whitespace and comments
	for l.pos < len(src) {
		c := src[l.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			l.pos++
			continue
		}
		if c == '/' && l.pos+1 < len(src) && src[l.pos+1] == '*' {
			start := l.pos
			end := strings.Index(src[l.pos+2:], "*/")
			if end < 0 {
				return nil, newError("S0106", start, "", nil)
			}
			l.pos += 2 + end + 2
			continue
		}
		break
	}
	if l.pos >= len(src) {
		return &token{kind: tokEnd, position: l.pos}, nil
	}
	c := src[l.pos]
	if c == '/' && l.regexAllowed() {
		return l.scanRegex()
	}
	if l.pos+1 < len(src) {
		two := src[l.pos : l.pos+2]
		for _, op := range twoCharOperators {
			if two == op && !(l.compat206 && (op == "??" || op == "?:")) {
				l.pos += 2
				return &token{kind: tokOperator, value: op, position: l.pos}, nil
			}
		}
	}
	if _, ok := operators[string(c)]; ok && len(string(c)) == 1 && !isLetter(c) {
		l.pos++
		return &token{kind: tokOperator, value: string(c), position: l.pos}, nil
	}
	if c == '"' || c == '\'' {
		return l.scanString(c)
	}
	if c >= '0' && c <= '9' {
		return l.scanNumber()
	}
	if c == '`' {
		end := strings.IndexByte(src[l.pos+1:], '`')
		if end < 0 {
			return nil, newError("S0105", len(src), "", nil)
		}
		name := src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return &token{kind: tokName, value: name, position: l.pos}, nil
	}
	if c == '$' {
		// "$" alone is the context, "$$" the root (a variable named "$")
		start := l.pos + 1
		i := start
		for i < len(src) && !isNameDelimiter(src[i]) {
			i++
		}
		l.pos = i
		return &token{kind: tokVariable, value: src[start:i], position: l.pos}, nil
	}
	start := l.pos
	i := start
	for i < len(src) && !isNameDelimiter(src[i]) {
		i++
	}
	if i == start {
		// a character that is neither an operator nor part of a name
		_, size := utf8.DecodeRuneInString(src[start:])
		l.pos += size
		return nil, newError("S0204", l.pos, src[start:start+size], nil)
	}
	name := src[start:i]
	l.pos = i
	switch name {
	case "and", "or", "in":
		return &token{kind: tokOperator, value: name, position: l.pos}, nil
	case "true":
		return &token{kind: tokValue, value: name, literal: true, position: l.pos}, nil
	case "false":
		return &token{kind: tokValue, value: name, literal: false, position: l.pos}, nil
	case "null":
		return &token{kind: tokValue, value: name, literal: nil, position: l.pos}, nil
	}
	return &token{kind: tokName, value: name, position: l.pos}, nil
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func (l *lexer) scanString(quote byte) (*token, error) {
	src := l.src
	var sb strings.Builder
	i := l.pos + 1
	for i < len(src) {
		c := src[i]
		if c == quote {
			l.pos = i + 1
			return &token{kind: tokString, value: sb.String(), position: l.pos}, nil
		}
		if c != '\\' {
			sb.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(src) {
			return nil, newError("S0103", i, "", nil)
		}
		e := src[i]
		switch e {
		case '"', '\\', '/', '\'':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			if i+5 > len(src) {
				return nil, newError("S0104", i, "", nil)
			}
			code, err := strconv.ParseUint(src[i+1:i+5], 16, 32)
			if err != nil {
				return nil, newError("S0104", i, "", nil)
			}
			i += 4
			r := rune(code)
			if r >= 0xD800 && r < 0xDC00 && i+7 <= len(src) && src[i+1] == '\\' && src[i+2] == 'u' {
				if low, err := strconv.ParseUint(src[i+3:i+7], 16, 32); err == nil && low >= 0xDC00 && low < 0xE000 {
					r = (r-0xD800)<<10 + (rune(low) - 0xDC00) + 0x10000
					i += 6
				}
			}
			sb.WriteRune(r)
		default:
			return nil, newError("S0103", i, string(e), nil)
		}
		i++
	}
	return nil, newError("S0101", len(src), "", nil)
}

func (l *lexer) scanNumber() (*token, error) {
	src := l.src
	i := l.pos
	if src[i] == '0' {
		i++
	} else {
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	if i+1 < len(src) && src[i] == '.' && src[i+1] >= '0' && src[i+1] <= '9' {
		i++
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && src[j] >= '0' && src[j] <= '9' {
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			i = j
		}
	}
	text := src[l.pos:i]
	n, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(n, 0) {
		return nil, newError("S0102", l.pos, text, nil)
	}
	l.pos = i
	return &token{kind: tokNumber, num: n, value: text, position: l.pos}, nil
}

func (l *lexer) scanRegex() (*token, error) {
	src := l.src
	start := l.pos + 1
	i := start
	depth := 0
	for i < len(src) {
		c := src[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '[' {
			depth++
		} else if c == ']' && depth > 0 {
			depth--
		} else if c == '/' && depth == 0 {
			break
		}
		i++
	}
	if i >= len(src) {
		return nil, newError("S0302", len(src), "", nil)
	}
	pattern := src[start:i]
	if pattern == "" {
		return nil, newError("S0301", i, "", nil)
	}
	i++
	fstart := i
	for i < len(src) && (src[i] == 'i' || src[i] == 'm' || src[i] == 'g' || src[i] == 's' || src[i] == 'y' || src[i] == 'u') {
		i++
	}
	flags := src[fstart:i]
	l.pos = i
	re, err := compileRegex(pattern, flags)
	if err != nil {
		return nil, &Error{Code: "S0302", Position: i, Message: "Invalid regular expression: " + err.Error()}
	}
	return &token{kind: tokRegex, value: pattern, regex: re, position: l.pos}, nil
}
