package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
)

func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"End":true}`, i)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"S%d"}`, i, i+1)
		}
	}
	b.WriteString("}}")
	return b.String()
}

func TestPassChainCommitsHistoryAndOutput(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{})
	sm := createMachine(t, e, "chain", passChain(5), sfn.TypeStandard)
	rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Name: "one", Input: `{"n":1}`})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	end, err := e.AwaitExecution(ctx, rec.ARN)
	if err != nil {
		t.Fatalf("AwaitExecution: %v", err)
	}
	if end.Status != sfn.StatusSucceeded {
		t.Fatalf("status %s (%s: %s)", end.Status, end.Error, end.Cause)
	}
	if got, want := output(t, end), map[string]any{"n": 6.0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("output %v, want %v", got, want)
	}
	events := history(t, e.Store(), rec.ARN)
	if len(events) != 1+5*2+1 {
		t.Fatalf("history has %d events: %v", len(events), eventTypes(events))
	}
	if events[0].Type != sfn.EventExecutionStarted || events[len(events)-1].Type != sfn.EventExecutionSucceeded {
		t.Fatalf("history %v", eventTypes(events))
	}
}

func TestStartExecutionIsIdempotentByName(t *testing.T) {
	t.Parallel()
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprintf("batched starts %v", batched), func(t *testing.T) {
			t.Parallel()
			st := openSQLite(t, "")
			if !batched {
				st = unbatchedStore{Store: st}
			}
			testIdempotentStart(t, startEngine(t, Config{Store: st}))
		})
	}
}

func testIdempotentStart(t *testing.T, e *Engine) {
	ctx := context.Background()
	sm := createMachine(t, e, "waits", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, sfn.TypeStandard)
	first, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "same", Input: `{"a":1}`})
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	again, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "same", Input: `{"a":1}`})
	if err != nil {
		t.Fatalf("same start again: %v", err)
	}
	if again.ARN != first.ARN || !again.StartDate.Equal(first.StartDate) {
		t.Fatalf("idempotent start gave %s at %v, want %s at %v", again.ARN, again.StartDate, first.ARN, first.StartDate)
	}
	_, err = e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: "same", Input: `{"a":2}`})
	var exists *ExecutionAlreadyExistsError
	if !errors.As(err, &exists) || err.Error() != "Execution Already Exists: '"+first.ARN+"'" {
		t.Fatalf("start with other input: %v", err)
	}
	if got := len(history(t, e.Store(), first.ARN)); got != 2 {
		t.Fatalf("history has %d events, want 2: one start only", got)
	}
}
