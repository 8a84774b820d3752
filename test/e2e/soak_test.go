package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/stepflow/stepflow/internal/pgtest"
)

// soakSummary is the part of `stepflow soak --format json` the test reads.
type soakSummary struct {
	Executions        int  `json:"executions"`
	Kills             int  `json:"kills"`
	Succeeded         int  `json:"succeeded"`
	Failed            int  `json:"failed"`
	Lost              int  `json:"lost"`
	WrongOutput       int  `json:"wrongOutput"`
	NotStarted        int  `json:"notStarted"`
	Malformed         int  `json:"malformedHistories"`
	Tasks             int  `json:"tasks"`
	RerunsWithoutKill int  `json:"rerunsWithoutKill"`
	Pass              bool `json:"pass"`
	Restart           struct {
		Count int `json:"count"`
	} `json:"restart"`
	Problems []string `json:"problems"`
}

// The soak the project keeps, at a small size: `stepflow soak` runs 30 executions of its
// representative workflow (a Task, a Wait, a Choice, a Parallel of two Tasks, a Map of three)
// on real servers with the shipped lease, SIGKILLs a server twice and starts it again on the
// same store, then checks every execution's status, output and history. On SQLite one server;
// on PostgreSQL two nodes sharing the work (run when STEPFLOW_TEST_POSTGRES is set; CI must).
func TestSoakUnderKills(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		runSoak(t, "--store", "sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := pgtest.Schema(t, "soak test")
		runSoak(t, "--store", "postgres", "--postgres", dsn)
	})
}

func runSoak(t *testing.T, args ...string) {
	t.Helper()
	const executions, kills = 30, 2
	cmd := exec.Command(buildStepflow(t), append([]string{"soak", "--executions", "30", "--kills", "2",
		"--dir", t.TempDir(), "--format", "json"}, args...)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &testLogWriter{t: t}
	runErr := cmd.Run()
	var rep soakSummary
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("soak: %v; output %s (%v)", runErr, stdout.String(), err)
	}
	t.Logf("soak report:\n%s", stdout.String())
	if runErr != nil || !rep.Pass {
		t.Fatalf("soak failed (%v): %+v", runErr, rep)
	}
	if rep.Executions != executions || rep.Succeeded != executions || rep.Failed+rep.Lost+rep.WrongOutput+rep.NotStarted+rep.Malformed != 0 {
		t.Fatalf("soak: %+v", rep)
	}
	if rep.Kills != kills || rep.Restart.Count != kills {
		t.Fatalf("soak made %d kills (%d restarts), want %d", rep.Kills, rep.Restart.Count, kills)
	}
	// Six tasks an execution (more when a task was retried), each run at least once; a run
	// again is always a killed server's task (with the shipped lease no task outlives its
	// lease here).
	if rep.Tasks < 6*executions || rep.RerunsWithoutKill != 0 {
		t.Fatalf("soak: %d tasks (want %d), %d re-runs without a kill: %v", rep.Tasks, 6*executions, rep.RerunsWithoutKill, rep.Problems)
	}
}
