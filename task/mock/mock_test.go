package mock

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
)

const mockFile = `{
  "StateMachines": {
    "Orders": {
      "TestCases": {
        "HappyPath": {"Charge": "ChargeOK", "Save": "SaveOK"},
        "RetryPath": {"Charge": "ChargeFlaky", "Save": "SaveOK"},
        "HybridPath": {"Save": "SaveOK"}
      }
    }
  },
  "MockedResponses": {
    "ChargeOK": {"0": {"Return": {"StatusCode": 200, "Payload": {"charged": true}}}},
    "ChargeFlaky": {
      "0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
      "1-2": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "oops"}},
      "3": {"Return": {"Payload": {"charged": true}}}
    },
    "SaveOK": {"0": {"Return": {}}}
  }
}`

func newInvoker(t *testing.T, next task.Invoker) *Invoker {
	cfg, err := ParseConfig([]byte(mockFile), "mocks.json")
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, next)
}

func request(resource, state string) *task.Request {
	return &task.Request{Resource: sfn.ParseResource(resource), StateName: state, ExecutionARN: "arn:aws:states:us-east-1:123456789012:execution:Orders:e1"}
}

func TestInvokeAnswersInvocationsInOrder(t *testing.T) {
	t.Parallel()
	m := newInvoker(t, nil)
	ctx := WithTestCase(context.Background(), TestCase{StateMachine: "Orders", Name: "RetryPath"})
	type outcome struct {
		out   any
		error string
	}
	var got []outcome
	for range 5 {
		out, err := m.Invoke(ctx, request("arn:aws:states:::lambda:invoke", "Charge"))
		o := outcome{out: jsonvalue.Plain(out)}
		if err != nil {
			o.error = task.AsError(err).Error()
		}
		got = append(got, o)
	}
	charged := map[string]any{"Payload": map[string]any{"charged": true}}
	want := []outcome{
		{error: "Lambda.TooManyRequestsException: slow down"},
		{error: "Lambda.ServiceException: oops"},
		{error: "Lambda.ServiceException: oops"},
		{out: charged},
		{out: charged}, // past the last key the last answer repeats
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestInvokeRoutesUnmockedStates(t *testing.T) {
	t.Parallel()
	next := task.InvokerFunc(func(ctx context.Context, req *task.Request) (any, error) { return "real " + req.StateName, nil })
	withNext, alone := newInvoker(t, next), newInvoker(t, nil)
	if err := alone.Bind(context.Background(), "arn:aws:states:us-east-1:123456789012:execution:Orders:e1", TestCase{StateMachine: "Orders", Name: "HybridPath"}); err != nil {
		t.Fatal(err)
	}
	hybrid := WithTestCase(context.Background(), TestCase{StateMachine: "Orders", Name: "HybridPath"})
	tests := []struct {
		name      string
		inv       *Invoker
		ctx       context.Context
		req       *task.Request
		want      any
		wantError string
	}{
		{name: "mocked", inv: withNext, ctx: hybrid, req: request("arn:aws:states:::dynamodb:putItem", "Save"), want: map[string]any{}},
		{name: "not in the test case goes to next", inv: withNext, ctx: hybrid, req: request("arn:aws:states:::lambda:invoke", "Charge"), want: "real Charge"},
		{name: "no test case goes to next", inv: withNext, ctx: context.Background(), req: request("arn:aws:states:::dynamodb:putItem", "Save"), want: "real Save"},
		{name: "bound by execution ARN", inv: alone, ctx: context.Background(), req: request("arn:aws:states:::dynamodb:putItem", "Save"), want: map[string]any{}},
		{name: "unmocked without next", inv: alone, ctx: context.Background(), req: request("arn:aws:states:::sqs:sendMessage", "Notify"),
			wantError: `States.Runtime: no task runner is configured for resource arn:aws:states:::sqs:sendMessage (state "Notify"); configure a mock for the state in a test case (stepflow test --mocks FILE --case NAME) or a task runner for the resource`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := tt.inv.Invoke(tt.ctx, tt.req)
			if tt.wantError != "" {
				var te *task.Error
				if !errors.As(err, &te) || te.Error() != tt.wantError {
					t.Fatalf("error = %v\nwant %s", err, tt.wantError)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(jsonvalue.Plain(out), tt.want) {
				t.Fatalf("got %#v, %v; want %#v", out, err, tt.want)
			}
		})
	}
}

func TestBindAndCheck(t *testing.T) {
	t.Parallel()
	m := newInvoker(t, nil)
	tests := []struct {
		tc   TestCase
		want string
	}{
		{TestCase{"Orders", "HappyPath"}, ""},
		{TestCase{"Billing", "HappyPath"}, `state machine "Billing" has no test cases in the mock file (it has: Orders)`},
		{TestCase{"Orders", "Sad"}, `state machine "Orders" has no test case "Sad" in the mock file (it has: HappyPath, HybridPath, RetryPath)`},
	}
	for _, tt := range tests {
		err := m.Bind(context.Background(), "arn:e", tt.tc)
		if (err == nil && tt.want != "") || (err != nil && err.Error() != tt.want) {
			t.Errorf("Bind(%v) = %v, want %q", tt.tc, err, tt.want)
		}
	}
	arn, tc := SplitTestCase("arn:aws:states:us-east-1:123456789012:stateMachine:Orders#HappyPath")
	if arn != "arn:aws:states:us-east-1:123456789012:stateMachine:Orders" || tc != "HappyPath" {
		t.Fatalf("SplitTestCase = %q, %q", arn, tc)
	}
}

func TestReleaseRestartsCounts(t *testing.T) {
	t.Parallel()
	m := newInvoker(t, nil)
	req := request("arn:aws:states:::lambda:invoke", "Charge")
	if err := m.Bind(context.Background(), req.ExecutionARN, TestCase{"Orders", "RetryPath"}); err != nil {
		t.Fatal(err)
	}
	_, first := m.Invoke(context.Background(), req)
	if err := m.Release(context.Background(), req.ExecutionARN); err != nil {
		t.Fatal(err)
	}
	if err := m.Bind(context.Background(), req.ExecutionARN, TestCase{"Orders", "RetryPath"}); err != nil {
		t.Fatal(err)
	}
	_, again := m.Invoke(context.Background(), req)
	if first == nil || again == nil || first.Error() != again.Error() || first.Error() != "Lambda.TooManyRequestsException: slow down" {
		t.Fatalf("first %v, after release %v", first, again)
	}
}

func TestParseConfigNamesBadField(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, file, want string }{
		{"no state machines", `{"MockedResponses": {}}`, "m.json: StateMachines: is required (an object of state machine name to {\"TestCases\": ...})"},
		{"no responses", `{"StateMachines": {}}`, "m.json: MockedResponses: is required (an object of mocked response name to answers by invocation)"},
		{"unknown field", `{"StateMachines": {}, "MockedResponse": {}}`, `m.json: (file): json: unknown field "MockedResponse"`},
		{"no test cases", `{"StateMachines": {"M": {}}, "MockedResponses": {}}`, "m.json: StateMachines.M.TestCases: is required (an object of test case name to {state name: mocked response name})"},
		{"undefined response", `{"StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}}, "MockedResponses": {}}`, `m.json: StateMachines.M.TestCases.T.S: mocked response "R" is not defined in MockedResponses`},
		{"empty response", `{"StateMachines": {}, "MockedResponses": {"R": {}}}`, `m.json: MockedResponses.R: needs at least one answer, e.g. {"0": {"Return": {}}}`},
		{"bad key", `{"StateMachines": {}, "MockedResponses": {"R": {"first": {"Return": 1}}}}`, `m.json: MockedResponses.R."first": is not an invocation index ("0") or an inclusive range of them ("1-2")`},
		{"backward range", `{"StateMachines": {}, "MockedResponses": {"R": {"2-1": {"Return": 1}}}}`, `m.json: MockedResponses.R."2-1": is not an invocation index ("0") or an inclusive range of them ("1-2")`},
		{"both", `{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}`, `m.json: MockedResponses.R."0": needs exactly one of Return and Throw`},
		{"neither", `{"StateMachines": {}, "MockedResponses": {"R": {"0": {}}}}`, `m.json: MockedResponses.R."0": needs exactly one of Return and Throw`},
		{"throw without error", `{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}`, `m.json: MockedResponses.R."0".Throw.Error: is required: the error name a Retry or Catch matches`},
		{"gap", `{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1}, "2": {"Return": 2}}}}`, `m.json: MockedResponses.R: no answer for invocation 1: keys must cover 0, 1, 2, ... without gaps`},
		{"overlap", `{"StateMachines": {}, "MockedResponses": {"R": {"0-1": {"Return": 1}, "1": {"Return": 2}}}}`, `m.json: MockedResponses.R: invocation 1 is answered twice`},
		{"overlap after the largest index", `{"StateMachines": {}, "MockedResponses": {"R": {"0-9223372036854775807": {"Return": 1}, "5": {"Return": 2}}}}`, `m.json: MockedResponses.R: invocation 5 is answered twice`},
		{"content after the document", `{"StateMachines": {}, "MockedResponses": {}}]`, `m.json: (file): unexpected content after the end of the JSON document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tt.file), "m.json")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestReturnNullIsAnAnswer(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig([]byte(`{"StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": null}}}}`), "m.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := New(cfg, nil).Invoke(WithTestCase(context.Background(), TestCase{"M", "T"}), request("arn:aws:states:::sns:publish", "S"))
	if err != nil || out != nil {
		t.Fatalf("got %#v, %v", out, err)
	}
}

// TestKeptBindingOutlivesTheInvoker: with KeepIn, a second Invoker on the same SQLite file (a
// restarted server) answers a bound execution from its test case, gives a task that runs
// again (same idempotency key) the answer it had, and goes on with the next ones; Release
// removes what was kept.
func TestKeptBindingOutlivesTheInvoker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first := newInvoker(t, nil)
	first.KeepIn(st)
	const arn = "arn:aws:states:us-east-1:123456789012:execution:Orders:e1"
	if err := first.Bind(ctx, arn, TestCase{"Orders", "RetryPath"}); err != nil {
		t.Fatal(err)
	}
	charge := func(inv *Invoker, key string) string {
		t.Helper()
		req := request("arn:aws:states:::lambda:invoke", "Charge")
		req.ExecutionARN, req.IdempotencyKey = arn, key
		out, err := inv.Invoke(ctx, req)
		if err != nil {
			return err.Error()
		}
		return "returned " + strings.TrimSpace(string(must(json.Marshal(out))))
	}
	if got := charge(first, "attempt-0"); got != "Lambda.TooManyRequestsException: slow down" {
		t.Fatalf("first attempt: %s", got)
	}
	if got := charge(first, "attempt-1"); got != "Lambda.ServiceException: oops" {
		t.Fatalf("second attempt: %s", got)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	restarted := newInvoker(t, nil)
	restarted.KeepIn(st)
	for _, tt := range []struct{ key, want string }{
		{"attempt-1", "Lambda.ServiceException: oops"}, // re-dispatched after the restart
		{"attempt-2", "Lambda.ServiceException: oops"},
		{"attempt-3", `returned {"Payload":{"charged":true}}`},
		{"attempt-0", "Lambda.TooManyRequestsException: slow down"},
	} {
		if got := charge(restarted, tt.key); got != tt.want {
			t.Fatalf("after restart, %s: %s, want %s", tt.key, got, tt.want)
		}
	}
	if err := restarted.Release(ctx, arn); err != nil {
		t.Fatal(err)
	}
	tags, err := st.TagList(ctx, &store.TagListParams{ResourceARN: arn})
	if err != nil || len(tags) != 0 {
		t.Fatalf("after Release the store keeps %v (%v)", tags, err)
	}
	again := newInvoker(t, nil)
	again.KeepIn(st)
	if _, bound, err := again.Bound(ctx, arn); bound || err != nil {
		t.Fatalf("after Release: bound %v, %v", bound, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
