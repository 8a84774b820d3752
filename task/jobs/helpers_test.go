//go:build unix

package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/jobs"
)

// newRouter loads jobsFile (JSON text, written to dir) and routes batch and ecs to it, as
// stepflow server does with --jobs.
func newRouter(t *testing.T, dir, jobsFile string) (*task.Router, *jobs.Invoker) {
	t.Helper()
	path := filepath.Join(dir, "jobs.json")
	if err := os.WriteFile(path, []byte(jobsFile), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := jobs.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	inv := jobs.New(jobs.Options{Scope: sfn.DefaultScope, Jobs: cfg})
	t.Cleanup(func() { _ = inv.Close() })
	router := task.NewRouter()
	for _, s := range inv.Routes() {
		router.HandleService(s, inv)
	}
	return router, inv
}

// run runs def (JSON text) to its end on real time (jobs are real processes) and returns
// its result and history. ctx ending stops the execution.
func run(ctx context.Context, t *testing.T, invoker task.Invoker, def string, input any) (interp.Result, []sfn.HistoryEvent) {
	t.Helper()
	sm, diags := asl.Parse([]byte(def), interp.ParseOptions(sfn.TypeStandard))
	if diags.HasErrors() {
		t.Fatalf("definition: %v", diags)
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit, History: true})
	if err != nil {
		t.Fatal(err)
	}
	if input == nil {
		input = map[string]any{}
	}
	var history []sfn.HistoryEvent
	scope := sfn.DefaultScope
	res, err := engine.Run(ctx, prog, engine.RunOptions{
		Info: interp.ExecutionInfo{
			ExecutionARN: scope.ExecutionARN("m", "e"), ExecutionName: "e",
			StateMachineARN: scope.StateMachineARN("m"), StateMachineName: "m",
			RoleARN: scope.RoleARN("r"), StartTime: time.Now().UTC(),
		},
		Input: input, Invoker: invoker,
		OnStep: func(evs []sfn.HistoryEvent) { history = append(history, evs...) },
	})
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	return res, history
}

func runDef(t *testing.T, invoker task.Invoker, def string, input any) interp.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, _ := run(ctx, t, invoker, def, input)
	return res
}

func mustSucceed(t *testing.T, res interp.Result) map[string]any {
	t.Helper()
	if res.Status != sfn.StatusSucceeded {
		t.Fatalf("execution %s: %s: %s", res.Status, res.Error, res.Cause)
	}
	out, ok := jsonvalue.Plain(res.Output).(map[string]any)
	if !ok {
		t.Fatalf("output %s is not an object", jsonvalue.MarshalString(res.Output))
	}
	return out
}

// get walks a value along keys; a key that is a number indexes an array.
func get(v any, keys ...string) any {
	for _, k := range keys {
		if i, err := strconv.Atoi(k); err == nil {
			a, _ := v.([]any)
			if i >= len(a) {
				return nil
			}
			v = a[i]
			continue
		}
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// processGone reports whether pid has ended: no such process, or a zombie nobody reaped yet
// (a killed grandchild whose new parent does not reap it).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	// pid (comm) STATE ...: comm may hold spaces, the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func waitForFile(t *testing.T, path string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(data))) > 0 {
			return strings.TrimSpace(string(data))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s was not written within %v", path, limit)
	return ""
}
