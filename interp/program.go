package interp

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/asl/intrinsic"
	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/jsonata"
	"github.com/stepflow/stepflow/sfn"
)

// Options tune how executions of a Program run.
type Options struct {
	// PayloadLimit is the largest state input or output, in bytes of JSON; 0 means no limit.
	// Callers usually pass sfn.DefaultPayloadLimit.
	PayloadLimit int
	// History makes executions emit AWS history events. Without it (the Express fast path)
	// only the result is kept and no event is allocated.
	History bool
	// MaxHistoryEvents is the history quota of a Standard execution, sfn.HistoryEventLimit on
	// AWS: the event that would be number MaxHistoryEvents is ExecutionSucceeded or else an
	// ExecutionFailed (States.Runtime) that ends the execution. Events are counted whether
	// or not History records them. 0 means no limit (Express executions).
	MaxHistoryEvents int
	// ExpressionTimeLimit bounds one JSONata evaluation; 0 means DefaultExpressionTimeLimit.
	// It is the one place wall time reaches the interpreter: a safety valve against
	// expressions that never end (a tail-recursive loop does not grow the evaluation depth),
	// not a behaviour a definition can rely on.
	ExpressionTimeLimit time.Duration
	// Context, when set, is the Context object ($$, $states.context) of every state, as
	// given (TestState's context member: an object, a *jsonvalue.Object keeping its keys in
	// the order they were given); inside a Map iteration its Map member is added.
	Context any
	// ExpressChildTimeLimit is how long a Distributed Map's EXPRESS child execution may run
	// before it times out; 0 means sfn.ExpressDurationLimit, AWS's five minutes. Tests and
	// virtual-time runs lower it to reach the limit without waiting for it.
	ExpressChildTimeLimit time.Duration
}

// DefaultExpressionTimeLimit is the time one JSONata evaluation may take by default.
const DefaultExpressionTimeLimit = 10 * time.Second

// Program is a compiled state machine definition. It is immutable and shared by all of the
// definition's executions.
type Program struct {
	opts           Options
	def            *asl.StateMachine
	root           *machine
	states         []*state // every state of every nested machine; Frame.State indexes it
	timeoutSeconds int64
	err            error // the first template that failed to compile
}

// machine is a compiled StartAt/States pair: the top level, a Parallel branch or a Map
// item processor.
type machine struct {
	def   *asl.StateMachine
	start *state
}

// state is one state with everything resolved once: transitions as pointers, templates
// compiled, history event types chosen.
type state struct {
	index   int
	name    string
	typ     asl.StateType
	def     asl.State
	base    *asl.StateBase
	next    *state
	entered sfn.EventType
	exited  sfn.EventType
	// pathFailure is the error raised when a path in a payload template finds nothing.
	pathFailure string
	jsonata     bool // the state's query language is JSONata

	arguments   *template // JSONata
	output      *template // JSONata
	catchOutput []*template

	parameters     *template
	resultSelector *template
	assign         *template
	catchNext      []*state
	catchAssign    []*template

	// Choice
	rules       []rule
	defaultNext *state
	// Task
	task          *taskResource
	credentials   *template
	timeoutExpr   *template // JSONata
	heartbeatExpr *template
	// Wait (JSONata)
	secondsExpr   *template
	timestampExpr *template
	// Fail (JSONata)
	errorExpr *template
	causeExpr *template
	// Parallel
	branches []*machine
	// Map
	processor    *machine
	itemSelector *template
	batchInput   *template
	// Map ItemReader and ResultWriter
	readerParams       *template // Parameters or Arguments
	readerConfig       *template
	readerMaxItemsPath *jsonpath.Path // ReaderConfig.MaxItemsPath (JSONPath)
	writerParams       *template
	writerConfig       *template
	// Map (JSONata)
	items              *template
	maxConcurrencyExpr *template
	toleratedCountExpr *template
	toleratedPctExpr   *template
}

// input is the template that builds a Task's or Parallel's input: Parameters or Arguments.
func (st *state) input() *template {
	if st.jsonata {
		return st.arguments
	}
	return st.parameters
}

// rule is a top-level Choice rule with its target resolved.
type rule struct {
	def       *asl.ChoiceRule
	next      *state
	assign    *template
	condition *template // JSONata
	output    *template // JSONata
}

// Compile checks that a definition can run and prepares it for execution.
func Compile(sm *asl.StateMachine, opts Options) (*Program, error) {
	if sm == nil {
		return nil, fmt.Errorf("compile: no state machine")
	}
	p := &Program{opts: opts, def: sm}
	if sm.TimeoutSeconds != nil {
		p.timeoutSeconds = *sm.TimeoutSeconds
	}
	root, err := p.compileMachine(sm)
	if err != nil {
		return nil, err
	}
	p.root = root
	return p, nil
}

func (p *Program) compileMachine(sm *asl.StateMachine) (*machine, error) {
	m := &machine{def: sm}
	local := make(map[string]*state, len(sm.States))
	names := sm.Order
	if len(names) == 0 {
		for name := range sm.States {
			names = append(names, name)
		}
		slices.Sort(names)
	}
	for _, name := range names {
		def := sm.States[name]
		if def == nil {
			return nil, fmt.Errorf("compile %s: state %q has no definition", machineLocation(sm), name)
		}
		b := def.Base()
		st := &state{index: len(p.states), name: name, typ: b.Type, def: def, base: b, jsonata: b.QueryLanguage == asl.JSONata}
		st.entered, st.exited = eventTypes(b.Type)
		p.states = append(p.states, st)
		local[name] = st
	}
	start, ok := local[sm.StartAt]
	if !ok {
		return nil, fmt.Errorf("compile %s: StartAt %q is not a state", machineLocation(sm), sm.StartAt)
	}
	m.start = start
	resolve := func(from, to string) (*state, error) {
		st, ok := local[to]
		if !ok {
			return nil, fmt.Errorf("compile state %q: transition to %q, which is not a state of its machine", from, to)
		}
		return st, nil
	}
	for _, name := range names {
		st := local[name]
		if err := p.compileState(st, resolve); err != nil {
			return nil, err
		}
		if p.err != nil {
			return nil, fmt.Errorf("compile state %q: %w", name, p.err)
		}
	}
	return m, nil
}

func machineLocation(sm *asl.StateMachine) string {
	if sm.Location == "" {
		return "state machine"
	}
	return sm.Location
}

func (p *Program) compileState(st *state, resolve func(from, to string) (*state, error)) error {
	b := st.base
	var err error
	if b.Next != "" && !b.End {
		if st.next, err = resolve(st.name, b.Next); err != nil {
			return err
		}
	}
	st.pathFailure = sfn.ErrorParameterPathFailure
	if st.typ == asl.TypePass || st.typ == asl.TypeChoice || st.typ == asl.TypeWait ||
		st.typ == asl.TypeSucceed || st.typ == asl.TypeFail {
		st.pathFailure = sfn.ErrorRuntime
	}
	st.parameters = p.tmpl(b.Parameters, "Parameters")
	st.resultSelector = p.tmpl(b.ResultSelector, "ResultSelector")
	st.assign = p.tmpl(b.Assign, "Assign")
	st.arguments = p.tmpl(b.Arguments, "Arguments")
	st.output = p.tmpl(b.Output, "Output")
	for _, c := range b.Catch {
		next, err := resolve(st.name, c.Next)
		if err != nil {
			return err
		}
		st.catchNext = append(st.catchNext, next)
		st.catchAssign = append(st.catchAssign, p.tmpl(c.Assign, "Assign"))
		st.catchOutput = append(st.catchOutput, p.tmpl(c.Output, "Output"))
	}
	switch def := st.def.(type) {
	case *asl.Choice:
		for i := range def.Choices {
			r := &def.Choices[i]
			next, err := resolve(st.name, r.Next)
			if err != nil {
				return err
			}
			assign := p.tmpl(r.Assign, "Assign")
			if assign != nil {
				assign = mergeAssign(st.assign, assign)
			}
			st.rules = append(st.rules, rule{def: r, next: next, assign: assign,
				condition: p.tmpl(r.Condition, "Condition"), output: p.tmpl(r.Output, "Output")})
		}
		if def.Default != "" {
			if st.defaultNext, err = resolve(st.name, def.Default); err != nil {
				return err
			}
		}
	case *asl.Task:
		st.task = parseTaskResource(def.Resource)
		st.credentials = p.tmpl(def.Credentials, "Credentials")
		st.timeoutExpr = p.tmpl(def.TimeoutSecondsExpr, "TimeoutSeconds")
		st.heartbeatExpr = p.tmpl(def.HeartbeatSecondsExpr, "HeartbeatSeconds")
	case *asl.Parallel:
		for _, branch := range def.Branches {
			m, err := p.compileMachine(branch)
			if err != nil {
				return err
			}
			st.branches = append(st.branches, m)
		}
	case *asl.Map:
		if def.ItemProcessor == nil {
			return fmt.Errorf("compile state %q: Map has no ItemProcessor", st.name)
		}
		m, err := p.compileMachine(def.ItemProcessor)
		if err != nil {
			return err
		}
		st.processor = m
		st.itemSelector = p.tmpl(def.ItemSelector, "ItemSelector")
		st.items = p.tmpl(def.Items, "Items")
		st.maxConcurrencyExpr = p.tmpl(def.MaxConcurrencyExpr, "MaxConcurrency")
		st.toleratedCountExpr = p.tmpl(def.ToleratedFailureCountExpr, "ToleratedFailureCount")
		st.toleratedPctExpr = p.tmpl(def.ToleratedFailurePercentageExpr, "ToleratedFailurePercentage")
		if def.ItemBatcher != nil {
			st.batchInput = p.tmpl(def.ItemBatcher.BatchInput, "BatchInput")
		}
		if r := def.ItemReader; r != nil {
			st.readerParams = p.tmpl(r.Parameters, "ItemReader/Parameters")
			if r.Arguments != nil {
				st.readerParams = p.tmpl(r.Arguments, "ItemReader/Arguments")
			}
			st.readerConfig = p.tmpl(r.ReaderConfig, "ItemReader/ReaderConfig")
			if text := maxItemsPath(r.ReaderConfig); text != "" && !st.jsonata {
				if st.readerMaxItemsPath, err = jsonpath.Compile(text); err != nil {
					return fmt.Errorf("compile state %q: ItemReader.ReaderConfig.MaxItemsPath: %w", st.name, err)
				}
			}
		}
		if w := def.ResultWriter; w != nil {
			st.writerParams = p.tmpl(w.Parameters, "ResultWriter/Parameters")
			if w.Arguments != nil {
				st.writerParams = p.tmpl(w.Arguments, "ResultWriter/Arguments")
			}
			st.writerConfig = p.tmpl(w.WriterConfig, "ResultWriter/WriterConfig")
		}
	case *asl.Wait:
		st.secondsExpr = p.tmpl(def.SecondsExpr, "Seconds")
		st.timestampExpr = p.tmpl(def.TimestampExpr, "Timestamp")
	case *asl.Fail:
		st.errorExpr = p.tmpl(def.ErrorExpr, "Error")
		st.causeExpr = p.tmpl(def.CauseExpr, "Cause")
	}
	return nil
}

// maxItemsPath is the text of a ReaderConfig's MaxItemsPath, or "".
func maxItemsPath(cfg *asl.Template) string {
	if cfg == nil {
		return ""
	}
	if m, ok := jsonvalue.AsObject(cfg.Literal); ok && cfg.Kind == asl.TemplateLiteral {
		v, _ := m.Get("MaxItemsPath")
		text, _ := v.(string)
		return text
	}
	for _, field := range cfg.Fields {
		if text, ok := field.Value.Literal.(string); ok && field.Key == "MaxItemsPath" && field.Value.Kind == asl.TemplateLiteral {
			return text
		}
	}
	return ""
}

func eventTypes(t asl.StateType) (entered, exited sfn.EventType) {
	switch t {
	case asl.TypePass:
		return sfn.EventPassStateEntered, sfn.EventPassStateExited
	case asl.TypeTask:
		return sfn.EventTaskStateEntered, sfn.EventTaskStateExited
	case asl.TypeChoice:
		return sfn.EventChoiceStateEntered, sfn.EventChoiceStateExited
	case asl.TypeWait:
		return sfn.EventWaitStateEntered, sfn.EventWaitStateExited
	case asl.TypeSucceed:
		return sfn.EventSucceedStateEntered, sfn.EventSucceedStateExited
	case asl.TypeFail:
		return sfn.EventFailStateEntered, ""
	case asl.TypeParallel:
		return sfn.EventParallelStateEntered, sfn.EventParallelStateExited
	case asl.TypeMap:
		return sfn.EventMapStateEntered, sfn.EventMapStateExited
	}
	return "", ""
}

// taskResource is a Task's Resource with the names AWS uses for it in history events.
type taskResource struct {
	sfn.Resource
	resourceType string // "lambda" for arn:aws:states:::lambda:invoke
	resource     string // "invoke", "invoke.waitForTaskToken"
}

func parseTaskResource(arn string) *taskResource {
	r := &taskResource{Resource: sfn.ParseResource(arn)}
	switch r.Kind {
	case sfn.ResourceIntegration:
		r.resourceType, r.resource = r.Service, r.Action
		if r.Pattern != "" {
			r.resource += "." + r.Pattern
		}
	default:
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) == 6 {
			r.resourceType, r.resource = parts[2], parts[5]
		} else {
			r.resource = arn
		}
	}
	return r
}

// template is a compiled payload template (Parameters, ResultSelector, ItemSelector, Assign,
// Arguments, Output...).
type template struct {
	kind     asl.TemplateKind
	literal  any
	keys     []string
	order    []int // the order of keys in the object built (nil: keys' order)
	values   []*template
	items    []*template
	path     *jsonpath.Path
	call     *intrinsic.Call
	expr     *jsonata.Expr
	field    string // "key.$", for JSONPath error messages
	where    string // "Output/key", for JSONata error messages
	contexty bool   // an intrinsic whose arguments read $$
}

// tmpl compiles a template; a JSONata expression that does not compile is kept in p.err.
func (p *Program) tmpl(t *asl.Template, where string) *template {
	if t == nil {
		return nil
	}
	return p.compileTemplate(t, "", where)
}

func (p *Program) compileTemplate(t *asl.Template, field, where string) *template {
	c := &template{kind: t.Kind, literal: t.Literal, path: t.Path, call: t.Intrinsic, field: field, where: where}
	switch t.Kind {
	case asl.TemplateObject:
		c.order = t.KeyOrder
		c.keys = make([]string, len(t.Fields))
		c.values = make([]*template, len(t.Fields))
		for i, f := range t.Fields {
			c.keys[i] = f.Key
			c.values[i] = p.compileTemplate(f.Value, f.Key+".$", where+"/"+f.Key)
		}
	case asl.TemplateArray:
		c.items = make([]*template, len(t.Items))
		for i, item := range t.Items {
			c.items[i] = p.compileTemplate(item, field, where)
		}
	case asl.TemplateIntrinsic:
		if t.Intrinsic != nil {
			c.contexty = strings.Contains(t.Intrinsic.Text, "$$")
		}
	case asl.TemplateJSONata:
		expr, err := jsonata.CompileWithOptions(t.Expr, definitionJSONata)
		if err != nil {
			// Stepflow once accepted the JSONata 2.1 operators "??" and "?:" (with a warning),
			// which validation now refuses as AWS does: a definition stored then keeps running
			// as it ran, in 2.2, rather than failing its executions after an upgrade
			if legacy, legacyErr := jsonata.Compile(t.Expr); legacyErr == nil {
				expr, err = legacy, nil
			}
		}
		if err != nil && p.err == nil {
			p.err = fmt.Errorf("JSONata expression %q in %s: %w", t.Expr, where, err)
		}
		c.expr = expr
	}
	return c
}
