package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task/mock"
)

// Test cases of a mock configuration, as AWS Step Functions Local runs them: StartExecution
// or StartSyncExecution with a stateMachineArn ending in "#TestCaseName" runs the execution
// with that test case's mocked task answers (Config.Mocks).
//
// A Standard execution's ARN is known before it starts (a name is generated when the request
// has none), so the test case is bound to it before the engine runs a single state, and
// released by a goroutine that waits for the execution to end (engine.AwaitExecution). The
// binding is kept in the store (mock.Invoker.KeepIn), so after a restart the execution's
// tasks still run its test case; New starts the waits again for those executions. A
// StartSyncExecution carries the test case in its context, which the engine passes to every
// task of the run. An Express execution started asynchronously gets its ARN from the engine
// (with a random id) and runs detached from the request, so it cannot be bound: such a start
// is refused.

// splitTestCase takes a "#TestCaseName" suffix off the request's state machine ARN and checks
// that the mock configuration has that test case for the state machine machineName.
func (s *Server) splitTestCase(in *startExecutionInput) (string, error) {
	arn, name := mock.SplitTestCase(*in.StateMachineArn)
	if !strings.Contains(*in.StateMachineArn, "#") {
		return "", nil
	}
	if name == "" {
		return "", clientError(codeValidation, "The test case name after '#' is empty: '%s'", *in.StateMachineArn)
	}
	if s.cfg.Mocks == nil {
		return "", clientError(codeValidation, "Test case '%s' cannot run: the server has no mock configuration (stepflow server --mocks FILE)", name)
	}
	*in.StateMachineArn = arn
	return name, nil
}

// checkTestCase validates that the mock configuration has test case name for the machine.
func (s *Server) checkTestCase(machineName, name string) (mock.TestCase, error) {
	tc := mock.TestCase{StateMachine: machineName, Name: name}
	if err := s.cfg.Mocks.Check(tc); err != nil {
		return tc, clientError(codeValidation, "Test case '%s' does not exist: %v", name, err)
	}
	return tc, nil
}

// bindTestCase binds tc to the Standard execution the engine is about to start and returns
// the execution ARN bound ("" when an execution of that name exists already: the engine
// answers for it, idempotently or with ExecutionAlreadyExists, and its binding is kept).
func (s *Server) bindTestCase(ctx context.Context, machineName, executionName string, tc mock.TestCase) (string, error) {
	arn := s.scope.ExecutionARN(machineName, executionName)
	_, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
	if err == nil {
		return "", nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if err := s.cfg.Mocks.Check(tc); err != nil {
		return "", clientError(codeValidation, "Test case '%s' does not exist: %v", tc.Name, err)
	}
	if err := s.cfg.Mocks.Bind(ctx, arn, tc); err != nil {
		return "", err
	}
	return arn, nil
}

// releaseWhenDone forgets an execution's test case once it has ended. When the server closes
// first, the binding stays in the store for the next start.
func (s *Server) releaseWhenDone(arn string) {
	s.waiters.Add(1)
	go func() {
		defer s.waiters.Done()
		rec, err := s.engine.AwaitExecution(s.bg, arn)
		if err != nil || !rec.Status.Terminal() {
			return
		}
		if err := s.cfg.Mocks.Release(context.Background(), arn); err != nil {
			s.logger.Warn("release test case", "execution", arn, "error", err)
		}
	}()
}

// awaitKeptTestCases starts releaseWhenDone for the running executions that a previous run
// of the server bound to a test case.
func (s *Server) awaitKeptTestCases(ctx context.Context) error {
	params := &store.ExecutionListParams{Status: sfn.StatusRunning, MaxResults: 1000}
	for {
		page, err := s.store.ExecutionList(ctx, params)
		if err != nil {
			return fmt.Errorf("list running executions: %w", err)
		}
		for _, e := range page.Executions {
			_, bound, err := s.cfg.Mocks.Bound(ctx, e.ARN)
			if err != nil {
				return err
			}
			if bound {
				s.releaseWhenDone(e.ARN)
			}
		}
		if page.NextToken == "" {
			return nil
		}
		params.NextToken = page.NextToken
	}
}

// expressTestCaseError refuses a test case on an asynchronous Express start.
func expressTestCaseError() error {
	return clientError(codeValidation, "Test cases run on %s state machines with StartExecution and on %s ones with StartSyncExecution", sfn.TypeStandard, sfn.TypeExpress)
}
