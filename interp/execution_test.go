package interp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

type runCase struct {
	name       string
	definition string
	input      string
	tasks      taskFunc
	opts       Options
	status     sfn.ExecutionStatus
	output     string // JSON, for SUCCEEDED
	err, cause string
}

func (c runCase) run(t *testing.T) (*Execution, *driver) {
	t.Helper()
	opts := c.opts
	opts.History = true
	p := compile(t, c.definition, opts)
	input := c.input
	if input == "" {
		input = "{}"
	}
	d := &driver{tasks: c.tasks, t: t}
	e := d.run(p, decode(t, input))
	got := e.Result()
	if got.Status != c.status {
		t.Fatalf("status %s (%s: %s), want %s", got.Status, got.Error, got.Cause, c.status)
	}
	if c.status == sfn.StatusSucceeded {
		if want := decode(t, c.output); !jsonEqual(got.Output, want) {
			t.Errorf("output %s, want %s", encodeJSON(got.Output), c.output)
		}
	}
	if got.Error != c.err || got.Cause != c.cause {
		t.Errorf("error %q cause %q, want %q %q", got.Error, got.Cause, c.err, c.cause)
	}
	return e, d
}

func failTask(name, cause string) taskFunc {
	return func(inv InvokeTask) Event { return TaskFailed{TaskID: inv.TaskID, Error: name, Cause: cause} }
}

// failTimes fails a task n times with the given error, then echoes its input.
func failTimes(n int, name string) taskFunc {
	calls := 0
	return func(inv InvokeTask) Event {
		calls++
		if calls <= n {
			return TaskFailed{TaskID: inv.TaskID, Error: name, Cause: fmt.Sprintf("attempt %d", calls)}
		}
		return TaskSucceeded{TaskID: inv.TaskID, Output: inv.Input}
	}
}

func TestStates(t *testing.T) {
	t.Parallel()
	cases := []runCase{
		{
			name: "pass io processing",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.in","Parameters":{"x.$":"$.v","k":1,"name.$":"$$.State.Name"},
				"ResultPath":"$.out.deep","OutputPath":"$.out","End":true}}}`,
			input:  `{"in":{"v":5}}`,
			status: sfn.StatusSucceeded, output: `{"deep":{"x":5,"k":1,"name":"A"}}`,
		},
		{
			name: "docs/asl.md worked example",
			definition: `{"StartAt": "Add", "States": {"Add": {"Type": "Pass", "InputPath": "$.numbers",
				"Parameters": {"sum.$": "States.MathAdd($.a, $.b)", "who.$": "$$.Execution.Name"},
				"ResultPath": "$.result", "OutputPath": "$.result", "End": true}}}`,
			input:  `{"numbers": {"a": 1, "b": 2}}`,
			status: sfn.StatusSucceeded, output: `{"sum": 3, "who": "exec"}`,
		},
		{
			name: "assign on choice rules and wait, scoped in branches",
			definition: `{"StartAt":"C","States":{"C":{"Type":"Choice","Assign":{"s":"state","r":"state"},
				"Choices":[{"Variable":"$.n","NumericEquals":1,"Assign":{"r":"rule"},"Next":"W"}]},
				"W":{"Type":"Wait","SecondsPath":"$.n","Assign":{"w.$":"$.n"},"Next":"P"},
				"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"inner":1,"s":"shadow"},
				"Parameters":{"s.$":"$s","w.$":"$w"},"End":true}}}],"Next":"Out"},
				"Out":{"Type":"Pass","Parameters":{"s.$":"$s","r.$":"$r","branch.$":"$[0]"},"End":true}}}`,
			input:  `{"n":1}`,
			status: sfn.StatusSucceeded, output: `{"s":"state","r":"rule","branch":{"s":"state","w":1}}`,
		},
		{
			name:       "variables set in a branch stay there",
			definition: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Assign":{"inner":1},"End":true}}}],"Next":"Out"},"Out":{"Type":"Pass","Parameters":{"x.$":"$inner"},"End":true}}}`,
			status:     sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'Out' (entered at the event id #8). The JSONPath '$inner' specified for the field 'x.$' references an undefined variable",
		},
		{
			name:       "result path null keeps input",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":null,"End":true}}}`,
			input:      `{"a":1}`, status: sfn.StatusSucceeded, output: `{"a":1}`,
		},
		{
			name:       "input and output path null",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":null,"Next":"B"},"B":{"Type":"Pass","OutputPath":null,"End":true}}}`,
			input:      `{"a":1}`, status: sfn.StatusSucceeded, output: `{}`,
		},
		{
			name:       "result path match failure",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}}}`,
			input:      `{"a":"text"}`, status: sfn.StatusFailed, err: "States.ResultPathMatchFailure",
			cause: `An error occurred while executing the state 'A' (entered at the event id #2). Unable to apply ResultPath '$.a.b' to input '{"a":"text"}'`,
		},
		{
			name:       "parameters path missing in a pass state",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$.missing"},"End":true}}}`,
			status:     sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{}'",
		},
		{
			name:       "no choice matched",
			definition: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"D"}]},"D":{"Type":"Succeed"}}}`,
			input:      `{"n":2}`, status: sfn.StatusFailed, err: "States.NoChoiceMatched", cause: "No Matches!",
		},
		{
			name: "choice and or not string matches",
			definition: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.s","StringMatches":"log-*.txt"},
				{"Not":{"Variable":"$.n","NumericGreaterThanPath":"$.limit"}},{"Or":[{"Variable":"$.t","TimestampLessThan":"2030-01-01T00:00:00Z"},{"Variable":"$.b","BooleanEquals":true}]}],
				"Next":"Yes"}],"Default":"No"},"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
			input:  `{"s":"log-2024.txt","n":3,"limit":5,"t":"2024-01-01T00:00:00Z","b":false}`,
			status: sfn.StatusSucceeded, output: `"yes"`,
		},
		{
			name:       "choice type mismatch is false",
			definition: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","StringEquals":"1","Next":"Yes"}],"Default":"No"},"Yes":{"Type":"Pass","Result":"yes","End":true},"No":{"Type":"Pass","Result":"no","End":true}}}`,
			input:      `{"n":1}`, status: sfn.StatusSucceeded, output: `"no"`,
		},
		{
			name:       "choice variable missing",
			definition: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.nope","StringEquals":"1","Next":"Yes"}],"Default":"Yes"},"Yes":{"Type":"Succeed"}}}`,
			status:     sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'C' (entered at the event id #2). Invalid path '$.nope' : No results for path: $['nope']",
		},
		{
			name:       "fail with paths",
			definition: `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}}}`,
			input:      `{"e":"MyError","c":"my cause"}`, status: sfn.StatusFailed, err: "MyError", cause: "my cause",
		},
		{
			name:       "wait seconds path negative",
			definition: `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
			input:      `{"s":-1}`, status: sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter references a negative value: $.s == -1",
		},
		{
			name:       "wait timestamp",
			definition: `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2024-01-02T00:00:00Z","Next":"P"},"P":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}`,
			status:     sfn.StatusSucceeded, output: `{"t":"2024-01-02T00:00:00.000Z"}`,
		},
		{
			name: "task result selector and result path",
			definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$"},
				"ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.r","End":true}}}`,
			input: `{"a":1}`, tasks: echoTasks, status: sfn.StatusSucceeded, output: `{"a":1,"r":{"p":{"a":1}}}`,
		},
		{
			name: "task parameter path failure is catchable",
			definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"x.$":"$.missing"},
				"Catch":[{"ErrorEquals":["States.ParameterPathFailure"],"ResultPath":"$.err","Next":"D"}],"End":true},"D":{"Type":"Pass","OutputPath":"$.err.Error","End":true}}}`,
			tasks: echoTasks, status: sfn.StatusSucceeded, output: `"States.ParameterPathFailure"`,
		},
		{
			name: "retry then succeed",
			definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Parameters":{"n.$":"$$.State.RetryCount"},
				"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":3,"IntervalSeconds":2,"BackoffRate":3,"MaxDelaySeconds":5}],"End":true}}}`,
			tasks: failTimes(2, "Boom"), status: sfn.StatusSucceeded, output: `{"n":2}`,
		},
		{
			name: "retry exhausted then catch",
			definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
				"Retry":[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"D"}],"End":true},"D":{"Type":"Pass","End":true}}}`,
			tasks: failTimes(5, "Boom"), status: sfn.StatusSucceeded, output: `{"Error":"Boom","Cause":"attempt 2"}`,
		},
		{
			name: "max attempts zero never retries",
			definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
				"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":0},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}],"End":true}}}`,
			tasks: failTimes(1, "Boom"), status: sfn.StatusFailed, err: "Boom", cause: "attempt 1",
		},
		{
			name: "task timeout",
			definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:slow","TimeoutSeconds":5,
				"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Wrong"},{"ErrorEquals":["States.Timeout"],"ResultPath":"$.e","Next":"D"}],"End":true},
				"Wrong":{"Type":"Fail"},"D":{"Type":"Pass","End":true}}}`,
			tasks: func(InvokeTask) Event { return nil }, status: sfn.StatusSucceeded, output: `{"e":{"Error":"States.Timeout"}}`,
		},
		{
			name:       "heartbeat timeout",
			definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:slow","HeartbeatSeconds":3,"End":true}}}`,
			tasks:      func(InvokeTask) Event { return nil }, status: sfn.StatusFailed, err: "States.HeartbeatTimeout",
		},
		{
			name:       "execution timeout",
			definition: `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`,
			status:     sfn.StatusTimedOut, err: "States.Timeout",
		},
		{
			name: "parallel outputs in branch order",
			definition: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Parameters":{"b":0},"End":true}}},
				{"StartAt":"Q","States":{"Q":{"Type":"Pass","Result":{"b":1},"End":true}}}],"ResultSelector":{"all.$":"$"},"End":true}}}`,
			tasks: echoTasks, status: sfn.StatusSucceeded, output: `{"all":[{"b":0},{"b":1}]}`,
		},
		{
			name: "parallel branch failure carries its error",
			definition: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:never","End":true}}},
				{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"item failed"}}}],"End":true}}}`,
			tasks: func(InvokeTask) Event { return nil }, status: sfn.StatusFailed, err: "Boom", cause: "item failed",
		},
		{
			name: "map item selector and variables",
			definition: `{"StartAt":"V","States":{"V":{"Type":"Pass","Assign":{"k":10},"Next":"M"},"M":{"Type":"Map","ItemsPath":"$.items",
				"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$k"},
				"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}},"End":true}}}`,
			input: `{"items":["a","b","c"]}`, tasks: echoTasks, status: sfn.StatusSucceeded,
			output: `[{"i":0,"v":"a","k":10},{"i":1,"v":"b","k":10},{"i":2,"v":"c","k":10}]`,
		},
		{
			name: "map tolerated failures",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
				"ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"P"},
				"F":{"Type":"Fail","Error":"Two"},"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `[1,2,3]`, status: sfn.StatusSucceeded, output: `[1,{"Error":"Two"},3]`,
		},
		{
			name: "map tolerated failures exceeded",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentage":10,
				"ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Always"}}},"End":true}}}`,
			input: `[1,2,3]`, status: sfn.StatusFailed, err: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded",
		},
		{
			name: "map negative tolerated count from a path",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCountPath":"$.n","ItemsPath":"$.items",
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `{"n":-1,"items":[1]}`, status: sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'M' (entered at the event id #2). ToleratedFailureCount cannot be negative.",
		},
		{
			name: "map negative tolerated count from JSONata",
			definition: `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":"{% $states.input.n %}","Items":"{% $states.input.items %}",
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `{"n":-3,"items":[1]}`, status: sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'M' (entered at the event id #2). ToleratedFailureCount cannot be negative.",
		},
		{
			name: "map tolerated percentage over 100 from a path",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentagePath":"$.p","ItemsPath":"$.items",
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `{"p":100.5,"items":[1]}`, status: sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'M' (entered at the event id #2). ToleratedFailurePercentage must be between 0 and 100.",
		},
		{
			name: "map negative tolerated percentage from JSONata",
			definition: `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentage":"{% $states.input.p %}","Items":"{% $states.input.items %}",
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `{"p":-0.5,"items":[1]}`, status: sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'M' (entered at the event id #2). ToleratedFailurePercentage must be between 0 and 100.",
		},
		{
			name: "map tolerated percentage path not a number",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentagePath":"$.p","ItemsPath":"$.items",
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `{"p":"half","items":[1]}`, status: sfn.StatusFailed, err: "States.Runtime",
			cause: "An error occurred while executing the state 'M' (entered at the event id #2). The ToleratedFailurePercentagePath field refers to value \"half\" which is not a valid float: $.p",
		},
		{
			name: "map tolerated zero from a path still tolerates nothing",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCountPath":"$.n","ItemsPath":"$.items",
				"ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}},"End":true}}}`,
			input: `{"n":0,"items":[1]}`, status: sfn.StatusFailed, err: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded",
		},
		{
			name: "map batches",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"x":1}},
				"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `[1,2,3]`, status: sfn.StatusSucceeded, output: `[{"BatchInput":{"x":1},"Items":[1,2]},{"BatchInput":{"x":1},"Items":[3]}]`,
		},
		{
			name:       "intrinsic failure",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"States.StringToJson($.s)"},"End":true}}}`,
			input:      `{"s":"not json"}`, status: sfn.StatusFailed, err: "States.IntrinsicFailure",
			cause: `The argument of States.StringToJson is not valid JSON: "not json"`,
		},
		{
			name:       "payload limit",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"` + strings.Repeat("x", 100) + `","End":true}}}`,
			opts:       Options{PayloadLimit: 50}, status: sfn.StatusFailed, err: "States.DataLimitExceeded",
			cause: "The state/task 'A' returned a result with a size exceeding the maximum number of bytes service limit.",
		},
		{
			name: "context object",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Id","name.$":"$$.Execution.Name","start.$":"$$.Execution.StartTime",
				"input.$":"$$.Execution.Input","sm.$":"$$.StateMachine.Name","role.$":"$$.Execution.RoleArn"},"End":true}}}`,
			input: `{"x":1}`, status: sfn.StatusSucceeded,
			output: `{"id":"arn:aws:states:us-east-1:123456789012:execution:machine:exec","name":"exec","start":"2024-01-01T00:00:00.000Z","input":{"x":1},"sm":"machine","role":"arn:aws:iam::123456789012:role/role"}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

func TestIntrinsicFailureCause(t *testing.T) {
	t.Parallel()
	// The cause text is the intrinsic package's; only its presence is this package's business.
	c := runCase{definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"States.StringToJson($.s)"},"End":true}}}`, input: `{"s":"{"}`}
	p := compile(t, c.definition, Options{})
	d := &driver{t: t}
	e := d.run(p, decode(t, c.input))
	if r := e.Result(); r.Error != "States.IntrinsicFailure" || r.Cause == "" {
		t.Fatalf("got %q %q, want States.IntrinsicFailure with a cause", r.Error, r.Cause)
	}
}

func TestRetryDelays(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
		"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":4,"IntervalSeconds":2,"BackoffRate":3,"MaxDelaySeconds":10}],"End":true}}}`
	p := compile(t, def, Options{})
	d := &driver{tasks: failTimes(10, "Boom"), t: t}
	var fired []time.Duration
	tasks := d.tasks
	d.tasks = func(inv InvokeTask) Event {
		fired = append(fired, d.now.Sub(testStart))
		return tasks(inv)
	}
	e := d.run(p, map[string]any{})
	if r := e.Result(); r.Status != sfn.StatusFailed || r.Error != "Boom" {
		t.Fatalf("result %+v", r)
	}
	want := []time.Duration{0, 2 * time.Second, 8 * time.Second, 18 * time.Second, 28 * time.Second}
	if fmt.Sprint(fired) != fmt.Sprint(want) {
		t.Fatalf("attempts at %v, want %v", fired, want)
	}
}

func TestFullJitterIsDeterministic(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
		"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":3,"IntervalSeconds":10,"JitterStrategy":"FULL"}],"End":true}}}`
	p := compile(t, def, Options{})
	timers := func() string {
		d := &driver{tasks: failTimes(10, "Boom"), t: t}
		d.run(p, map[string]any{})
		return fmt.Sprint(d.now)
	}
	first, second := timers(), timers()
	if first != second {
		t.Fatalf("same seed, different delays: %s vs %s", first, second)
	}
	if first == testStart.Add(70*time.Second).String() {
		t.Fatalf("FULL jitter gave the un-jittered delays")
	}
}
