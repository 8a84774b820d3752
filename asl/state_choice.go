package asl

import (
	"fmt"
	"strings"
)

func (sp *stateParser) parseChoice() State {
	sp.checkFields("InputPath", "OutputPath", "Choices", "Default", "Assign", "Output")
	if sp.obj.get("Choices") == nil {
		sp.p.schemaf(sp.base.Location, "These fields are required: [Choices]")
	}
	s := &Choice{StateBase: *sp.base}
	sp.base = &s.StateBase
	if !sp.jsonata() {
		sp.inputOutput()
	}
	sp.outputAssign(true)
	s.Default, _ = sp.stringField("Default")
	if n := sp.obj.get("Choices"); n != nil {
		loc := sp.loc("Choices")
		switch {
		case n.kind != jsonArray:
			sp.p.schemaf(loc, "Field 'Choices' must be an array")
		case len(n.items) == 0:
			sp.p.schemaf(loc, "Field 'Choices' must not be empty")
		default:
			for i, it := range n.items {
				s.Choices = append(s.Choices, sp.p.choiceRule(it, fmt.Sprintf("%s[%d]", loc, i), true, sp.base.QueryLanguage))
			}
		}
	}
	return s
}

// comparisonValueKinds maps each comparison operator to the JSON kind of its operand.
var comparisonValueKinds = map[string]jsonKind{}

func init() {
	for _, op := range []string{"Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"} {
		comparisonValueKinds["String"+op] = jsonString
		comparisonValueKinds["Numeric"+op] = jsonNumber
		comparisonValueKinds["Timestamp"+op] = jsonString
		comparisonValueKinds["String"+op+"Path"] = jsonString
		comparisonValueKinds["Numeric"+op+"Path"] = jsonString
		comparisonValueKinds["Timestamp"+op+"Path"] = jsonString
	}
	comparisonValueKinds["StringMatches"] = jsonString
	comparisonValueKinds["BooleanEquals"] = jsonBool
	comparisonValueKinds["BooleanEqualsPath"] = jsonString
	for _, op := range []string{"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"} {
		comparisonValueKinds[op] = jsonBool
	}
}

var (
	choiceRuleFieldsJSONPath = fieldSet("Next", "Comment", "Assign", "And", "Or", "Not", "Variable")
	choiceRuleFieldsJSONata  = fieldSet("Next", "Comment", "Assign", "Output", "Condition")
)

// choiceRule reads one rule; top says whether it is a top-level rule (with Next) or nested in
// And/Or/Not.
func (p *parser) choiceRule(n *jsonNode, location string, top bool, ql QueryLanguage) ChoiceRule {
	r := ChoiceRule{Location: location}
	if n.kind != jsonObject {
		p.schemaf(location, "A Choice Rule must be an object")
		return r
	}
	allowed := choiceRuleFieldsJSONPath
	if ql == JSONata {
		allowed = choiceRuleFieldsJSONata
	}
	var operators []string
	for _, m := range n.members {
		_, isOp := comparisonValueKinds[m.key]
		switch {
		case isOp && ql == JSONPath:
			operators = append(operators, m.key)
			continue
		case ql == JSONata && (isOp || choiceRuleFieldsJSONPath[m.key]) && !allowed[m.key]:
			p.schemaf(location+"/"+m.key, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", m.key)
			continue
		case ql == JSONPath && choiceRuleFieldsJSONata[m.key] && !allowed[m.key]:
			p.schemaf(location, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", m.key)
			continue
		}
		if !allowed[m.key] {
			p.schemaf(location, "Field '%s' is not supported", m.key)
			continue
		}
		if !top && (m.key == "Next" || m.key == "Assign" || m.key == "Output") {
			p.schemaf(location, "Field '%s' is only supported at the top level of a Choice Rule", m.key)
		}
	}
	r.Comment = p.optString(n, location, "Comment")
	if top {
		if n.get("Next") == nil {
			p.schemaf(location, "These fields are required: [Next]")
		}
		r.Next = p.optString(n, location, "Next")
		if v := n.get("Assign"); v != nil {
			r.Assign = p.objectTemplate(v, location+"/Assign", "Assign", ql)
		}
		if v := n.get("Output"); v != nil && ql == JSONata {
			r.Output = p.jsonataTemplate(v, location+"/Output", "Output")
		}
	}
	if ql == JSONata {
		c := n.get("Condition")
		switch {
		case c == nil:
			p.schemaf(location, "These fields are required: [Condition]")
		case c.kind == jsonBool:
			r.Condition = &Template{Kind: TemplateLiteral, Literal: c.boolean, Location: location + "/Condition"}
		case c.kind == jsonString && isJSONata(c.str):
			r.Condition = p.jsonataNode(c.str, location+"/Condition")
		default:
			p.schemaf(location+"/Condition", "Field 'Condition' must be a JSONata expression or a boolean")
		}
		return r
	}

	combinators := 0
	if v := n.get("And"); v != nil {
		combinators++
		r.And = p.choiceRuleList(v, location+"/And", "And", ql)
	}
	if v := n.get("Or"); v != nil {
		combinators++
		r.Or = p.choiceRuleList(v, location+"/Or", "Or", ql)
	}
	if v := n.get("Not"); v != nil {
		combinators++
		sub := p.choiceRule(v, location+"/Not", false, ql)
		r.Not = &sub
	}
	variable := n.get("Variable")
	switch {
	case combinators+len(operators) == 0:
		p.schemaf(location, "A Choice Rule must have exactly one comparison operator or one of 'And', 'Or', 'Not'")
	case combinators > 1 || (combinators == 1 && (len(operators) > 0 || variable != nil)):
		p.schemaf(location, "A Choice Rule must have exactly one of 'And', 'Or', 'Not' or a comparison operator")
	case len(operators) > 1:
		p.schemaf(location, "A Choice Rule must have exactly one comparison operator but found [%s]", strings.Join(operators, ", "))
	case len(operators) == 1:
		if variable == nil {
			p.schemaf(location, "These fields are required: [Variable]")
		} else if variable.kind != jsonString {
			p.schemaf(location+"/Variable", "Field 'Variable' must be a string")
		} else {
			r.Variable = p.compilePath(variable.str, location+"/Variable", "Variable", false)
		}
		p.comparison(n, operators[0], location, &r)
	}
	return r
}

func (p *parser) choiceRuleList(n *jsonNode, location, field string, ql QueryLanguage) []ChoiceRule {
	if n.kind != jsonArray {
		p.schemaf(location, "Field '%s' must be an array", field)
		return nil
	}
	if len(n.items) == 0 {
		p.schemaf(location, "Field '%s' must not be empty", field)
		return nil
	}
	out := make([]ChoiceRule, 0, len(n.items))
	for i, it := range n.items {
		out = append(out, p.choiceRule(it, fmt.Sprintf("%s[%d]", location, i), false, ql))
	}
	return out
}

// comparison reads the operand of a comparison operator into r.
func (p *parser) comparison(n *jsonNode, op, location string, r *ChoiceRule) {
	r.Operator = op
	v := n.get(op)
	loc := location + "/" + op
	want := comparisonValueKinds[op]
	if v.kind != want {
		p.schemaf(loc, "Field '%s' must be a %s", op, describeKind(want))
		return
	}
	switch {
	case strings.HasSuffix(op, "Path"):
		r.ValuePath = p.compilePath(v.str, loc, op, false)
	case strings.HasPrefix(op, "Timestamp") && !isRFC3339(v.str):
		p.schemaf(loc, "String does not match RFC3339 timestamp")
	default:
		r.Value = v.value()
	}
}
