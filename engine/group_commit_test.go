package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// TestMapOfTasksGroupsSteps runs a Map of many tasks: their results arrive while earlier ones
// are being committed and are committed together; the history must still be exact.
func TestMapOfTasksGroupsSteps(t *testing.T) {
	t.Parallel()
	e := startEngine(t, Config{Invoker: echoInvoker})
	sm := createMachine(t, e, "map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`echo","End":true}}}}}}`, sfn.TypeStandard)
	const n = 500
	items := strings.TrimSuffix(strings.Repeat("1,", n), ",")
	rec, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Input: `{"items":[` + items + `]}`})
	if err != nil {
		t.Fatal(err)
	}
	end := awaitEnd(t, e, rec.ARN)
	if end.Status != sfn.StatusSucceeded || *end.Output != "["+items+"]" {
		t.Fatalf("ended %s", end.Status)
	}
	events := history(t, e.Store(), rec.ARN)
	// Started, MapStateEntered, MapStateStarted, 7 per iteration, MapStateSucceeded/Exited, Succeeded.
	if len(events) != 3+7*n+3 {
		t.Fatalf("history has %d events", len(events))
	}
	tx, steps, _ := e.CommitStats()
	t.Logf("%d task results committed in %d steps, %d transactions", n, steps, tx)
}
