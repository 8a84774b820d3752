package asl

import (
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// template compiles a payload template field (Parameters, ItemSelector, ...) in the given
// language. Subtrees with nothing to evaluate collapse into one TemplateLiteral node, so
// evaluation copies them without walking them.
func (p *parser) template(n *jsonNode, location, field string, ql QueryLanguage) *Template {
	if ql == JSONata {
		return p.jsonataTemplate(n, location, field)
	}
	return p.templateNode(n, location, ql)
}

// objectTemplate compiles a template that must be a JSON object (ResultSelector, Assign, ...);
// in JSONata, a whole-field "{% %}" expression is allowed too.
func (p *parser) objectTemplate(n *jsonNode, location, field string, ql QueryLanguage) *Template {
	if ql == JSONata && n.kind == jsonString && isJSONata(n.str) && field != "Assign" {
		return p.jsonataNode(n.str, location)
	}
	if n.kind != jsonObject {
		p.schemaf(location, "Field '%s' must be an object", field)
		return nil
	}
	return p.templateNode(n, location, ql)
}

// jsonataTemplate compiles a JSONata-language field: any JSON value, in which every string
// "{% expr %}", however deep, is an expression.
func (p *parser) jsonataTemplate(n *jsonNode, location, field string) *Template {
	return p.templateNode(n, location, JSONata)
}

func (p *parser) templateNode(n *jsonNode, location string, ql QueryLanguage) *Template {
	switch n.kind {
	case jsonObject:
		t := &Template{Kind: TemplateObject, Location: location}
		dynamic := false
		var pathFields []bool // which fields are "key.$" ones
		for _, m := range n.members {
			loc := location + "/" + m.key
			var v *Template
			key := m.key
			if ql == JSONPath && strings.HasSuffix(m.key, ".$") && len(m.key) > 2 {
				key = strings.TrimSuffix(m.key, ".$")
				v = p.dynamicValue(m.key, m.value, location, loc)
				if v == nil {
					continue
				}
			} else {
				v = p.templateNode(m.value, loc, ql)
			}
			if v.Kind != TemplateLiteral {
				dynamic = true
			}
			t.Fields = append(t.Fields, TemplateField{Key: key, Value: v})
			pathFields = append(pathFields, key != m.key)
		}
		if !dynamic {
			// Built from the children's literals, so nested static objects are converted once.
			obj := jsonvalue.NewObject(len(t.Fields))
			for _, f := range t.Fields {
				obj.Set(f.Key, f.Value.Literal)
			}
			return &Template{Kind: TemplateLiteral, Literal: obj, Location: location}
		}
		if ql == JSONPath {
			t.KeyOrder = jsonPathKeyOrder(t.Fields, pathFields)
		}
		return t
	case jsonArray:
		t := &Template{Kind: TemplateArray, Location: location}
		dynamic := false
		for i, it := range n.items {
			v := p.templateNode(it, location+"["+itoa(i)+"]", ql)
			if v.Kind != TemplateLiteral {
				dynamic = true
			}
			t.Items = append(t.Items, v)
		}
		if !dynamic {
			arr := make([]any, len(t.Items))
			for i, it := range t.Items {
				arr[i] = it.Literal
			}
			return &Template{Kind: TemplateLiteral, Literal: arr, Location: location}
		}
		return t
	case jsonString:
		if ql == JSONata && isJSONata(n.str) {
			return p.jsonataNode(n.str, location)
		}
	}
	return &Template{Kind: TemplateLiteral, Literal: n.value(), Location: location}
}

// jsonPathKeyOrder is the order of the keys of the object a JSONPath template builds, as
// AWS's output shows it (recorded, e.g. scenarios--test_base_scenarios--test_map_state_item_selector
// and query_language--test_mixed_query_language--test_output_to_state): first the fields
// written without ".$", in the definition's order, then the "key.$" fields in the order a
// java.util.HashMap of them iterates (jsonvalue.JavaHashMapOrder).
func jsonPathKeyOrder(fields []TemplateField, pathFields []bool) []int {
	var order, dynamic []int
	var dynamicKeys []string
	for i, f := range fields {
		if pathFields[i] {
			dynamic = append(dynamic, i)
			dynamicKeys = append(dynamicKeys, f.Key)
		} else {
			order = append(order, i)
		}
	}
	for _, j := range jsonvalue.JavaHashMapOrder(dynamicKeys) {
		order = append(order, dynamic[j])
	}
	for i, j := range order {
		if i != j {
			return order
		}
	}
	return nil // the definition's order
}

// dynamicValue compiles the value of a "key.$" field: a path or an intrinsic call. AWS reports
// a bad value at the object that holds the field.
func (p *parser) dynamicValue(key string, n *jsonNode, objLocation, location string) *Template {
	bad := func() *Template {
		p.schemaf(objLocation, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", key)
		return nil
	}
	if n.kind != jsonString {
		return bad()
	}
	if isIntrinsicCall(n.str) {
		call, ok := compileIntrinsic(n.str)
		if !ok {
			return bad()
		}
		return &Template{Kind: TemplateIntrinsic, Intrinsic: call, Location: location}
	}
	path, ok := compileJSONPath(n.str)
	if !ok {
		return bad()
	}
	return &Template{Kind: TemplatePath, Path: path, Location: location}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// jsonataNode compiles a "{% expr %}" string, checking its syntax with
// ParseOptions.JSONataSyntax when the caller provides it.
func (p *parser) jsonataNode(text, location string) *Template {
	expr := jsonataExpr(text)
	if p.opts.JSONataSyntax != nil {
		if err := p.opts.JSONataSyntax(expr); err != nil {
			p.add(CodeInvalidJSONataExpression, location, err.Error())
		}
	}
	return &Template{Kind: TemplateJSONata, Expr: expr, Location: location}
}
