package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// statusEvents is a Config.StatusChangeEvents that records the changes and makes one
// delivery per change, or fails.
type statusEvents struct {
	mu      sync.Mutex
	changes []StatusChange
	fail    bool
}

func (s *statusEvents) deliveries(_ context.Context, changes []StatusChange) ([]*store.EventDelivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return nil, errors.New("rules unreadable")
	}
	var ds []*store.EventDelivery
	for _, c := range changes {
		s.changes = append(s.changes, c)
		id := fmt.Sprintf("%s#%d#%s", c.ExecutionARN, c.EventID, c.Status)
		ds = append(ds, &store.EventDelivery{ID: id, EventID: id, BusName: "default", RuleName: "r", RuleARN: "rule", TargetID: "t",
			Target: "{}", Event: "{}", EventTime: c.Time, NextAttemptAt: c.Time, CreatedDate: c.Time})
	}
	return ds, nil
}

// storedDeliveries is the ids of the deliveries in the store.
func storedDeliveries(t *testing.T, st store.Store) map[string]bool {
	t.Helper()
	page, err := st.EventDeliveryList(context.Background(), &store.EventDeliveryListParams{State: store.EventDeliveryPending, MaxResults: store.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, d := range page.Deliveries {
		ids[d.ID] = true
	}
	return ids
}

// TestStatusChangeEventsCommittedWithTheStep: the deliveries StatusChangeEvents makes for a
// start (an execution that ends in its first step) and for a later step (one that ends
// after a Wait) are in the store once the step is, described as AWS's event describes the
// execution; when StatusChangeEvents fails the execution goes on without them.
func TestStatusChangeEventsCommittedWithTheStep(t *testing.T) {
	t.Parallel()
	events := &statusEvents{}
	e := startEngine(t, Config{StatusChangeEvents: events.deliveries})
	ctx := context.Background()
	pass := createMachine(t, e, "Pass", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`, sfn.TypeStandard)
	fail := createMachine(t, e, "Fail", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":0,"Next":"F"},
		"F":{"Type":"Fail","Error":"OutOfStock","Cause":"none left"}}}`, sfn.TypeStandard)

	first, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: pass, Name: "p1", Input: `{"order": 1}`})
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: fail, Name: "f1", Input: `{"order": 2}`})
	if err != nil {
		t.Fatal(err)
	}
	if got := awaitEnd(t, e, second.ARN); got.Status != sfn.StatusFailed {
		t.Fatalf("f1 %s", got.Status)
	}
	stored := storedDeliveries(t, e.Store())
	events.mu.Lock()
	changes := append([]StatusChange(nil), events.changes...)
	events.mu.Unlock()
	if len(changes) != 4 {
		t.Fatalf("%d changes: %+v", len(changes), changes)
	}
	for _, c := range changes {
		if id := fmt.Sprintf("%s#%d#%s", c.ExecutionARN, c.EventID, c.Status); !stored[id] {
			t.Errorf("delivery %s not in the store", id)
		}
		if c.StartDate.IsZero() || c.Time.IsZero() || c.Name == "" {
			t.Errorf("change %+v lacks its dates or name", c)
		}
		switch {
		case c.ExecutionARN == first.ARN && c.Status == sfn.StatusRunning:
			if c.Input != `{"order": 1}` || c.Output != nil {
				t.Errorf("p1 RUNNING: %+v", c)
			}
		case c.ExecutionARN == first.ARN && c.Status == sfn.StatusSucceeded:
			if c.Output == nil || *c.Output != `{"ok":true}` {
				t.Errorf("p1 SUCCEEDED: %+v", c)
			}
		case c.ExecutionARN == second.ARN && c.Status == sfn.StatusRunning:
			if c.Name != "f1" || c.StateMachineARN != fail || c.Input != `{"order": 2}` {
				t.Errorf("f1 RUNNING: %+v", c)
			}
		case c.ExecutionARN == second.ARN && c.Status == sfn.StatusFailed:
			if c.Error != "OutOfStock" || c.Cause != "none left" || c.Input != "" || c.EventID < 3 {
				t.Errorf("f1 FAILED: %+v", c)
			}
		default:
			t.Errorf("unexpected change %+v", c)
		}
	}

	events.mu.Lock()
	events.fail = true
	events.mu.Unlock()
	third, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: fail, Name: "f2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := awaitEnd(t, e, third.ARN); got.Status != sfn.StatusFailed {
		t.Fatalf("f2 %s", got.Status)
	}
	if n := len(storedDeliveries(t, e.Store())); n != 4 {
		t.Fatalf("%d deliveries after a failing StatusChangeEvents, want the 4 before", n)
	}
}
