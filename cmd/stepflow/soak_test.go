package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// history builds events with ids 1..n from "Type:previousEventId" items.
func history(t *testing.T, items ...string) []types.HistoryEvent {
	t.Helper()
	var events []types.HistoryEvent
	for i, it := range items {
		typ, prev, _ := strings.Cut(it, ":")
		var p int64
		for _, c := range prev {
			p = p*10 + int64(c-'0')
		}
		events = append(events, types.HistoryEvent{Id: int64(i + 1), PreviousEventId: p, Type: types.HistoryEventType(typ)})
	}
	return events
}

func TestCheckSoakHistory(t *testing.T) {
	t.Parallel()
	// A Task state's events as AWS records them: event 2 has previousEventId 0.
	good := []string{"ExecutionStarted:0", "TaskStateEntered:0", "TaskScheduled:2", "TaskStarted:3",
		"TaskSucceeded:4", "TaskStateExited:5", "ExecutionSucceeded:6"}
	tests := []struct {
		name   string
		events []types.HistoryEvent
		status types.ExecutionStatus
		want   string // "" for well-formed
	}{
		{"well-formed", history(t, good...), types.ExecutionStatusSucceeded, ""},
		{"empty", nil, types.ExecutionStatusSucceeded, "empty history"},
		{"id gap", func() []types.HistoryEvent {
			ev := history(t, good...)
			ev[3].Id = 5
			return ev
		}(), types.ExecutionStatusSucceeded, "event 4 has id 5: ids are not 1..n"},
		{"previous not earlier", history(t, "ExecutionStarted:0", "PassStateEntered:2", "ExecutionSucceeded:2"),
			types.ExecutionStatusSucceeded, "event 2 (PassStateEntered) has previousEventId 2, not an earlier event"},
		{"second start", history(t, "ExecutionStarted:0", "ExecutionStarted:1", "ExecutionSucceeded:2"),
			types.ExecutionStatusSucceeded, "ExecutionStarted is event 2, not the first"},
		{"terminal not last", history(t, "ExecutionStarted:0", "ExecutionSucceeded:1", "PassStateEntered:2"),
			types.ExecutionStatusSucceeded, "ExecutionSucceeded is event 2 of 3, not the last"},
		{"no terminal", history(t, "ExecutionStarted:0", "PassStateEntered:0"),
			types.ExecutionStatusRunning, "1 ExecutionStarted and 0 terminal events, want one each"},
		{"task without outcome", history(t, "ExecutionStarted:0", "TaskStateEntered:0", "TaskScheduled:2", "TaskStarted:3",
			"ExecutionSucceeded:4"), types.ExecutionStatusSucceeded, "TaskScheduled (event 3) has no outcome"},
		{"task without outcome in a failed execution", history(t, "ExecutionStarted:0", "TaskStateEntered:0", "TaskScheduled:2",
			"ExecutionFailed:3"), types.ExecutionStatusFailed, ""},
		{"two outcomes", history(t, "ExecutionStarted:0", "TaskStateEntered:0", "TaskScheduled:2", "TaskStarted:3",
			"TaskSucceeded:4", "TaskSucceeded:4", "ExecutionSucceeded:6"), types.ExecutionStatusSucceeded,
			"TaskSucceeded (event 6) is a second outcome of the task scheduled by event 3"},
		{"outcome of nothing", history(t, "ExecutionStarted:0", "TaskStateEntered:0", "TaskSucceeded:2",
			"ExecutionSucceeded:3"), types.ExecutionStatusSucceeded,
			"TaskSucceeded (event 3) does not follow a scheduled task (reached TaskStateEntered, event 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := checkSoakHistory(tc.events, tc.status)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// Re-runs are counted per idempotency key and put down to the kill of the server process
// that ran the task before; a run whose parent died before it started (its parent is then
// init) belongs to the last killed process of its node; a run again after a process that was
// not killed is reported.
func TestSoakReportRerunsAndRecovery(t *testing.T) {
	t.Parallel()
	began := time.Unix(1000, 0)
	const arn = "arn:aws:states:us-east-1:123456789012:execution:soak-1:run-00000"
	line := func(what string, s float64, key string, pid, ppid int) string {
		t := began.Add(time.Duration(s * float64(time.Second)))
		return fmt.Sprintf("%s %d.%09d node-1 %s#%s %d %d", what, t.Unix(), t.Nanosecond(), arn, key, pid, ppid)
	}
	runFile := strings.Join([]string{
		line("start", 1, "task-2", 501, 100), // in flight at the kill at 2 s
		line("start", 1.2, "task-5", 502, 100),
		line("end", 1.5, "task-5", 502, 100), // ended, its result not committed: run again
		line("start", 2, "task-7", 503, 1),   // forked as process 100 died: its parent is init
		line("end", 2.5, "task-2", 501, 100), // the orphan ends after the kill
		line("start", 3.5, "task-2", 601, 200),
		line("start", 3.6, "task-5", 602, 200),
		line("start", 3.9, "task-7", 603, 200),
		line("end", 4, "task-2", 601, 200),
		line("end", 4, "task-5", 602, 200),
		line("end", 4, "task-7", 603, 200),
		line("start", 5, "task-9", 604, 200),
		line("end", 5.5, "task-9", 604, 200),
		line("start", 6, "task-9", 605, 200), // run again by the same process: not a kill's doing
		line("end", 6.5, "task-9", 605, 200),
		line("start", 7, "task-15", 606, 200), // in flight at the second kill
		line("start", 7.1, "task-16", 607, 200),
		line("start", 9.5, "task-15", 701, 300), // the third life runs them again
		line("start", 13, "task-16", 801, 400),  // killed again first: the fourth does
	}, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "runs.log")
	if err := os.WriteFile(path, []byte(runFile), 0o644); err != nil {
		t.Fatal(err)
	}
	runs, err := readSoakRuns(path)
	if err != nil {
		t.Fatal(err)
	}
	sec := func(s float64) time.Time { return began.Add(time.Duration(s * float64(time.Second))) }
	kills := []soakKillEvent{{node: "node-1", killedPID: 100, killed: sec(1.95), restarted: sec(3), ready: sec(3.25), pid: 200},
		{node: "node-1", killedPID: 200, killed: sec(8), restarted: sec(9), ready: sec(9.2), pid: 300},
		{node: "node-1", killedPID: 300, killed: sec(11), restarted: sec(12), ready: sec(12.2), pid: 400}}
	execs := []*soakExecution{{index: 0, name: "run-00000", arn: arn, kind: "succeeded"}}
	rep := newSoakReport(&soakConfig{Store: "sqlite", Executions: 1}, 1, execs, kills, runs, map[int]bool{100: true, 200: true, 300: true, 400: true}, began)
	if rep.Tasks != 6 || rep.TaskRuns != 12 || rep.RerunTasks != 6 || rep.Reruns != 6 || rep.RerunsWithoutKill != 1 {
		t.Fatalf("tasks %d, runs %d, tasks run again %d, re-runs %d (%d without a kill)",
			rep.Tasks, rep.TaskRuns, rep.RerunTasks, rep.Reruns, rep.RerunsWithoutKill)
	}
	k := rep.KillList[0]
	if k.InFlight != 2 || k.Rerun != 3 || k.Restart != 0.25 || *k.FirstProgress != 0.5 || *k.Resumed != 0.9 {
		t.Fatalf("kill: %+v (first %v, resumed %v)", k, *k.FirstProgress, *k.Resumed)
	}
	// The second kill's in-flight tasks: one run again by the next life, one only by the
	// life after, which counts towards the third kill.
	for i, want := range []struct {
		inFlight, rerun int
		resumed         float64
	}{{2, 1, 0.5}, {1, 1, 1}} {
		k := rep.KillList[i+1]
		if k.InFlight != want.inFlight || k.Rerun != want.rerun || k.Resumed == nil || *k.Resumed != want.resumed || *k.ResumedAfterKill != want.resumed+1 {
			t.Fatalf("kill %d: %+v", i+2, k)
		}
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "#task-9 ran again on node-1 (pid 200) at 6.000s, after a run on node-1 (pid 200, not killed in between) at 5.000s") {
		t.Fatalf("problems: %q", rep.Problems)
	}
	if rep.Pass != true {
		t.Fatal("a run again is allowed: tasks run at least once")
	}
}

func TestCountServerWarnings(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "node-1.log")
	log := `--- soak: node-1 life 1 starting at 2026-12-06T19:46:25Z
time=2026-12-06T19:46:25.556Z level=INFO msg="execution ended" execution=arn:x status=SUCCEEDED
time=2026-12-06T19:46:26.172Z level=WARN msg="renew dispatch leases" err="renew dispatch leases: ERROR: deadlock detected (SQLSTATE 40P01)"
time=2026-12-06T19:47:05.217Z level=WARN msg="renew dispatch leases" err="renew dispatch leases: ERROR: deadlock detected (SQLSTATE 40P01)"
time=2026-12-06T19:47:06.000Z level=ERROR msg="commit task result" execution=arn:y task=task-2 err="store: \"closed\""
time=2026-12-06T19:47:07.000Z level=WARN msg=draining
`
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	if err := countServerWarnings(path, counts); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"WARN renew dispatch leases renew dispatch leases: ERROR: deadlock detected (SQLSTATE 40P01)": 2,
		`ERROR commit task result store: "closed"`:                                                    1,
		"WARN draining": 1,
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", counts, want)
	}
}
