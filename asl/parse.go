package asl

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/stepflow/stepflow/sfn"
)

// ParseOptions says how a definition will be used; some rules depend on it.
type ParseOptions struct {
	// Type is the state machine type; Express machines may not use .sync or
	// .waitForTaskToken integrations. Empty means STANDARD.
	Type sfn.StateMachineType
	// JSONataSyntax, when set, checks the syntax of each JSONata expression; an error is
	// reported as INVALID_JSONATA_EXPRESSION with its text as the message. Package asl does
	// not import the JSONata implementation, so the caller passes it in.
	JSONataSyntax func(expr string) error
	// SDKIntegrationSupported, when set, refuses an AWS SDK integration
	// (arn:aws:states:::aws-sdk:SERVICE:ACTION) for which it returns false, as AWS refuses a
	// resource it does not recognise. Creating and validating a state machine set it to what
	// the server can call; TestState with mocks and the graph leave it nil.
	SDKIntegrationSupported func(service, action string) bool
}

// Parse reads a definition into the typed model and checks it the way AWS's
// ValidateStateMachineDefinition does, reporting every problem found. The returned machine is
// nil only when data is not a JSON object; when the diagnostics hold errors, the machine is a
// best-effort reading and must not be run.
func Parse(data []byte, opts ParseOptions) (*StateMachine, Diagnostics) {
	if opts.Type == "" {
		opts.Type = sfn.TypeStandard
	}
	p := &parser{opts: opts, stateNames: map[string]bool{}}
	if len(bytes.TrimSpace(data)) == 0 {
		p.add(CodeSchemaValidationFailed, "", "Definition must be a valid JSON object")
		return nil, p.diags
	}
	// Jackson, AWS's parser, skips a UTF-8 byte order mark.
	root, syntaxErr := decodeJSON(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if syntaxErr != nil {
		p.add(CodeInvalidJSONDescription, syntaxErr.Location, syntaxErr.Error())
		return nil, p.diags
	}
	if root.kind != jsonObject {
		p.add(CodeSchemaValidationFailed, "", "Definition must be a valid JSON object")
		return nil, p.diags
	}
	p.root = root
	sm := p.parseMachine(root, "", machineTop, "")
	return sm, p.diags
}

// Diagnostic codes AWS uses.
const (
	CodeInvalidJSONDescription   = "INVALID_JSON_DESCRIPTION"
	CodeSchemaValidationFailed   = "SCHEMA_VALIDATION_FAILED"
	CodeMissingTransitionTarget  = "MISSING_TRANSITION_TARGET"
	CodeMissingEndState          = "MISSING_END_STATE"
	CodeDuplicateStateName       = "DUPLICATE_STATE_NAME"
	CodeInvalidStateName         = "INVALID_STATE_NAME"
	CodeInvalidResource          = "INVALID_RESOURCE"
	CodeInvalidLabelName         = "INVALID_LABEL_NAME"
	CodeInvalidJSONataExpression = "INVALID_JSONATA_EXPRESSION"
)

// machineKind says where a StartAt/States object sits; the allowed fields differ.
type machineKind int

const (
	machineTop machineKind = iota
	machineBranch
	machineProcessor
	machineIterator
)

type parser struct {
	opts       ParseOptions
	root       *jsonNode
	diags      Diagnostics
	topQL      QueryLanguage
	stateNames map[string]bool // every state name in the definition, for duplicate detection
}

func (p *parser) add(code, location, message string) {
	p.diags = append(p.diags, Diagnostic{Severity: SeverityError, Code: code, Message: message, Location: location})
}

func (p *parser) schemaf(location, format string, args ...any) {
	p.add(CodeSchemaValidationFailed, location, fmt.Sprintf(format, args...))
}

// pointer returns the JSON pointer of the root for an empty location, as AWS writes it.
func pointer(location string) string {
	if location == "" {
		return "/"
	}
	return location
}

// checkFields reports fields of obj that are not in allowed, and required fields that are
// missing, in the order AWS lists them.
func (p *parser) checkFields(obj *jsonNode, location string, allowed map[string]bool, required []string) {
	var missing []string
	for _, r := range required {
		if obj.get(r) == nil {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		p.schemaf(pointer(location), "These fields are required: [%s]", strings.Join(missing, ", "))
	}
	for _, m := range obj.members {
		if !allowed[m.key] {
			p.schemaf(pointer(location), "Field '%s' is not supported", m.key)
		}
	}
}

func fieldSet(names ...string) map[string]bool {
	s := make(map[string]bool, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

var machineFields = map[machineKind]map[string]bool{
	machineTop:       fieldSet("Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"),
	machineBranch:    fieldSet("Comment", "StartAt", "States"),
	machineProcessor: fieldSet("Comment", "StartAt", "States", "ProcessorConfig"),
	machineIterator:  fieldSet("Comment", "StartAt", "States", "ProcessorConfig"),
}

// parseMachine reads a StartAt/States object. inherited is the top level's query language
// (nested machines inherit the whole machine's language, not their parent state's).
func (p *parser) parseMachine(obj *jsonNode, location string, kind machineKind, inherited QueryLanguage) *StateMachine {
	sm := &StateMachine{Location: location, States: map[string]State{}}
	// AWS lists the missing top-level fields as States before StartAt.
	p.checkFields(obj, location, machineFields[kind], []string{"States", "StartAt"})

	sm.Comment = p.optString(obj, location, "Comment")
	sm.StartAt = p.optString(obj, location, "StartAt")
	if kind == machineTop {
		sm.QueryLanguage = JSONPath
		if n := obj.get("QueryLanguage"); n != nil {
			sm.QueryLanguage = p.queryLanguage(n, location)
		}
		p.topQL = sm.QueryLanguage
		sm.Version = p.optString(obj, location, "Version")
		if n := obj.get("TimeoutSeconds"); n != nil {
			sm.TimeoutSeconds = p.nonNegativeInt(n, location+"/TimeoutSeconds", "TimeoutSeconds")
		}
	} else {
		sm.QueryLanguage = inherited
	}
	if kind == machineProcessor || kind == machineIterator {
		if n := obj.get("ProcessorConfig"); n != nil {
			sm.ProcessorConfig = p.processorConfig(n, location+"/ProcessorConfig")
		}
	}

	statesNode := obj.get("States")
	if statesNode != nil {
		if statesNode.kind != jsonObject {
			p.schemaf(location+"/States", "Field 'States' must be an object")
		} else {
			for _, m := range statesNode.members {
				st := p.parseState(m.key, m.value, location+"/States/"+m.key, sm.QueryLanguage)
				if st == nil {
					continue
				}
				if _, dup := sm.States[m.key]; dup {
					continue
				}
				sm.States[m.key] = st
				sm.Order = append(sm.Order, m.key)
			}
		}
	}
	if statesNode != nil && statesNode.kind == jsonObject && obj.get("StartAt") != nil {
		p.checkTransitions(sm)
	}
	return sm
}

func (p *parser) queryLanguage(n *jsonNode, location string) QueryLanguage {
	if n.kind == jsonString {
		switch QueryLanguage(n.str) {
		case JSONPath, JSONata:
			return QueryLanguage(n.str)
		}
	}
	p.schemaf(location+"/QueryLanguage", "Field 'QueryLanguage' must be one of [JSONPath, JSONata]")
	return JSONPath
}

func (p *parser) processorConfig(n *jsonNode, location string) *ProcessorConfig {
	pc := &ProcessorConfig{Mode: "INLINE"}
	if n.kind != jsonObject {
		p.schemaf(location, "Field 'ProcessorConfig' must be an object")
		return pc
	}
	p.checkFields(n, location, fieldSet("Mode", "ExecutionType"), nil)
	if m := n.get("Mode"); m != nil {
		if m.kind != jsonString || (m.str != "INLINE" && m.str != "DISTRIBUTED") {
			p.schemaf(location+"/Mode", "Field 'Mode' must be one of [INLINE, DISTRIBUTED]")
		} else {
			pc.Mode = m.str
		}
	}
	if e := n.get("ExecutionType"); e != nil {
		if e.kind != jsonString || (e.str != "STANDARD" && e.str != "EXPRESS") {
			p.schemaf(location+"/ExecutionType", "Field 'ExecutionType' must be one of [STANDARD, EXPRESS]")
		} else {
			pc.ExecutionType = e.str
		}
	}
	if pc.Mode == "DISTRIBUTED" && pc.ExecutionType == "" {
		p.schemaf(location, "These fields are required: [ExecutionType]")
	}
	return pc
}

// optString returns a string field, reporting a non-string value.
func (p *parser) optString(obj *jsonNode, location, field string) string {
	n := obj.get(field)
	if n == nil {
		return ""
	}
	if n.kind != jsonString {
		p.schemaf(location+"/"+field, "Field '%s' must be a string", field)
		return ""
	}
	return n.str
}

// optBool returns a boolean field, reporting a non-boolean value.
func (p *parser) optBool(obj *jsonNode, location, field string) bool {
	n := obj.get(field)
	if n == nil {
		return false
	}
	if n.kind != jsonBool {
		p.schemaf(location+"/"+field, "Field '%s' must be a boolean", field)
		return false
	}
	return n.boolean
}

// nonNegativeInt reads an integer field that must be >= 0.
func (p *parser) nonNegativeInt(n *jsonNode, location, field string) *int64 {
	if !n.isInteger() {
		p.schemaf(location, "Field '%s' must be an integer", field)
		return nil
	}
	v := n.int64Value()
	if v < 0 {
		p.schemaf(location, "Field '%s' must be non-negative", field)
		return nil
	}
	return &v
}

// positiveInt reads an integer field that must be > 0.
func (p *parser) positiveInt(n *jsonNode, location, field string) *int64 {
	if !n.isInteger() {
		p.schemaf(location, "Field '%s' must be an integer", field)
		return nil
	}
	v := n.int64Value()
	if v <= 0 {
		p.schemaf(location, "Field '%s' must be positive", field)
		return nil
	}
	return &v
}

// isJSONata reports whether s is a JSONata expression string "{% ... %}".
func isJSONata(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// jsonataExpr returns the expression text inside "{% %}".
func jsonataExpr(s string) string {
	return strings.TrimSpace(s[2 : len(s)-2])
}

// stateNameMaxLength is AWS's limit on state names.
const stateNameMaxLength = 80

func (p *parser) checkStateName(name, location string) {
	if p.stateNames[name] {
		p.add(CodeDuplicateStateName, location, fmt.Sprintf("Duplicate State name: %s", name))
	}
	p.stateNames[name] = true
	if len([]rune(name)) > stateNameMaxLength {
		p.add(CodeInvalidStateName, location, fmt.Sprintf("State name '%s' exceeds the maximum length of %d characters", name, stateNameMaxLength))
	}
	if name == "" {
		p.add(CodeInvalidStateName, location, "State name cannot be empty")
	}
}

var stateTypes = []StateType{TypePass, TypeTask, TypeChoice, TypeWait, TypeSucceed, TypeFail, TypeParallel, TypeMap}

// parseState reads one state; machineQL is the language of the machine it belongs to.
func (p *parser) parseState(name string, n *jsonNode, location string, machineQL QueryLanguage) State {
	p.checkStateName(name, location)
	if n.kind != jsonObject {
		p.schemaf(location, "State '%s' must be an object", name)
		return nil
	}
	typeNode := n.get("Type")
	if typeNode == nil {
		p.schemaf(location, "These fields are required: [Type]")
		return nil
	}
	if typeNode.kind != jsonString || !slices.Contains(stateTypes, StateType(typeNode.str)) {
		p.schemaf(location+"/Type", "Field 'Type' must be one of [Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map]")
		return nil
	}
	base := StateBase{Name: name, Type: StateType(typeNode.str), Location: location, QueryLanguage: p.topQL}
	if machineQL != "" {
		base.QueryLanguage = machineQL
	}
	if q := n.get("QueryLanguage"); q != nil {
		ql := p.queryLanguage(q, location)
		if ql == JSONPath && p.topQL == JSONata {
			p.schemaf(location, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
		}
		base.QueryLanguage = ql
	}
	sp := &stateParser{p: p, obj: n, base: &base}
	sp.base.Comment = p.optString(n, location, "Comment")
	switch base.Type {
	case TypePass:
		return sp.parsePass()
	case TypeTask:
		return sp.parseTask()
	case TypeChoice:
		return sp.parseChoice()
	case TypeWait:
		return sp.parseWait()
	case TypeSucceed:
		return sp.parseSucceed()
	case TypeFail:
		return sp.parseFail()
	case TypeParallel:
		return sp.parseParallel()
	default:
		return sp.parseMap()
	}
}
