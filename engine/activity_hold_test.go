package engine

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// TestHoldActivityTask follows one activity task held by a worker: the hold runs out and the
// task goes back to the queue, another worker takes it and gives it back, a third waits for
// it, and a late answer from the first still completes it exactly once.
func TestHoldActivityTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newTestClock()
	e := startEngine(t, Config{Now: clock.Now})
	activity := e.Scope().ActivityARN("review")
	if _, err := e.Store().ActivityCreate(ctx, &store.ActivityCreateParams{ARN: activity, Name: "review", CreatedDate: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	sm := createMachine(t, e, "review", sprintf(activityMachine, activity), sfn.TypeStandard)
	rec, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Input: `{"doc":1}`})
	if err != nil {
		t.Fatal(err)
	}
	waiting := func() int {
		t.Helper()
		n, err := e.Store().DispatchCountWaiting(ctx, &store.DispatchCountWaitingParams{Queue: activity, Now: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	claim := func(worker string, wait time.Duration) *ActivityTask {
		t.Helper()
		pollCtx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		task, err := e.GetActivityTask(pollCtx, activity, worker)
		if err != nil {
			t.Fatalf("GetActivityTask(%s): %v", worker, err)
		}
		return task
	}
	hold := func(token, worker string, d time.Duration, want bool) {
		t.Helper()
		held, err := e.HoldActivityTask(ctx, token, worker, d)
		if err != nil || held != want {
			t.Fatalf("HoldActivityTask(%s, %v) = %v, %v; want %v", worker, d, held, err, want)
		}
	}

	alice := claim("alice", 10*time.Second)
	if alice == nil {
		t.Fatal("alice got no task")
	}
	hold(alice.TaskToken, "alice", 2*time.Minute, true)
	hold(alice.TaskToken, "bob", 2*time.Minute, false) // not bob's to hold
	if n := waiting(); n != 0 {
		t.Fatalf("while alice holds the task, %d wait", n)
	}

	// Alice's page stops renewing: when the hold runs out, the task is back in the queue.
	clock.Advance(2*time.Minute + time.Second)
	if n := waiting(); n != 1 {
		t.Fatalf("after alice's hold ran out, %d wait; want 1", n)
	}
	bob := claim("bob", 10*time.Second)
	if bob == nil || bob.TaskToken != alice.TaskToken || bob.Input != `{"doc":1}` {
		t.Fatalf("bob got %+v, want the task alice had", bob)
	}
	hold(bob.TaskToken, "alice", 2*time.Minute, false) // alice lost it to bob

	// Bob gives it back; carol, already waiting, is woken with it.
	got := make(chan *ActivityTask, 1)
	go func() {
		pollCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		task, err := e.GetActivityTask(pollCtx, activity, "carol")
		if err != nil {
			t.Errorf("GetActivityTask(carol): %v", err)
		}
		got <- task
	}()
	time.Sleep(50 * time.Millisecond) // let carol start waiting; the poll interval finds it anyway
	if released, err := e.ReleaseActivityTask(ctx, bob.TaskToken, "bob"); err != nil || !released {
		t.Fatalf("ReleaseActivityTask(bob) = %v, %v", released, err)
	}
	carol := <-got
	if carol == nil || carol.TaskToken != alice.TaskToken {
		t.Fatalf("carol got %+v", carol)
	}
	// Once carol has it, a late second release by bob gives nothing back. (Before carol's claim
	// lands, the lease is still bob's, expired: releasing it again changes nothing either.)
	if released, err := e.ReleaseActivityTask(ctx, bob.TaskToken, "bob"); err != nil || released {
		t.Fatalf("a second release by bob = %v, %v; want false", released, err)
	}

	// Alice's late answer still completes the task, once; carol's is refused.
	if err := e.SendTaskSuccess(ctx, alice.TaskToken, `{"by":"alice"}`); err != nil {
		t.Fatalf("alice's late SendTaskSuccess: %v", err)
	}
	end := awaitEnd(t, e, rec.ARN)
	if out := output(t, end); !reflect.DeepEqual(out, map[string]any{"by": "alice"}) {
		t.Fatalf("output %v", out)
	}
	var timedOut *TaskTimedOutError
	if err := e.SendTaskSuccess(ctx, carol.TaskToken, `{"by":"carol"}`); !errors.As(err, &timedOut) {
		t.Fatalf("carol's SendTaskSuccess after alice's: %v, want TaskTimedOut", err)
	}
	hold(carol.TaskToken, "carol", 2*time.Minute, false)
	hold("no-such-token", "carol", 2*time.Minute, false)
	if n := waiting(); n != 0 {
		t.Fatalf("after the answer, %d wait", n)
	}
	var workers []string
	for _, ev := range history(t, e.Store(), rec.ARN) {
		if ev.ActivityStartedEventDetails != nil {
			workers = append(workers, ev.ActivityStartedEventDetails.WorkerName)
		}
	}
	if !reflect.DeepEqual(workers, []string{"alice"}) {
		t.Fatalf("ActivityStarted workers = %v, want the first claim only", workers)
	}
}
