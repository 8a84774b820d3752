package jsonata

// OperatorUse is one place an expression uses an operator.
type OperatorUse struct {
	Operator string
	Position int // offset just past the operator, as JSONata reports positions
}

// OperatorsUsed lists where the expression text uses any of the given operators (for example
// "??" and "?:", which JSONata 2.1 added), skipping strings, names and regexes. A text that
// does not tokenize gives what was found before the problem.
func OperatorsUsed(expr string, operators ...string) []OperatorUse {
	want := make(map[string]bool, len(operators))
	for _, op := range operators {
		want[op] = true
	}
	var uses []OperatorUse
	lex := &lexer{src: expr}
	for {
		tok, err := lex.next()
		if err != nil || tok.kind == tokEnd {
			return uses
		}
		if tok.kind == tokOperator && want[tok.value] {
			uses = append(uses, OperatorUse{Operator: tok.value, Position: tok.position})
		}
	}
}
