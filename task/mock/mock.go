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
// ARN ending in "#TestCaseName", as Step Functions Local accepts.
package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/stepflow/stepflow/sfn"
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

	mu     sync.Mutex
	bound  map[string]TestCase   // by execution ARN
	counts map[invocationKey]int // invocations so far
}

type invocationKey struct{ execution, state string }

// New returns an Invoker over a validated cfg; next runs the states a test case does not
// mock (nil: they fail with a States.Runtime error naming their resource).
func New(cfg *Config, next task.Invoker) *Invoker {
	m := &Invoker{cfg: cfg, schedules: map[string][]step{}, next: next, bound: map[string]TestCase{}, counts: map[invocationKey]int{}}
	for name, r := range cfg.MockedResponses {
		m.schedules[name], _ = r.schedule() // Validate has checked every schedule
	}
	return m
}

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
func (m *Invoker) Bind(executionARN string, tc TestCase) error {
	if err := m.Check(tc); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bound[executionARN] = tc
	return nil
}

// Release forgets an execution's test case and invocation counts, once it has ended.
func (m *Invoker) Release(executionARN string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.bound, executionARN)
	for k := range m.counts {
		if k.execution == executionARN {
			delete(m.counts, k)
		}
	}
}

// Invoke answers req from its test case's mocked response, or passes it to the next invoker.
func (m *Invoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	tc, ok := ctx.Value(testCaseKey{}).(TestCase)
	m.mu.Lock()
	if !ok {
		tc, ok = m.bound[req.ExecutionARN]
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
	key := invocationKey{req.ExecutionARN, req.StateName}
	index := m.counts[key]
	m.counts[key]++
	m.mu.Unlock()
	return answer(m.schedules[responseName], index)
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
	var v any
	if err := json.Unmarshal(a.Return, &v); err != nil {
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
