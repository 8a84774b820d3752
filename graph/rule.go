package graph

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/asl"
)

// comparisonSymbols maps the comparison in an operator's name to the symbol shown.
var comparisonSymbols = []struct{ suffix, symbol string }{
	// Longer suffixes first: "LessThanEquals" also ends in "Equals".
	{"GreaterThanEquals", ">="},
	{"LessThanEquals", "<="},
	{"GreaterThan", ">"},
	{"LessThan", "<"},
	{"Equals", "=="},
	{"Matches", "matches"},
}

// typeTests are the operators that test a variable without comparing it to a value.
var typeTests = map[string]string{
	"IsNull":      "null",
	"IsPresent":   "present",
	"IsNumeric":   "numeric",
	"IsString":    "string",
	"IsBoolean":   "boolean",
	"IsTimestamp": "timestamp",
}

// RuleText writes a Choice rule as a short expression: `$.x == true`, `$.n >= 10 && $.s
// matches "a*"`, `$.v is not null`, or a JSONata condition's expression.
func RuleText(r *asl.ChoiceRule) string {
	switch {
	case r.Condition != nil:
		if r.Condition.Kind == asl.TemplateJSONata {
			return strings.TrimSpace(r.Condition.Expr)
		}
		return literalText(r.Condition.Literal)
	case len(r.And) > 0:
		return joinRules(r.And, " && ")
	case len(r.Or) > 0:
		return joinRules(r.Or, " || ")
	case r.Not != nil:
		return "!(" + RuleText(r.Not) + ")"
	}
	variable := "?"
	if r.Variable != nil {
		variable = r.Variable.String()
	}
	if what, ok := typeTests[r.Operator]; ok {
		if r.Value == false {
			return variable + " is not " + what
		}
		return variable + " is " + what
	}
	op := strings.TrimSuffix(r.Operator, "Path")
	symbol := op
	for _, c := range comparisonSymbols {
		if strings.HasSuffix(op, c.suffix) {
			symbol = c.symbol
			break
		}
	}
	operand := literalText(r.Value)
	if r.ValuePath != nil {
		operand = r.ValuePath.String()
	}
	return variable + " " + symbol + " " + operand
}

func joinRules(rules []asl.ChoiceRule, sep string) string {
	parts := make([]string, len(rules))
	for i := range rules {
		parts[i] = RuleText(&rules[i])
		if len(rules[i].And) > 0 || len(rules[i].Or) > 0 {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

func literalText(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return strconv.Quote(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
