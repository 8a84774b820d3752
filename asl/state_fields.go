package asl

import (
	"github.com/stepflow/stepflow/asl/jsonpath"
)

// stateParser reads the fields of one state object; the per-type files add the rest.
type stateParser struct {
	p    *parser
	obj  *jsonNode
	base *StateBase
}

// Fields only one query language allows. Others are allowed in both.
var (
	jsonPathOnlyFields = fieldSet("InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
		"ItemsPath", "SecondsPath", "TimestampPath", "TimeoutSecondsPath", "HeartbeatSecondsPath",
		"MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "ErrorPath", "CausePath")
	jsonataOnlyFields = fieldSet("Arguments", "Output", "Items")
)

var commonStateFields = []string{"Type", "Comment", "QueryLanguage"}

// checkFields reports fields the state type does not support and fields its query language
// does not allow.
func (sp *stateParser) checkFields(fields ...string) {
	allowed := fieldSet(append(fields, commonStateFields...)...)
	loc := sp.base.Location
	for _, m := range sp.obj.members {
		if !allowed[m.key] {
			sp.p.schemaf(loc, "Field '%s' is not supported", m.key)
			continue
		}
		sp.checkLanguage(m.key, loc)
	}
}

// checkLanguage reports a field the state's query language does not allow.
func (sp *stateParser) checkLanguage(field, location string) {
	switch {
	case sp.base.QueryLanguage == JSONPath && jsonataOnlyFields[field]:
		sp.p.schemaf(location, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", field)
	case sp.base.QueryLanguage == JSONata && jsonPathOnlyFields[field]:
		// AWS points at the field here, but at the state for the opposite case.
		sp.p.schemaf(location+"/"+field, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", field)
	}
}

func (sp *stateParser) loc(field string) string { return sp.base.Location + "/" + field }

func (sp *stateParser) jsonata() bool { return sp.base.QueryLanguage == JSONata }

// transition reads Next/End of a state type that must have exactly one of them.
func (sp *stateParser) transition() {
	b := sp.base
	b.Next = sp.p.optString(sp.obj, b.Location, "Next")
	b.End = sp.p.optBool(sp.obj, b.Location, "End")
	hasNext := sp.obj.get("Next") != nil
	switch {
	case hasNext && b.End:
		sp.p.schemaf(b.Location, "Only one of 'Next' or 'End' can be present")
	case !hasNext && !b.End:
		sp.p.schemaf(b.Location, "Either 'Next' or 'End' is required")
	}
}

// inputOutput reads InputPath and OutputPath (JSONPath states).
func (sp *stateParser) inputOutput() {
	sp.base.InputPath = sp.optionalPath("InputPath", false)
	sp.base.OutputPath = sp.optionalPath("OutputPath", false)
}

// resultPath reads ResultPath, a reference path.
func (sp *stateParser) resultPath() {
	sp.base.ResultPath = sp.optionalPath("ResultPath", true)
}

// optionalPath reads a JSONPath path field that may be absent or null.
func (sp *stateParser) optionalPath(field string, reference bool) OptionalPath {
	n := sp.obj.get(field)
	return sp.p.optionalPath(n, sp.loc(field), field, reference)
}

func (p *parser) optionalPath(n *jsonNode, location, field string, reference bool) OptionalPath {
	if n == nil {
		return OptionalPath{}
	}
	if n.kind == jsonNull {
		return OptionalPath{Present: true, Null: true}
	}
	if n.kind != jsonString {
		p.schemaf(location, "Field '%s' must be a string or null", field)
		return OptionalPath{}
	}
	path := p.compilePath(n.str, location, field, reference)
	return OptionalPath{Present: path != nil, Path: path}
}

// parameters reads Parameters and ResultSelector (JSONPath) or Arguments (JSONata).
func (sp *stateParser) parameters(withResultSelector, withArguments bool) {
	if n := sp.obj.get("Parameters"); n != nil && !sp.jsonata() {
		sp.base.Parameters = sp.p.template(n, sp.loc("Parameters"), "Parameters", JSONPath)
	}
	if withResultSelector {
		if n := sp.obj.get("ResultSelector"); n != nil && !sp.jsonata() {
			sp.base.ResultSelector = sp.p.objectTemplate(n, sp.loc("ResultSelector"), "ResultSelector", JSONPath)
		}
	}
	if withArguments {
		if n := sp.obj.get("Arguments"); n != nil && sp.jsonata() {
			sp.base.Arguments = sp.p.jsonataTemplate(n, sp.loc("Arguments"), "Arguments")
		}
	}
}

// outputAssign reads Output (JSONata) and Assign (both languages).
func (sp *stateParser) outputAssign(withAssign bool) {
	if n := sp.obj.get("Output"); n != nil && sp.jsonata() {
		sp.base.Output = sp.p.jsonataTemplate(n, sp.loc("Output"), "Output")
	}
	if withAssign {
		if n := sp.obj.get("Assign"); n != nil {
			sp.base.Assign = sp.p.objectTemplate(n, sp.loc("Assign"), "Assign", sp.base.QueryLanguage)
		}
	}
}

// intOrPath reads a positive/non-negative integer field, its "...Path" JSONPath variant, or a
// JSONata expression in the same field; at most one of the group may be given.
func (sp *stateParser) intOrPath(field string, allowZero bool) (*int64, *jsonpath.Path, *Template) {
	n := sp.obj.get(field)
	pn := sp.obj.get(field + "Path")
	if n != nil && pn != nil {
		sp.p.schemaf(sp.loc(field), "Only one of '%s' or '%sPath' can be present", field, field)
	}
	var (
		value *int64
		path  *jsonpath.Path
		expr  *Template
	)
	if n != nil {
		switch {
		case n.kind == jsonString && sp.jsonata() && isJSONata(n.str):
			expr = sp.p.jsonataNode(n.str, sp.loc(field))
		case allowZero:
			value = sp.p.nonNegativeInt(n, sp.loc(field), field)
		default:
			value = sp.p.positiveInt(n, sp.loc(field), field)
		}
	}
	if pn != nil && !sp.jsonata() {
		if pn.kind != jsonString {
			sp.p.schemaf(sp.loc(field+"Path"), "Field '%sPath' must be a string", field)
		} else {
			path = sp.p.compilePath(pn.str, sp.loc(field+"Path"), field+"Path", true)
		}
	}
	return value, path, expr
}

// stringField reads a required-or-optional string field of a state.
func (sp *stateParser) stringField(field string) (string, bool) {
	n := sp.obj.get(field)
	if n == nil {
		return "", false
	}
	if n.kind != jsonString {
		sp.p.schemaf(sp.loc(field), "Field '%s' must be a string", field)
		return "", false
	}
	return n.str, true
}

func describeKind(k jsonKind) string {
	switch k {
	case jsonNull:
		return "null"
	case jsonBool:
		return "boolean"
	case jsonNumber:
		return "number"
	case jsonString:
		return "string"
	case jsonArray:
		return "array"
	}
	return "object"
}
