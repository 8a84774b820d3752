package asl

import (
	"fmt"
	"regexp"
	"unicode/utf8"
)

func (sp *stateParser) parseMap() State {
	sp.checkFields("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
		"Retry", "Catch", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "ItemReader",
		"ItemBatcher", "ResultWriter", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage",
		"ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label",
		"Output", "Assign")
	sp.transition()
	s := &Map{StateBase: *sp.base}
	sp.base = &s.StateBase
	loc := sp.base.Location
	if !sp.jsonata() {
		sp.inputOutput()
		sp.resultPath()
		if n := sp.obj.get("ResultSelector"); n != nil {
			s.ResultSelector = sp.p.objectTemplate(n, sp.loc("ResultSelector"), "ResultSelector", JSONPath)
		}
		s.ItemsPath = sp.optionalPath("ItemsPath", true)
	}
	sp.outputAssign(true)
	sp.retryCatch()

	proc, iter := sp.obj.get("ItemProcessor"), sp.obj.get("Iterator")
	switch {
	case proc != nil && iter != nil:
		sp.p.schemaf(loc, "Only one of 'ItemProcessor' or 'Iterator' can be present")
	case proc == nil && iter == nil:
		sp.p.schemaf(loc, "These fields are required: [ItemProcessor]")
	}
	switch {
	case proc != nil:
		s.ItemProcessor = sp.processor(proc, "ItemProcessor", machineProcessor)
	case iter != nil:
		s.ItemProcessor = sp.processor(iter, "Iterator", machineIterator)
	}

	sel, params := sp.obj.get("ItemSelector"), sp.obj.get("Parameters")
	if sel != nil && params != nil {
		sp.p.schemaf(loc, "Only one of 'ItemSelector' or 'Parameters' can be present")
	}
	switch {
	case sel != nil:
		s.ItemSelector = sp.p.template(sel, sp.loc("ItemSelector"), "ItemSelector", sp.base.QueryLanguage)
	case params != nil && !sp.jsonata():
		s.ItemSelector = sp.p.template(params, sp.loc("Parameters"), "Parameters", JSONPath)
	}
	if n := sp.obj.get("Items"); n != nil && sp.jsonata() {
		if n.kind != jsonArray && (n.kind != jsonString || !isJSONata(n.str)) {
			sp.p.schemaf(sp.loc("Items"), "Field 'Items' must be an array or a JSONata expression")
		} else {
			s.Items = sp.p.jsonataTemplate(n, sp.loc("Items"), "Items")
		}
	}
	if n := sp.obj.get("ItemReader"); n != nil {
		s.ItemReader = sp.itemReader(n)
	}
	if n := sp.obj.get("ItemBatcher"); n != nil {
		s.ItemBatcher = sp.itemBatcher(n)
	}
	if n := sp.obj.get("ResultWriter"); n != nil {
		s.ResultWriter = sp.resultWriter(n)
	}
	if label, ok := sp.stringField("Label"); ok {
		s.Label = label
		sp.checkLabel(label)
	}

	s.MaxConcurrency, s.MaxConcurrencyPath, s.MaxConcurrencyExpr = sp.intOrPath("MaxConcurrency", true)
	s.ToleratedFailureCount, s.ToleratedFailureCountPath, s.ToleratedFailureCountExpr = sp.intOrPath("ToleratedFailureCount", true)
	s.ToleratedFailurePercentage, s.ToleratedFailurePercentagePath, s.ToleratedFailurePercentageExpr = sp.percentage()
	return s
}

func (sp *stateParser) processor(n *jsonNode, field string, kind machineKind) *StateMachine {
	loc := sp.loc(field)
	if n.kind != jsonObject {
		sp.p.schemaf(loc, "Field '%s' must be an object", field)
		return nil
	}
	return sp.p.parseMachine(n, loc, kind, sp.p.topQL)
}

func (sp *stateParser) percentage() (*float64, *pathT, *Template) {
	const field = "ToleratedFailurePercentage"
	n, pn := sp.obj.get(field), sp.obj.get(field+"Path")
	if n != nil && pn != nil {
		sp.p.schemaf(sp.loc(field), "Only one of '%s' or '%sPath' can be present", field, field)
	}
	var (
		value *float64
		path  *pathT
		expr  *Template
	)
	if n != nil {
		switch {
		case n.kind == jsonString && sp.jsonata() && isJSONata(n.str):
			expr = sp.p.jsonataNode(n.str, sp.loc(field))
		case n.kind != jsonNumber:
			sp.p.schemaf(sp.loc(field), "Field '%s' must be a number", field)
		case n.number < 0 || n.number > 100:
			sp.p.schemaf(sp.loc(field), "Field '%s' must be between 0 and 100", field)
		default:
			v := n.number
			value = &v
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

// readerWriter reads the shared shape of ItemReader and ResultWriter.
func (sp *stateParser) readerWriter(n *jsonNode, field, configField string) (resource string, params, args, config *Template) {
	loc := sp.loc(field)
	if n.kind != jsonObject {
		sp.p.schemaf(loc, "Field '%s' must be an object", field)
		return
	}
	allowed := fieldSet("Resource", configField, "Parameters", "Arguments")
	if field == "ResultWriter" && n.get("Resource") == nil && n.get(configField) != nil {
		// A ResultWriter may hold only WriterConfig (output transformation).
	} else {
		sp.p.checkFields(n, loc, allowed, []string{"Resource"})
	}
	for _, m := range n.members {
		if allowed[m.key] {
			if sp.jsonata() && m.key == "Parameters" {
				sp.p.schemaf(loc+"/Parameters", "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage")
			}
			if !sp.jsonata() && m.key == "Arguments" {
				sp.p.schemaf(loc, "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage")
			}
		}
	}
	resource = sp.p.optString(n, loc, "Resource")
	if resource != "" && !isJSONata(resource) {
		allowedResources := itemReaderResources
		if field == "ResultWriter" {
			allowedResources = resultWriterResources
		}
		if !allowedResources.MatchString(resource) {
			sp.p.schemaf(loc+"/Resource", "The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", resource)
		}
	}
	if v := n.get("Parameters"); v != nil && !sp.jsonata() {
		params = sp.p.template(v, loc+"/Parameters", "Parameters", JSONPath)
	}
	if v := n.get("Arguments"); v != nil && sp.jsonata() {
		args = sp.p.jsonataTemplate(v, loc+"/Arguments", "Arguments")
	}
	if v := n.get(configField); v != nil {
		config = sp.p.template(v, loc+"/"+configField, configField, sp.base.QueryLanguage)
	}
	return
}

func (sp *stateParser) itemReader(n *jsonNode) *ItemReader {
	r := &ItemReader{}
	r.Resource, r.Parameters, r.Arguments, r.ReaderConfig = sp.readerWriter(n, "ItemReader", "ReaderConfig")
	if cfg := n.get("ReaderConfig"); cfg != nil && cfg.kind == jsonObject {
		if t := cfg.get("InputType"); t != nil && (t.kind != jsonString || !readerInputTypes[t.str]) {
			sp.p.schemaf(sp.loc("ItemReader")+"/ReaderConfig/InputType", "Field 'InputType' must be one of [CSV, JSON, JSONL, MANIFEST, PARQUET]")
		}
	}
	return r
}

func (sp *stateParser) resultWriter(n *jsonNode) *ResultWriter {
	w := &ResultWriter{}
	w.Resource, w.Parameters, w.Arguments, w.WriterConfig = sp.readerWriter(n, "ResultWriter", "WriterConfig")
	return w
}

func (sp *stateParser) itemBatcher(n *jsonNode) *ItemBatcher {
	loc := sp.loc("ItemBatcher")
	b := &ItemBatcher{}
	if n.kind != jsonObject {
		sp.p.schemaf(loc, "Field 'ItemBatcher' must be an object")
		return b
	}
	sp.p.checkFields(n, loc, fieldSet("MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"), nil)
	sub := &stateParser{p: sp.p, obj: n, base: &StateBase{Location: loc, QueryLanguage: sp.base.QueryLanguage}}
	b.MaxItemsPerBatch, b.MaxItemsPerBatchPath, b.MaxItemsPerBatchExpr = sub.intOrPath("MaxItemsPerBatch", false)
	b.MaxInputBytesPerBatch, b.MaxInputBytesPerBatchPath, b.MaxInputBytesPerBatchExpr = sub.intOrPath("MaxInputBytesPerBatch", false)
	if v := n.get("BatchInput"); v != nil {
		b.BatchInput = sp.p.template(v, loc+"/BatchInput", "BatchInput", sp.base.QueryLanguage)
	}
	return b
}

// Resources a Distributed Map reads items from and writes results to.
var (
	itemReaderResources   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):states:::s3:(getObject|listObjectsV2)$`)
	resultWriterResources = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):states:::s3:putObject$`)
	readerInputTypes      = fieldSet("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
)

// labelMaxLength is AWS's limit on a Map Label.
const labelMaxLength = 40

// checkLabel applies AWS's Map Label rules: not empty, at most 40 characters, and none of the
// characters AWS forbids in names (white space, brackets, wildcards, some punctuation and
// control characters). AWS reports only the first problem.
func (sp *stateParser) checkLabel(label string) {
	loc := sp.loc("Label")
	switch {
	case label == "":
		sp.p.labelError(loc, "Label cannot be empty")
	case utf8.RuneCountInString(label) > labelMaxLength:
		sp.p.labelError(loc, fmt.Sprintf("Label cannot exceed %d characters", labelMaxLength))
	default:
		for _, r := range label {
			if isForbiddenNameRune(r) {
				sp.p.labelError(loc, "Label contains invalid character: "+pythonRepr(string(r)))
				return
			}
		}
	}
}

func (p *parser) labelError(location, message string) {
	p.add(CodeInvalidLabelName, location, message)
}

// isForbiddenNameRune reports the characters AWS forbids in state machine, execution and
// Map Label names.
func isForbiddenNameRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '<', '>', '{', '}', '[', ']', '?', '*', '"', '#', '%', '\\', '^', '|', '~', '`', '$', '&', ',', ';', ':', '/':
		return true
	}
	return r <= 0x1f || (r >= 0x7f && r <= 0x9f) || r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 || (r >= 0x2000 && r <= 0x200a) || r == 0x3000 || r == 0x1680 || r == 0x202f || r == 0x205f
}
