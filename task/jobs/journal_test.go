//go:build linux

package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/jobs"
)

// journalHelperEnv makes the test binary play a server (TestJournalHelperServer) that starts
// a request-response job and waits to be killed.
const journalHelperEnv = "STEPFLOW_JOBS_JOURNAL_HELPER_DIR"

// journalJobs is the jobs file of the journal tests: the job notes each run's job id and
// process id, then waits for the test to release it.
const journalJobs = `{"jobs": {"long": {"command": ["sh", "-c",
  "echo $AWS_BATCH_JOB_ID >> runs; echo $$ >> pids; while [ ! -f release ]; do sleep 0.05; done; echo $AWS_BATCH_JOB_ID > finished"]}}}`

func journalInvoker(t *testing.T, dir string) *jobs.Invoker {
	t.Helper()
	path := filepath.Join(dir, "jobs.json")
	if err := os.WriteFile(path, []byte(journalJobs), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := jobs.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return jobs.New(jobs.Options{Scope: sfn.DefaultScope, Jobs: cfg, JournalDir: filepath.Join(dir, "journal")})
}

var journalRequest = &task.Request{Resource: sfn.ParseResource("arn:aws:states:::batch:submitJob"),
	IdempotencyKey: "arn:aws:states:us-east-1:123456789012:execution:m:e#4",
	Input:          map[string]any{"JobName": "long", "JobQueue": "q", "JobDefinition": "long"}}

// TestJournalHelperServer is not a test: it is the server TestRequestResponseJobRunsAgainAfterKill kills.
func TestJournalHelperServer(t *testing.T) {
	dir := os.Getenv(journalHelperEnv)
	if dir == "" {
		t.Skip("run by TestRequestResponseJobRunsAgainAfterKill")
	}
	inv := journalInvoker(t, dir)
	if _, err := inv.Resume(); err != nil {
		t.Fatal(err)
	}
	out, err := inv.Invoke(context.Background(), journalRequest)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("JobId %s\n", get(out, "JobId"))
	select {} // until killed
}

// A request-response job's task has answered, so nothing in the engine runs it again; a
// server killed with SIGKILL while it runs must run it again from its journal at the next
// start, under the same job id, and cross it out once it ends.
func TestRequestResponseJobRunsAgainAfterKill(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	server := exec.Command(os.Args[0], "-test.run=^TestJournalHelperServer$")
	server.Env = append(os.Environ(), journalHelperEnv+"="+dir)
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = server.Process.Kill(); _ = server.Wait() }()
	lines := bufio.NewScanner(stdout)
	var jobID string
	for jobID == "" && lines.Scan() {
		jobID, _ = strings.CutPrefix(lines.Text(), "JobId ")
	}
	if jobID == "" {
		t.Fatal("the server did not start the job")
	}
	if got := waitForFile(t, filepath.Join(dir, "runs"), 30*time.Second); got != jobID {
		t.Fatalf("the job ran as %q, want %q", got, jobID)
	}
	firstPID, _ := strconv.Atoi(waitForFile(t, filepath.Join(dir, "pids"), 30*time.Second))

	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = server.Wait()
	for deadline := time.Now().Add(10 * time.Second); !processGone(firstPID); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the job's process %d outlived the killed server", firstPID)
		}
	}
	records, _ := filepath.Glob(filepath.Join(dir, "journal", "*.json"))
	if len(records) != 1 {
		t.Fatalf("journal after the kill: %v, want the running job's record", records)
	}

	restarted := journalInvoker(t, dir)
	t.Cleanup(func() { _ = restarted.Close() })
	n, err := restarted.Resume()
	if err != nil || n != 1 {
		t.Fatalf("Resume = %d, %v; want 1 job run again", n, err)
	}
	for deadline := time.Now().Add(30 * time.Second); strings.Count(readFile(t, filepath.Join(dir, "runs")), "\n") < 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the job did not run again after the restart")
		}
	}
	if runs := strings.Fields(readFile(t, filepath.Join(dir, "runs"))); len(runs) != 2 || runs[1] != jobID {
		t.Fatalf("runs %v, want the job twice under %s", runs, jobID)
	}
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := waitForFile(t, filepath.Join(dir, "finished"), 30*time.Second); got != jobID {
		t.Fatalf("finished as %q, want %q", got, jobID)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if records, _ := filepath.Glob(filepath.Join(dir, "journal", "*.json")); len(records) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ended job is still in the journal")
		}
	}
	// Nothing is left to run again.
	if n, err := journalInvoker(t, dir).Resume(); n != 0 || err != nil {
		t.Errorf("Resume after the job ended = %d, %v; want 0", n, err)
	}
}

// A job that cannot be written down is not started: the task fails, and a Retry can match it.
func TestRequestResponseJobUnrecordableFailsTask(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	inv := journalInvoker(t, dir)
	t.Cleanup(func() { _ = inv.Close() })
	if err := os.WriteFile(filepath.Join(dir, "journal"), []byte("a file, not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := inv.Invoke(context.Background(), journalRequest)
	te, ok := err.(*task.Error)
	if !ok || te.Name != sfn.ErrorTaskFailed || !strings.HasPrefix(te.Cause, "could not record the job in the jobs journal "+filepath.Join(dir, "journal")+", so it was not started: ") {
		t.Fatalf("Invoke = %v, want States.TaskFailed saying the job could not be recorded", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
		t.Error("the job ran although it was not recorded")
	}
}
