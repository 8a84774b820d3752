package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
)

// TestStartsBeyondTheStoreAreThrottled: while the store cannot take a start (another
// connection holds the SQLite file's write lock), the server runs MaxStartsInFlight starts,
// queues MaxStartsQueued more and answers every further one ThrottlingException at once, in
// the shape the AWS SDK for Go's retryer takes for a throttle; once the store takes writes
// again every admitted start succeeds, and a start the SDK retried after a throttle does too.
func TestStartsBeyondTheStoreAreThrottled(t *testing.T) {
	t.Parallel()
	const inFlight, queued, beyond = 4, 8, 20
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	router := task.NewRouter()
	eng, err := engine.New(engine.Config{Store: st, Invoker: router, Scope: sfn.DefaultScope, NodeID: "admission-test"})
	if err != nil {
		t.Fatal(err)
	}
	engineCtx, stopEngine := context.WithCancel(ctx)
	if err := eng.Start(engineCtx); err != nil {
		t.Fatal(err)
	}
	// The queue wait is long: the starts queued here wait for the lock to go, not for a clock.
	handler, err := New(Config{Engine: eng, Invoker: router, MaxStartsInFlight: inFlight, MaxStartsQueued: queued, StartQueueWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(func() {
		handler.Close()
		srv.CloseClientConnections()
		srv.Close()
		stopEngine()
		eng.Close(context.Background())
		st.Close()
	})
	client := func(retryer aws.Retryer) *awssfn.Client {
		return awssfn.New(awssfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
			Credentials: aws.AnonymousCredentials{}, Retryer: retryer, HTTPClient: &http.Client{Timeout: time.Minute}})
	}
	noRetry := client(aws.NopRetryer{})
	sm, err := noRetry.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("admission"),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/test"),
		Definition: aws.String(`{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":86400,"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	start := func(c *awssfn.Client, name string) (*awssfn.StartExecutionOutput, error) {
		return c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(name)})
	}
	// A first start stores the definition, so that the blocked ones below all wait on the
	// commit of their execution.
	if _, err := start(noRetry, "first"); err != nil {
		t.Fatal(err)
	}

	lock, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	conn, err := lock.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	locked := true
	unlock := func() {
		if locked {
			locked = false
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Error(err)
			}
		}
	}
	defer unlock()

	var wg sync.WaitGroup
	admittedErrs := make([]error, inFlight+queued)
	for i := range inFlight + queued {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, admittedErrs[i] = start(noRetry, fmt.Sprintf("admitted-%d", i))
		}()
	}
	waitFor(t, "every place in flight and in the queue to be taken", func() bool {
		s, _ := handler.StartAdmission()
		return s.InFlight == inFlight && s.Queued == queued
	})

	throttles := retry.IsErrorThrottles(retry.DefaultThrottles)
	for i := range beyond {
		_, err := start(noRetry, fmt.Sprintf("beyond-%d", i))
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ThrottlingException" || apiErr.ErrorMessage() != "Rate exceeded" {
			t.Fatalf("start %d beyond the queue: got %v, want ThrottlingException: Rate exceeded", i, err)
		}
		if throttles.IsErrorThrottle(err) != aws.TrueTernary {
			t.Fatalf("the SDK's retryer does not take %v for a throttle", err)
		}
	}
	s, _ := handler.StartAdmission()
	if s.InFlight != inFlight || s.Queued != queued || s.PeakQueued != queued || s.Throttled != beyond {
		t.Fatalf("admission %+v, want %d in flight, %d queued (peak %d), %d throttled", s, inFlight, queued, queued, beyond)
	}

	// The SDK's standard retryer backs off and tries again while it is throttled; the start
	// goes through once the store takes writes again.
	retrying := client(retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 1000
		o.MaxBackoff = 20 * time.Millisecond
		o.RateLimiter = ratelimit.None
	}))
	retried := make(chan error, 1)
	var attempts int
	go func() {
		out, err := start(retrying, "retried")
		if err == nil {
			results, _ := retry.GetAttemptResults(out.ResultMetadata)
			attempts = len(results.Results)
		}
		retried <- err
	}()
	waitFor(t, "the retrying client to be throttled", func() bool {
		s, _ := handler.StartAdmission()
		return s.Throttled > beyond
	})
	unlock()
	wg.Wait()
	for i, err := range admittedErrs {
		if err != nil {
			t.Errorf("admitted start %d: %v", i, err)
		}
	}
	if err := <-retried; err != nil {
		t.Fatalf("the retried start: %v", err)
	}
	if attempts < 2 {
		t.Errorf("the retried start took %d attempts, want at least 2", attempts)
	}
	list, err := noRetry.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn,
		StatusFilter: types.ExecutionStatusRunning, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// The first, the admitted and the retried one; none of the throttled.
	if want := 1 + inFlight + queued + 1; len(list.Executions) != want {
		t.Errorf("%d executions are running, want %d", len(list.Executions), want)
	}
	if s, _ := handler.StartAdmission(); s.InFlight != 0 || s.Queued != 0 {
		t.Errorf("after the run: %+v, want nothing in flight or queued", s)
	}
}

// TestQueuedStartGivesUpAfterTheWait: a start that waits StartQueueWait for a place is
// throttled; one that finds the queue full is throttled without waiting.
func TestQueuedStartGivesUpAfterTheWait(t *testing.T) {
	t.Parallel()
	a := newAdmission(1, 1, 10*time.Millisecond)
	done, err := a.admit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.admit(context.Background()); !isThrottle(err) {
		t.Fatalf("queued start: got %v, want ThrottlingException", err)
	}
	done()
	if _, err := a.admit(context.Background()); err != nil {
		t.Fatalf("start after the place was freed: %v", err)
	}
	full := newAdmission(1, 0, time.Hour)
	if _, err := full.admit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := full.admit(context.Background()); !isThrottle(err) {
		t.Fatalf("start with no queue: got %v, want ThrottlingException", err)
	}
	if s := full.stats(); s.Throttled != 1 || s.PeakQueued != 0 {
		t.Errorf("stats %+v, want 1 throttled and nothing ever queued", s)
	}
}

func isThrottle(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == codeThrottling && e.Status == http.StatusBadRequest
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
