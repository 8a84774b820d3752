package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/pgtest"
)

var (
	stepflowBinOnce sync.Once
	stepflowBin     string
	stepflowBinErr  error
)

// buildStepflow builds cmd/stepflow once per test run, as a user would run it.
func buildStepflow(t *testing.T) string {
	t.Helper()
	stepflowBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stepflow-e2e-bin-")
		if err != nil {
			stepflowBinErr = err
			return
		}
		stepflowBin = filepath.Join(dir, "stepflow")
		if out, err := exec.Command("go", "build", "-o", stepflowBin, "../../cmd/stepflow").CombinedOutput(); err != nil {
			stepflowBinErr = &buildError{err: err, out: string(out)}
		}
	})
	if stepflowBinErr != nil {
		t.Fatal(stepflowBinErr)
	}
	return stepflowBin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// serverProcess is a `stepflow server` process started with the settings that ship.
type serverProcess struct {
	cmd  *exec.Cmd
	URL  string
	done chan error

	mu     sync.Mutex
	stdout []string // the lines printed so far
}

// stdoutLine waits for the first line of standard output that re matches.
func (p *serverProcess) stdoutLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for _, line := range p.stdout {
			if m := re.FindStringSubmatch(line); m != nil {
				p.mu.Unlock()
				return m
			}
		}
		p.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Fatalf("the server printed no line matching %s: %q", re, p.stdout)
	return nil
}

// runServerProcess starts `stepflow server ARGS` in dir and waits for its address.
func runServerProcess(t *testing.T, dir string, args ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(buildStepflow(t), append([]string{"server", "--addr", "127.0.0.1:0", "--ui", "off"}, args...)...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testLogWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout = append(p.stdout, sc.Text())
			p.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { p.signal(syscall.SIGKILL) })
	select {
	case p.URL = <-urls:
	case err := <-p.done:
		t.Fatalf("server exited before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not print its address within 30s")
	}
	return p
}

// signal sends sig and waits for the process to end.
func (p *serverProcess) signal(sig syscall.Signal) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *serverProcess) client() *awssfn.Client {
	return awssfn.New(awssfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.URL),
		Credentials: aws.AnonymousCredentials{}})
}

type testLogWriter struct {
	t  *testing.T
	mu sync.Mutex
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log("server: " + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// A server that restarts on the same store runs the tasks that were in flight again at once:
// its node identity, kept beside its database, names the leases of its earlier life, which
// it frees on start. With the shipped lease (15 s) a restart that waited for them would take
// at least that long; the previous design (a hostname-PID owner and a 5-minute lease) took
// five minutes. Both a SIGKILL and a graceful SIGTERM are tried.
func TestRestartResumesInFlightTasksAtOnce(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// The first run of the task blocks (as a task in flight at a crash); a run again
			// after the restart answers at once.
			functions := writeFunctions(t, dir, `if [ -e first-run ]; then cat; else touch first-run; exec sleep 120; fi`)
			args := []string{"--db", filepath.Join(dir, "data", "stepflow.db"), "--functions", functions}
			first := runServerProcess(t, dir, args...)
			c := first.client()
			ctx := context.Background()
			sm := createWorkMachine(t, c)
			ex, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: sm, Input: aws.String(`{"n":1}`)})
			mustNoErr(t, "start", err)
			waitFor(t, 30*time.Second, "the task's first run", func() bool {
				_, err := os.Stat(filepath.Join(dir, "first-run"))
				return err == nil
			})
			first.signal(sig)

			restarted := time.Now()
			second := runServerProcess(t, dir, args...)
			c = second.client()
			out := waitForEnd(t, c, ex.ExecutionArn, 60*time.Second)
			if out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != `{"n":1}` {
				t.Fatalf("after restart: status %s output %s", out.Status, aws.ToString(out.Output))
			}
			// Well inside the 15-second lease: the task did not wait for a lease to run out.
			if took := time.Since(restarted); took > 10*time.Second {
				t.Fatalf("the in-flight task ran again %v after the restart; want it within the first reaper pass", took)
			}
		})
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two servers on one database would share a node identity, and so each other's task leases:
// the second is refused with a message that says what to do.
func TestSecondServerOnOneDatabaseIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "stepflow.db")
	runServerProcess(t, dir, "--db", db)
	out, err := exec.Command(buildStepflow(t), "server", "--addr", "127.0.0.1:0", "--db", db).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is held by another running stepflow server") {
		t.Fatalf("second server: err %v, output %s", err, out)
	}
}

// writeFunctions writes a functions file with one command function, "work", running script
// in dir, and returns its path.
func writeFunctions(t *testing.T, dir, script string) string {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"functions": map[string]any{"work": map[string]any{
		"command": []string{"sh", "-c", script}, "dir": dir}}})
	path := filepath.Join(dir, "functions.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const workMachine = `{"StartAt":"Work","States":{"Work":{"Type":"Task",` +
	`"Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}}`

func createWorkMachine(t *testing.T, c *awssfn.Client) *string {
	t.Helper()
	sm, err := c.CreateStateMachine(context.Background(), &awssfn.CreateStateMachineInput{Name: aws.String("work"),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(workMachine)})
	mustNoErr(t, "create", err)
	return sm.StateMachineArn
}

func waitForEnd(t *testing.T, c *awssfn.Client, arn *string, limit time.Duration) *awssfn.DescribeExecutionOutput {
	t.Helper()
	var out *awssfn.DescribeExecutionOutput
	waitFor(t, limit, "the execution to end", func() bool {
		var err error
		out, err = c.DescribeExecution(context.Background(), &awssfn.DescribeExecutionInput{ExecutionArn: arn})
		return err == nil && out.Status != types.ExecutionStatusRunning
	})
	return out
}

// Two servers share PostgreSQL with the shipped lease (15 s). The node running a task is
// killed: the other node takes the task over once the dead node's lease runs out, within
// about 4/3 of a lease (the lease, plus at most one reaper interval of a third of it).
func TestDeadNodeHandsOverWithinTheLease(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t, "hand-over test")
	dir := t.TempDir()
	functions := writeFunctions(t, dir, `if [ -e first-run ]; then cat; else touch first-run; exec sleep 120; fi`)
	a := runServerProcess(t, dir, "--postgres", dsn, "--node-id", "a", "--functions", functions)
	b := runServerProcess(t, dir, "--postgres", dsn, "--node-id", "b", "--functions", functions)
	ctx := context.Background()
	sm := createWorkMachine(t, a.client())
	ex, err := a.client().StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: sm, Input: aws.String(`{"n":2}`)})
	mustNoErr(t, "start", err)
	waitFor(t, 30*time.Second, "the task's first run", func() bool {
		_, err := os.Stat(filepath.Join(dir, "first-run"))
		return err == nil
	})
	a.signal(syscall.SIGKILL)
	killed := time.Now()
	out := waitForEnd(t, b.client(), ex.ExecutionArn, 60*time.Second)
	took := time.Since(killed)
	t.Logf("hand-over after the node's death: %v", took)
	if out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != `{"n":2}` {
		t.Fatalf("status %s output %s", out.Status, aws.ToString(out.Output))
	}
	// 4/3 of the 15 s lease, and a little for the commit and the poll here.
	if took > 25*time.Second {
		t.Fatalf("the other node took the task over %v after the death; want within about 20 s", took)
	}
}

// A task that runs for longer than two leases on one of two live nodes is run once: the node
// renews its lease while the task runs, so the other node never takes it.
func TestLongTaskOnTwoNodesRunsOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t, "long task test")
	dir := t.TempDir()
	functions := writeFunctions(t, dir, `echo run >> runs; sleep 35; cat`)
	a := runServerProcess(t, dir, "--postgres", dsn, "--node-id", "a", "--functions", functions)
	b := runServerProcess(t, dir, "--postgres", dsn, "--node-id", "b", "--functions", functions)
	_ = b
	ctx := context.Background()
	sm := createWorkMachine(t, a.client())
	ex, err := a.client().StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: sm, Input: aws.String(`{"n":3}`)})
	mustNoErr(t, "start", err)
	out := waitForEnd(t, a.client(), ex.ExecutionArn, 90*time.Second)
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("status %s", out.Status)
	}
	runs, err := os.ReadFile(filepath.Join(dir, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(runs), "run"); n != 1 {
		t.Fatalf("the task ran %d times, want once", n)
	}
}
