// Package mock answers Task states from a mock configuration file in AWS Step Functions
// Local's format, so a definition's paths can be tested without calling anything: any
// resource (Lambda, dynamodb:putItem, sqs:sendMessage, aws-sdk:*, ...) can be mocked.
//
// An execution runs a test case of a state machine: the test case maps state names to mocked
// responses, and each response answers the state's successive invocations (retries
// included) in order. States the test case does not mock go to the next invoker, as Step
// Functions Local calls the real service for them; with no next invoker they fail with
// States.Runtime naming the resource.
//
// The test case of an execution comes from its context (WithTestCase, what `stepflow test`
// uses) or from Bind, which the API server calls when StartExecution names a state machine
// ARN ending in "#TestCaseName", as Step Functions Local accepts. With KeepIn, bindings and
// the invocations answered so far are kept in the store, so a restarted server answers a
// resumed execution's tasks from the same test case, at the same place in each response.
package mock

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// TestCase names the test case an execution runs.
type TestCase struct {
	StateMachine string // the state machine's name in the mock file
	Name         string
}

type testCaseKey struct{}

// WithTestCase makes invocations under ctx use tc.
func WithTestCase(ctx context.Context, tc TestCase) context.Context {
	return context.WithValue(ctx, testCaseKey{}, tc)
}

// SplitTestCase splits "arn:...:stateMachine:NAME#CASE" into the state machine ARN and the
// test case name ("" when there is no "#").
func SplitTestCase(stateMachineARN string) (arn, testCase string) {
	arn, testCase, _ = strings.Cut(stateMachineARN, "#")
	return arn, testCase
}

// Invoker answers mocked states and passes the others to Next.
type Invoker struct {
	cfg       *Config
	schedules map[string][]step
	next      task.Invoker
	kept      TagStore // nil: bindings live in memory only

	mu    sync.Mutex
	bound map[string]TestCase // by execution ARN
	// answered lists, per execution and state, the idempotency keys of the invocations
	// answered so far: an invocation's index is its key's position, so a task that runs again
	// (re-dispatched after a restart or a lost lease) gets the answer it got before.
	answered map[invocationKey][]string
}

type invocationKey struct{ execution, state string }

// TagStore is where KeepIn keeps bindings: the tags of the execution's ARN, which the API
// never shows (AWS tags state machines and activities, not executions).
type TagStore interface {
	TagSet(ctx context.Context, params *store.TagSetParams) error
	TagDelete(ctx context.Context, params *store.TagDeleteParams) error
	TagList(ctx context.Context, params *store.TagListParams) ([]store.Tag, error)
}

// Tag keys under the execution's ARN: the test case, and per state the answered invocations.
const (
	tagPrefix         = "stepflow:mock:"
	testCaseTag       = tagPrefix + "test-case"
	answeredTagPrefix = tagPrefix + "answered:"
)

// New returns an Invoker over a validated cfg; next runs the states a test case does not
// mock (nil: they fail with a States.Runtime error naming their resource).
func New(cfg *Config, next task.Invoker) *Invoker {
	m := &Invoker{cfg: cfg, schedules: map[string][]step{}, next: next, bound: map[string]TestCase{}, answered: map[invocationKey][]string{}}
	for name, r := range cfg.MockedResponses {
		m.schedules[name], _ = r.schedule() // Validate has checked every schedule
	}
	return m
}

// KeepIn makes Bind, Release and the answers of bound executions durable in st; call it
// before the engine starts, which re-dispatches the tasks of running executions.
func (m *Invoker) KeepIn(st TagStore) { m.kept = st }

// Check reports whether tc names a test case of the file, with an error saying what is missing.
func (m *Invoker) Check(tc TestCase) error {
	sm, ok := m.cfg.StateMachines[tc.StateMachine]
	if !ok {
		return fmt.Errorf("state machine %q has no test cases in the mock file (it has: %s)", tc.StateMachine, strings.Join(sortedKeys(m.cfg.StateMachines), ", "))
	}
	if _, ok := sm.TestCases[tc.Name]; !ok {
		return fmt.Errorf("state machine %q has no test case %q in the mock file (it has: %s)", tc.StateMachine, tc.Name, strings.Join(sortedKeys(sm.TestCases), ", "))
	}
	return nil
}

// Bind makes the execution executionARN run tc, after checking it exists.
func (m *Invoker) Bind(ctx context.Context, executionARN string, tc TestCase) error {
	if err := m.Check(tc); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kept != nil {
		value, _ := json.Marshal(keptTestCase(tc))
		if err := m.kept.TagSet(ctx, &store.TagSetParams{ResourceARN: executionARN, Tags: []store.Tag{{Key: testCaseTag, Value: string(value)}}}); err != nil {
			return fmt.Errorf("keep test case of %s: %w", executionARN, err)
		}
	}
	m.bound[executionARN] = tc
	return nil
}

// keptTestCase is a binding as stored.
type keptTestCase struct {
	StateMachine string `json:"stateMachine"`
	Name         string `json:"testCase"`
}

// Release forgets an execution's test case and answered invocations, once it has ended.
func (m *Invoker) Release(ctx context.Context, executionARN string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.bound, executionARN)
	for k := range m.answered {
		if k.execution == executionARN {
			delete(m.answered, k)
		}
	}
	if m.kept == nil {
		return nil
	}
	tags, err := m.kept.TagList(ctx, &store.TagListParams{ResourceARN: executionARN})
	if err != nil {
		return fmt.Errorf("release test case of %s: %w", executionARN, err)
	}
	var keys []string
	for _, t := range tags {
		if strings.HasPrefix(t.Key, tagPrefix) {
			keys = append(keys, t.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if err := m.kept.TagDelete(ctx, &store.TagDeleteParams{ResourceARN: executionARN, Keys: keys}); err != nil {
		return fmt.Errorf("release test case of %s: %w", executionARN, err)
	}
	return nil
}

// Bound reports the test case bound to an execution, reading what KeepIn kept when this
// process has not bound it (the execution started before a restart).
func (m *Invoker) Bound(ctx context.Context, executionARN string) (TestCase, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.boundLocked(ctx, executionARN)
}

func (m *Invoker) boundLocked(ctx context.Context, executionARN string) (TestCase, bool, error) {
	if tc, ok := m.bound[executionARN]; ok || m.kept == nil {
		return tc, ok, nil
	}
	tags, err := m.kept.TagList(ctx, &store.TagListParams{ResourceARN: executionARN})
	if err != nil {
		return TestCase{}, false, fmt.Errorf("read test case of %s: %w", executionARN, err)
	}
	var tc TestCase
	found := false
	for _, t := range tags {
		switch {
		case t.Key == testCaseTag:
			var kept keptTestCase
			if err := json.Unmarshal([]byte(t.Value), &kept); err != nil {
				return TestCase{}, false, fmt.Errorf("read test case of %s: %w", executionARN, err)
			}
			tc, found = TestCase(kept), true
		case strings.HasPrefix(t.Key, answeredTagPrefix):
			var keys []string
			if err := json.Unmarshal([]byte(t.Value), &keys); err != nil {
				return TestCase{}, false, fmt.Errorf("read answered invocations of %s: %w", executionARN, err)
			}
			m.answered[invocationKey{executionARN, strings.TrimPrefix(t.Key, answeredTagPrefix)}] = keys
		}
	}
	if !found {
		return TestCase{}, false, nil
	}
	// A test case the mock file no longer has (edited between runs) answers nothing: the
	// states go on to the next invoker, as for an execution without a test case.
	if m.Check(tc) != nil {
		return TestCase{}, false, nil
	}
	m.bound[executionARN] = tc
	return tc, true, nil
}

// Invoke answers req from its test case's mocked response, or passes it to the next invoker.
func (m *Invoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	tc, ok := ctx.Value(testCaseKey{}).(TestCase)
	keep := false
	m.mu.Lock()
	if !ok {
		var err error
		if tc, ok, err = m.boundLocked(ctx, req.ExecutionARN); err != nil {
			m.mu.Unlock()
			return nil, err
		}
		keep = ok && m.kept != nil
	}
	responseName := ""
	if ok {
		responseName = m.cfg.StateMachines[tc.StateMachine].TestCases[tc.Name][req.StateName]
	}
	if responseName == "" {
		m.mu.Unlock()
		if m.next == nil {
			return Unconfigured.Invoke(ctx, req)
		}
		return m.next.Invoke(ctx, req)
	}
	index, err := m.invocationIndex(ctx, req, keep)
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return answer(m.schedules[responseName], index)
}

// invocationIndex numbers req among its state's invocations in its execution: a new
// idempotency key (or none) is the next invocation, a known one keeps its number. With keep
// the list is stored before the answer is given, so a restart cannot give it twice.
func (m *Invoker) invocationIndex(ctx context.Context, req *task.Request, keep bool) (int, error) {
	key := invocationKey{req.ExecutionARN, req.StateName}
	answered := m.answered[key]
	if req.IdempotencyKey != "" {
		for i, k := range answered {
			if k == req.IdempotencyKey {
				return i, nil
			}
		}
	}
	answered = append(answered, req.IdempotencyKey)
	if keep {
		value, _ := json.Marshal(answered)
		if err := m.kept.TagSet(ctx, &store.TagSetParams{ResourceARN: req.ExecutionARN,
			Tags: []store.Tag{{Key: answeredTagPrefix + req.StateName, Value: string(value)}}}); err != nil {
			return 0, fmt.Errorf("keep answered invocations of %s: %w", req.ExecutionARN, err)
		}
	}
	m.answered[key] = answered
	return len(answered) - 1, nil
}

// answer is the answer for invocation index; past the last key, the last answer repeats.
func answer(steps []step, index int) (any, error) {
	a := steps[len(steps)-1].answer
	for _, s := range steps {
		if index >= s.first && index <= s.last {
			a = s.answer
			break
		}
	}
	if a.Throw != nil {
		return nil, &task.Error{Name: a.Throw.Error, Cause: a.Throw.Cause}
	}
	v, err := jsonvalue.Decode(a.Return) // in document order, as the mocked service returned it
	if err != nil {
		return nil, fmt.Errorf("decode mocked Return: %w", err)
	}
	return v, nil
}

// Unconfigured fails every task with a States.Runtime error that names the resource and
// how to give it a runner. Register it as the task router's fallback (HandleOther).
var Unconfigured task.Invoker = task.InvokerFunc(func(_ context.Context, req *task.Request) (any, error) {
	return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf(
		"no task runner is configured for resource %s (state %q); configure a mock for the state in a test case (stepflow test --mocks FILE --case NAME) or a task runner for the resource",
		req.Resource.ARN, req.StateName)}
})
