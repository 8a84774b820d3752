package asl

import (
	"github.com/stepflow/stepflow/asl/intrinsic"
	"github.com/stepflow/stepflow/asl/jsonpath"
)

// QueryLanguage is the language of a state's expressions.
type QueryLanguage string

// The two query languages of ASL. JSONPath is the default.
const (
	JSONPath QueryLanguage = "JSONPath"
	JSONata  QueryLanguage = "JSONata"
)

// StateType is the "Type" field of a state.
type StateType string

// The state types of ASL.
const (
	TypePass     StateType = "Pass"
	TypeTask     StateType = "Task"
	TypeChoice   StateType = "Choice"
	TypeWait     StateType = "Wait"
	TypeSucceed  StateType = "Succeed"
	TypeFail     StateType = "Fail"
	TypeParallel StateType = "Parallel"
	TypeMap      StateType = "Map"
)

// StateMachine is a parsed definition, or one of its nested machines (a Parallel branch, a
// Map ItemProcessor/Iterator), which have the same StartAt/States shape.
type StateMachine struct {
	Comment        string
	StartAt        string
	States         map[string]State
	Order          []string // state names in the order the definition lists them
	TimeoutSeconds *int64   // top level only
	Version        string   // top level only
	QueryLanguage  QueryLanguage
	// ProcessorConfig is set on a Map's ItemProcessor only.
	ProcessorConfig *ProcessorConfig
	// Location is the JSON pointer of this machine: "" for the top level,
	// "/States/P/Branches[0]" or "/States/M/ItemProcessor" for nested ones
	// (array indexes in brackets, as AWS writes locations).
	Location string
}

// State is one state of a machine. Base gives the fields every state type shares; a type
// switch on the concrete type (*Pass, *Task, ...) gives the rest.
type State interface {
	Base() *StateBase
}

// StateBase holds the fields shared by state types. A field a state type does not allow is
// always left zero by Parse (and reported as a diagnostic if present).
type StateBase struct {
	Name          string
	Type          StateType
	Comment       string
	QueryLanguage QueryLanguage // effective: the state's own, else the machine's
	Location      string        // JSON pointer of the state, e.g. "/States/Name"

	Next string
	End  bool

	// JSONPath input/output processing. A zero OptionalPath means the field was absent
	// (default "$"); Null means it was JSON null (discard / empty object, per field).
	InputPath      OptionalPath
	OutputPath     OptionalPath
	ResultPath     OptionalPath // a reference path; Null discards the result
	Parameters     *Template    // Pass, Task, Parallel, Map (JSONPath)
	ResultSelector *Template    // Task, Parallel, Map (JSONPath)

	// JSONata input/output processing and variables (Assign works in both languages).
	Arguments *Template // Task, Parallel (JSONata)
	Output    *Template // every state but Fail (JSONata)
	Assign    *Template // every state but Succeed and Fail; an Object template

	Retry []Retrier // Task, Parallel, Map
	Catch []Catcher // Task, Parallel, Map
}

// Base returns the shared fields.
func (b *StateBase) Base() *StateBase { return b }

// OptionalPath is a path field that may be absent, null, or a compiled path.
type OptionalPath struct {
	Present bool
	Null    bool
	Path    *jsonpath.Path // set when Present && !Null
}

// TemplateKind says what a Template node is.
type TemplateKind int

// Template node kinds.
const (
	TemplateLiteral   TemplateKind = iota // a JSON value used as is (Literal)
	TemplateObject                        // an object whose fields are templates (Fields)
	TemplateArray                         // an array whose items are templates (Items)
	TemplatePath                          // "key.$": "$.x" / "$$.x" / "$var.x" (Path)
	TemplateIntrinsic                     // "key.$": "States.Format(...)" (Intrinsic)
	TemplateJSONata                       // "{% expr %}" string in a JSONata field (Expr)
)

// Template is a compiled payload template: Parameters, ResultSelector, ItemSelector,
// Arguments, Output, Assign, or any JSONata-capable field. Evaluating it yields a JSON value.
type Template struct {
	Kind      TemplateKind
	Literal   any
	Fields    []TemplateField
	Items     []*Template
	Path      *jsonpath.Path
	Intrinsic *intrinsic.Call
	Expr      string // JSONata expression text, without the {% %} delimiters
	Location  string // JSON pointer of the field this node came from
	// KeyOrder is the order, as indexes into Fields, of the keys of the object a
	// TemplateObject builds (nil: the order of Fields). In a JSONPath template AWS puts the
	// plain fields first and the "key.$" fields in java.util.HashMap order
	// (jsonvalue.JavaHashMapOrder), and its output shows that order.
	KeyOrder []int
}

// TemplateField is one field of an object template. Key has the ".$" suffix removed.
type TemplateField struct {
	Key   string
	Value *Template
}

// Retrier is one element of a Retry array.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64   // default 1
	MaxAttempts     int64   // default 3; 0 means never retry
	BackoffRate     float64 // default 2.0
	MaxDelaySeconds *int64
	JitterStrategy  string // "FULL" or "NONE" (default)
	Comment         string
}

// Catcher is one element of a Catch array.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  OptionalPath // JSONPath
	Output      *Template    // JSONata
	Assign      *Template
	Comment     string
}

// Pass passes its input to its output, optionally injecting Result.
type Pass struct {
	StateBase
	HasResult bool
	Result    any
}

// Task runs work named by Resource.
type Task struct {
	StateBase
	Resource string
	// TimeoutSeconds / HeartbeatSeconds: static value, JSONPath "...Path" variant, or a
	// JSONata template. At most one of each group is set.
	TimeoutSeconds       *int64
	TimeoutSecondsPath   *jsonpath.Path
	TimeoutSecondsExpr   *Template
	HeartbeatSeconds     *int64
	HeartbeatSecondsPath *jsonpath.Path
	HeartbeatSecondsExpr *Template
	Credentials          *Template // {"RoleArn": ...} or {"RoleArn.$": ...}
}

// Choice picks the next state by rules.
type Choice struct {
	StateBase
	Choices []ChoiceRule
	Default string
}

// ChoiceRule is a top-level rule (with Next) or a nested one (in And/Or/Not, no Next).
// Exactly one of: And, Or, Not, a comparison (Variable + Operator), or Condition (JSONata).
type ChoiceRule struct {
	Next      string
	Comment   string
	Assign    *Template // top-level rules only
	Output    *Template // top-level rules only, JSONata
	Condition *Template // JSONata: "{% boolean expr %}" or a literal boolean

	And []ChoiceRule
	Or  []ChoiceRule
	Not *ChoiceRule

	Variable *jsonpath.Path
	Operator string // e.g. "StringEquals", "NumericLessThanPath", "IsPresent"
	// Value is the comparison operand: a string, a number (float64, or json.Number for a big
	// integer or a decimal such as 1.0) or bool, or for "...Path" operators a compiled path
	// in ValuePath.
	Value     any
	ValuePath *jsonpath.Path
	Location  string
}

// Wait delays for Seconds, until Timestamp, or by a path / JSONata expression of either.
type Wait struct {
	StateBase
	Seconds       *int64
	SecondsPath   *jsonpath.Path
	SecondsExpr   *Template
	Timestamp     string // RFC 3339, validated
	TimestampPath *jsonpath.Path
	TimestampExpr *Template
}

// Succeed ends the execution (or branch/iteration) successfully.
type Succeed struct {
	StateBase
}

// Fail ends the execution with an error and cause.
type Fail struct {
	StateBase
	Error     string
	ErrorPath *jsonpath.Path // a path or intrinsic (ErrorPath accepts both)
	ErrorCall *intrinsic.Call
	ErrorExpr *Template // JSONata
	Cause     string
	CausePath *jsonpath.Path
	CauseCall *intrinsic.Call
	CauseExpr *Template
	HasError  bool // Error given as a literal (may be "")
	HasCause  bool
}

// Parallel runs its branches concurrently and outputs their outputs in branch order.
type Parallel struct {
	StateBase
	Branches []*StateMachine
}

// Map runs its ItemProcessor once per item.
type Map struct {
	StateBase
	ItemProcessor *StateMachine // from ItemProcessor or the older Iterator
	ItemsPath     OptionalPath  // JSONPath; default "$"
	Items         *Template     // JSONata (or a literal array)
	ItemSelector  *Template     // ItemSelector, or the older Parameters field of Map
	ItemReader    *ItemReader
	ItemBatcher   *ItemBatcher
	ResultWriter  *ResultWriter
	Label         string

	MaxConcurrency     *int64
	MaxConcurrencyPath *jsonpath.Path
	MaxConcurrencyExpr *Template

	ToleratedFailureCount          *int64
	ToleratedFailureCountPath      *jsonpath.Path
	ToleratedFailureCountExpr      *Template
	ToleratedFailurePercentage     *float64
	ToleratedFailurePercentagePath *jsonpath.Path
	ToleratedFailurePercentageExpr *Template
}

// ProcessorConfig says how a Map runs its items.
type ProcessorConfig struct {
	Mode          string // "INLINE" (default) or "DISTRIBUTED"
	ExecutionType string // "STANDARD" or "EXPRESS" (DISTRIBUTED only)
}

// ItemReader reads a Distributed Map's items from a source.
type ItemReader struct {
	Resource     string
	Parameters   *Template // JSONPath
	Arguments    *Template // JSONata
	ReaderConfig *Template // InputType, CSVHeaderLocation, CSVHeaders, MaxItems(Path) ...
}

// ItemBatcher groups a Distributed Map's items into batches.
type ItemBatcher struct {
	MaxItemsPerBatch          *int64
	MaxItemsPerBatchPath      *jsonpath.Path
	MaxInputBytesPerBatch     *int64
	MaxInputBytesPerBatchPath *jsonpath.Path
	BatchInput                *Template
	MaxItemsPerBatchExpr      *Template
	MaxInputBytesPerBatchExpr *Template
}

// ResultWriter writes a Distributed Map's results to a destination.
type ResultWriter struct {
	Resource     string
	Parameters   *Template
	Arguments    *Template
	WriterConfig *Template
}
