package jsonata

import (
	"strings"
)

// parser is a Pratt (top-down operator precedence) parser over the lexer's tokens.
type parser struct {
	lex   *lexer
	tok   *token
	depth int
}

func parse(src string, compat206 bool) (*node, error) {
	p := &parser{lex: &lexer{src: src, compat206: compat206}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	root, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEnd {
		return nil, newError("S0201", p.tok.position, p.tok.value, nil)
	}
	pr := &processor{}
	ast, err := pr.process(root)
	if err != nil {
		return nil, err
	}
	if ast.typ == "parent" || ast.seekingParent != nil {
		return nil, newError("S0217", ast.pos, ast.typ, nil)
	}
	return ast, nil
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) isOp(op string) bool { return p.tok.kind == tokOperator && p.tok.value == op }

// expect consumes the operator op or fails with JSONata's "expected" errors.
func (p *parser) expect(op string) error {
	if !p.isOp(op) {
		if p.tok.kind == tokEnd {
			return newError("S0203", p.tok.position, "", op)
		}
		return newError("S0202", p.tok.position, p.tok.value, op)
	}
	return p.advance()
}

func (p *parser) lbp() int {
	if p.tok.kind != tokOperator {
		return 0
	}
	switch p.tok.value {
	case ":", ";", "..", "|", ",", ")", "]", "}":
		// separators bind nothing
		return 0
	}
	return operators[p.tok.value]
}

// maxNesting bounds expression nesting so that a hostile expression cannot exhaust the Go
// stack while parsing (a fatal, unrecoverable error).
const maxNesting = 1000

func (p *parser) expression(rbp int) (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, &Error{Code: "U1001", Position: p.tok.position, Message: "Expression nesting is too deep"}
	}
	t := p.tok
	if err := p.advance(); err != nil {
		return nil, err
	}
	left, err := p.nud(t)
	if err != nil {
		return nil, err
	}
	for rbp < p.lbp() {
		t = p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		left, err = p.led(t, left)
		if err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) nud(t *token) (*node, error) {
	switch t.kind {
	case tokEnd:
		// JSONata reports a missing closing token first ("expected ) before end") and an
		// operand missing at the very end only once parsing is over (S0207)
		return &node{typ: "end", pos: t.position}, nil
	case tokName:
		return &node{typ: "name", value: t.value, pos: t.position}, nil
	case tokVariable:
		return &node{typ: "variable", value: t.value, pos: t.position}, nil
	case tokString:
		return &node{typ: "string", value: t.value, lit: t.value, pos: t.position}, nil
	case tokNumber:
		return &node{typ: "number", value: t.value, lit: t.num, pos: t.position}, nil
	case tokValue:
		return &node{typ: "value", value: t.value, lit: t.literal, pos: t.position}, nil
	case tokRegex:
		return &node{typ: "regex", value: t.value, regex: t.regex, pos: t.position}, nil
	}
	switch t.value {
	case "and", "or", "in":
		return &node{typ: "name", value: t.value, pos: t.position}, nil
	case "*":
		return &node{typ: "wildcard", value: "*", pos: t.position}, nil
	case "**":
		return &node{typ: "descendant", value: "**", pos: t.position}, nil
	case "%":
		return &node{typ: "parent", value: "%", pos: t.position}, nil
	case "-":
		e, err := p.expression(70)
		if err != nil {
			return nil, err
		}
		return &node{typ: "unary", value: "-", expr: e, pos: t.position}, nil
	case "(":
		n := &node{typ: "block", pos: t.position}
		for !p.isOp(")") {
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.exprs = append(n.exprs, e)
			if !p.isOp(";") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		return n, p.expect(")")
	case "[":
		n := &node{typ: "unary", value: "[", pos: t.position}
		// after a comma another item must follow: no trailing comma
		for more := !p.isOp("]"); more; {
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			if p.isOp("..") {
				pos := p.tok.position
				if err := p.advance(); err != nil {
					return nil, err
				}
				r, err := p.expression(0)
				if err != nil {
					return nil, err
				}
				e = &node{typ: "binary", value: "..", lhs: e, rhs: r, pos: pos}
			}
			n.exprs = append(n.exprs, e)
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		return n, p.expect("]")
	case "{":
		pairs, err := p.objectPairs()
		if err != nil {
			return nil, err
		}
		return &node{typ: "unary", value: "{", pairs: pairs, pos: t.position}, nil
	case "|":
		n := &node{typ: "transform", pos: t.position}
		var err error
		if n.pattern, err = p.expression(0); err != nil {
			return nil, err
		}
		if err := p.expect("|"); err != nil {
			return nil, err
		}
		if n.update, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.isOp(",") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if n.del, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		return n, p.expect("|")
	}
	return nil, newError("S0211", t.position, t.value, nil)
}

func (p *parser) objectPairs() ([][2]*node, error) {
	var pairs [][2]*node
	// after a comma another item must follow: no trailing comma
	for more := !p.isOp("}"); more; {
		k, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, [2]*node{k, v})
		if !p.isOp(",") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	return pairs, p.expect("}")
}

func (p *parser) led(t *token, left *node) (*node, error) {
	op := t.value
	bp := operators[op]
	switch op {
	case "(":
		return p.call(t, left)
	case "[":
		if p.isOp("]") {
			// empty predicate: keep singleton arrays as arrays
			step := left
			for step != nil && step.typ == "binary" && step.value == "[" {
				step = step.lhs
			}
			step.keepArray = true
			return left, p.advance()
		}
		rhs, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		return &node{typ: "binary", value: "[", lhs: left, rhs: rhs, pos: t.position}, p.expect("]")
	case "{":
		pairs, err := p.objectPairs()
		if err != nil {
			return nil, err
		}
		return &node{typ: "binary", value: "{", lhs: left, pairs: pairs, pos: t.position}, nil
	case "^":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		n := &node{typ: "binary", value: "^", lhs: left, pos: t.position}
		for {
			desc := false
			if p.isOp("<") {
				if err := p.advance(); err != nil {
					return nil, err
				}
			} else if p.isOp(">") {
				desc = true
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.terms = append(n.terms, sortTerm{descending: desc, expr: e})
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		return n, p.expect(")")
	case ":=":
		if left.typ != "variable" {
			return nil, newError("S0212", t.position, left.value, nil)
		}
		rhs, err := p.expression(bp - 1)
		if err != nil {
			return nil, err
		}
		return &node{typ: "binary", value: ":=", lhs: left, rhs: rhs, pos: t.position}, nil
	case "?":
		n := &node{typ: "condition", cond: left, pos: t.position}
		var err error
		if n.then, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.isOp(":") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if n.els, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		return n, nil
	case "?:", "??":
		rhs, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		typ := "elvis"
		if op == "??" {
			typ = "coalesce"
		}
		return &node{typ: typ, lhs: left, rhs: rhs, pos: t.position}, nil
	case "@", "#":
		rhs, err := p.expression(bp)
		if err != nil {
			return nil, err
		}
		if rhs.typ != "variable" {
			return nil, newError("S0214", rhs.pos, op, nil)
		}
		return &node{typ: "binary", value: op, lhs: left, rhs: rhs, pos: t.position}, nil
	case ".", "+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "&", "and", "or", "in", "~>", "..":
		rhs, err := p.expression(bp)
		if err != nil {
			return nil, err
		}
		return &node{typ: "binary", value: op, lhs: left, rhs: rhs, pos: t.position}, nil
	}
	return nil, newError("S0201", t.position, op, nil)
}

// call parses an argument list: a function call, a partial application (some arguments
// are '?') or, when the callee is the name "function" or "λ", a lambda definition.
func (p *parser) call(t *token, left *node) (*node, error) {
	n := &node{typ: "function", procedure: left, pos: t.position}
	// after a comma another item must follow: no trailing comma
	for more := !p.isOp(")"); more; {
		if p.isOp("?") {
			n.typ = "partial"
			n.args = append(n.args, &node{typ: "placeholder", pos: p.tok.position})
			if err := p.advance(); err != nil {
				return nil, err
			}
		} else {
			a, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, a)
		}
		if !p.isOp(",") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if !p.isOp(")") {
		return nil, p.expect(")")
	}
	if !(left.typ == "name" && (left.value == "function" || left.value == "λ")) {
		return n, p.advance()
	}
	// lambda definition: the arguments must all be variables
	lambda := &node{typ: "lambda", pos: t.position}
	for _, a := range n.args {
		if a.typ != "variable" {
			return nil, newError("S0208", a.pos, a.value, a.value)
		}
		lambda.params = append(lambda.params, a.value)
	}
	if !p.isOp(")") {
		return nil, p.expect(")")
	}
	// read the token after ')' by hand: a signature must be scanned as raw text
	l := p.lex
	i := l.pos
	for i < len(l.src) && strings.ContainsRune(" \t\r\n", rune(l.src[i])) {
		i++
	}
	if i < len(l.src) && l.src[i] == '<' {
		depth := 0
		j := i
		for ; j < len(l.src); j++ {
			if l.src[j] == '<' {
				depth++
			} else if l.src[j] == '>' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if j >= len(l.src) {
			return nil, newError("S0203", j, "", "{")
		}
		sig, err := parseSignature(l.src[i : j+1])
		if err != nil {
			return nil, err
		}
		lambda.sig = sig
		l.pos = j + 1
		l.prev = &token{kind: tokOperator, value: ">"}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	body, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	lambda.body = body
	return lambda, p.expect("}")
}
