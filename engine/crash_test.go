package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// The crash test runs executions in a child process (this test binary, re-executed to run
// TestCrashHelperProcess), SIGKILLs it at random moments, restarts it, and finally checks
// that every execution ended with the right output and a history without gap or duplicate.

const crashEnv = "STEPFLOW_CRASH_DB"

const crashExecutions = 100

const crashMachine = `{"StartAt":"A","States":{
	"A":{"Type":"Task","Resource":"` + lambdaARN + `inc","Next":"W"},
	"W":{"Type":"Wait","SecondsPath":"$.wait","Next":"B"},
	"B":{"Type":"Parallel","Branches":[
		{"StartAt":"B1","States":{"B1":{"Type":"Task","Resource":"` + lambdaARN + `inc","End":true}}},
		{"StartAt":"B2","States":{"B2":{"Type":"Task","Resource":"` + lambdaARN + `inc","End":true}}}],"Next":"C"},
	"C":{"Type":"Pass","Parameters":{"n.$":"$[0].n","wait.$":"$[0].wait"},"Next":"D"},
	"D":{"Type":"Task","Resource":"` + lambdaARN + `inc","End":true}}}`

// crashInvoker increments n after a short random pause, so kills land mid-task too.
var crashInvoker = funcInvoker{lambdaARN + "inc": func(ctx context.Context, req *task.Request) (any, error) {
	select {
	case <-time.After(time.Duration(rand.IntN(20)) * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	in := req.Input.(map[string]any)
	return map[string]any{"n": in["n"].(float64) + 1, "wait": in["wait"]}, nil
}}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a child process for several seconds")
	}
	db := filepath.Join(t.TempDir(), "crash.db")
	for kill := 0; kill < 6; kill++ {
		child := crashChild(t, db)
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		if err := child.Process.Kill(); err != nil {
			t.Fatalf("kill: %v", err)
		}
		_ = child.Wait()
		t.Logf("killed the child after %d of %d executions ended", countEnded(t, db), crashExecutions)
	}
	child := crashChild(t, db)
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("last run of the child: %v", err)
		}
	case <-time.After(40 * time.Second):
		_ = child.Process.Kill()
		t.Fatal("the child did not finish the executions")
	}

	st := openSQLite(t, db)
	want := referenceHistory(t)
	var arns []string
	for i := 0; i < crashExecutions; i++ {
		arn := sfn.DefaultScope.ExecutionARN("crash", fmt.Sprintf("exec-%d", i))
		rec, err := st.ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: arn})
		if err != nil {
			t.Fatalf("execution %d: %v", i, err)
		}
		if rec.Status != sfn.StatusSucceeded {
			t.Fatalf("execution %d ended %s %q %q", i, rec.Status, rec.Error, rec.Cause)
		}
		if got := output(t, rec); !reflect.DeepEqual(got, map[string]any{"n": float64(i + 3), "wait": float64(i % 6)}) {
			t.Fatalf("execution %d output %v, want n=%d", i, got, i+3)
		}
		events := history(t, st, arn) // ids 1..n, no gap, no duplicate id
		got := eventTypes(events)
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("execution %d history (sorted types)\n got %v\nwant %v", i, got, want)
		}
		for _, ev := range events {
			if ev.PreviousEventID >= ev.ID {
				t.Fatalf("execution %d: event %d follows event %d", i, ev.ID, ev.PreviousEventID)
			}
		}
		arns = append(arns, arn)
	}
	// Each execution counted once however often its steps were redone after a kill.
	checkRollupsMatchHistories(t, st, sfn.DefaultScope.StateMachineARN("crash"), arns)
}

func crashChild(t *testing.T, db string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), crashEnv+"="+db)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	return cmd
}

// referenceHistory is the sorted event types of one crash execution run in memory.
func referenceHistory(t *testing.T) []sfn.EventType {
	sm, diags := asl.Parse([]byte(crashMachine), asl.ParseOptions{})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	prog, err := interp.Compile(sm, interp.Options{History: true})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var types []sfn.EventType
	_, err = Run(context.Background(), prog, RunOptions{Input: map[string]any{"n": 0.0, "wait": 1.0}, Invoker: crashInvoker,
		VirtualTime: true, OnStep: func(events []sfn.HistoryEvent) {
			for _, ev := range events {
				types = append(types, ev.Type)
			}
		}})
	if err != nil {
		t.Fatalf("reference run: %v", err)
	}
	slices.Sort(types)
	return types
}

// TestCrashHelperProcess is the child of TestCrashRecovery: it (re)starts the executions and
// runs until all have ended, unless it is killed first.
func TestCrashHelperProcess(t *testing.T) {
	db := os.Getenv(crashEnv)
	if db == "" {
		t.Skip("runs only as TestCrashRecovery's child process")
	}
	ctx := context.Background()
	st, err := openCrashStore(ctx, db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	e, err := New(Config{Store: st, Invoker: crashInvoker, LeaseDuration: time.Second, TimerPollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	sm := e.Scope().StateMachineARN("crash")
	_, err = st.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: sm, Name: "crash", Type: sfn.TypeStandard,
		Definition: crashMachine, RoleARN: e.Scope().RoleARN("r"), RevisionID: "1", CreatedDate: time.Now()})
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("create state machine: %v", err)
	}
	var wg sync.WaitGroup
	for i := 0; i < crashExecutions; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: fmt.Sprintf("exec-%d", i),
				Input: fmt.Sprintf(`{"n":%d,"wait":%d}`, i, i%6)})
			var exists *ExecutionAlreadyExistsError
			if err != nil && !errors.As(err, &exists) {
				t.Errorf("start %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for {
		page, err := st.ExecutionList(ctx, &store.ExecutionListParams{Status: sfn.StatusRunning, MaxResults: 1})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if len(page.Executions) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// countEnded counts the executions that ended so far, for the log.
func countEnded(t *testing.T, db string) int {
	st, err := openCrashStore(context.Background(), db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	page, err := st.ExecutionList(context.Background(), &store.ExecutionListParams{Status: sfn.StatusSucceeded, MaxResults: store.MaxPageSize})
	if err != nil {
		return -1
	}
	return len(page.Executions)
}
