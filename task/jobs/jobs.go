// Package jobs runs AWS Batch jobs and Amazon ECS tasks as local processes, so definitions
// that call arn:aws:states:::batch:submitJob(.sync) and arn:aws:states:::ecs:runTask(.sync)
// run unchanged without AWS.
//
// The operator's jobs file maps job definitions and task definition families to local
// commands. SubmitJob's Parameters (Ref::NAME), ContainerOverrides, array jobs, attempt
// timeouts and retry strategies, and RunTask's container overrides, are honoured. The
// request-response pattern starts the job and returns SubmitJob's (RunTask's) answer; .sync
// waits and returns the job as DescribeJobs (the task as DescribeTasks) gives it, failing the
// task as Step Functions does when the job fails.
//
// A job's processes run in a process group of their own, killed when the execution stops or
// the task times out. A .sync job belongs to its task: a server that dies mid-job runs the
// task again after its restart (tasks are at least once), and the job with it, under the same
// job id. A request-response job outlives its task, so it is written down in a journal
// directory while it runs, and Resume runs again, under the same job id, those a killed
// server left unfinished.
package jobs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// maxArrayParallelism bounds the children of one array job running at once: Batch runs
// them as capacity allows, and a laptop has less capacity than a compute environment.
const maxArrayParallelism = 8

// Options configures an Invoker.
type Options struct {
	// Scope is the partition, region and account of the ARNs the jobs get.
	Scope sfn.Scope
	// Jobs is the jobs file; nil runs nothing locally.
	Jobs *Config
	// Next runs the jobs whose definition is not in the jobs file (e.g. on AWS); nil fails
	// them as the service fails an unknown definition.
	Next task.Invoker
	// Logger gets a line per finished process with the start of its output; nil discards.
	Logger *slog.Logger
	// JournalDir is where request-response jobs are written down while they run, so that
	// Resume runs again, at the next start, those a killed server left unfinished; "" keeps
	// no journal (such a job dies with the server and is forgotten).
	JournalDir string
}

// Invoker runs batch:submitJob and ecs:runTask tasks.
type Invoker struct {
	opts Options
	// background holds the jobs started by request-response tasks, which outlive their
	// task; Close kills them.
	background       context.Context
	stopBackground   context.CancelFunc
	backgroundJobs   sync.WaitGroup
	backgroundJobsMu sync.Mutex
}

// New returns an Invoker. Call Close when done with it.
func New(opts Options) *Invoker {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	inv := &Invoker{opts: opts}
	inv.background, inv.stopBackground = context.WithCancel(context.Background())
	return inv
}

// Routes lists the router services (task.Router.HandleService) this invoker serves.
func (inv *Invoker) Routes() []string { return []string{"batch", "ecs"} }

// Close kills the jobs started by request-response tasks that still run and waits for them.
func (inv *Invoker) Close() error {
	inv.stopBackground()
	inv.backgroundJobsMu.Lock()
	defer inv.backgroundJobsMu.Unlock()
	inv.backgroundJobs.Wait()
	return nil
}

// Invoke runs one batch:submitJob or ecs:runTask task.
func (inv *Invoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	r := req.Resource
	switch r.Pattern {
	case "", "sync", "waitForTaskToken":
	default:
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("resource %s: the .%s pattern is not supported for this integration", r.ARN, r.Pattern)}
	}
	switch r.Service + ":" + r.Action {
	case "batch:submitJob":
		return inv.submitJob(ctx, inv.withJournalKey(req))
	case "ecs:runTask":
		return inv.runTask(ctx, inv.withJournalKey(req))
	}
	if inv.opts.Next != nil {
		return inv.opts.Next.Invoke(ctx, req)
	}
	return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("resource %s: Stepflow runs batch:submitJob and ecs:runTask locally; %s:%s is not supported", r.ARN, r.Service, r.Action)}
}

// startBackground runs a request-response job after its task has answered, written down
// in the journal (when there is one) until it ends. A job that cannot be kept track of any
// more (the server is closing) is killed, not left behind; its record stays, for Resume.
func (inv *Invoker) startBackground(req *task.Request, run func(ctx context.Context)) error {
	inv.backgroundJobsMu.Lock()
	defer inv.backgroundJobsMu.Unlock()
	if inv.background.Err() != nil {
		return &task.Error{Name: sfn.ErrorTaskFailed, Cause: "the server is shutting down: the job was not started"}
	}
	ended, err := inv.journalStart(req)
	if err != nil {
		return err
	}
	inv.backgroundJobs.Add(1)
	go func() {
		defer inv.backgroundJobs.Done()
		run(inv.background)
		ended(inv.background)
	}()
	return nil
}

// decodeInput reads a task's parameters into the request structure of an API.
func decodeInput(input any, into any) error {
	data, err := jsonvalue.Marshal(input)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}

// toValue turns a response structure into the decoded JSON value a state gets.
func toValue(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("jobs: encode result: %v", err)) // only our own types are encoded
	}
	out, err := jsonvalue.Unmarshal(data)
	if err != nil {
		panic(fmt.Sprintf("jobs: decode result: %v", err))
	}
	return out
}

// jobID is the id of the job a task starts. A task run again after a crash (same
// idempotency key) gets the same id, so its job can tell it is a repeat; without a key it
// is random.
func jobID(idempotencyKey string) string {
	var b [16]byte
	if idempotencyKey != "" {
		sum := sha256.Sum256([]byte("stepflow-job:" + idempotencyKey))
		copy(b[:], sum[:16])
	} else {
		_, _ = rand.Read(b[:])
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// requestID makes the request id of an answer, as a service's RequestId header gives it.
func requestID() string { return jobID("") }

// sdkMetadata is what Step Functions puts beside a request-response integration's result:
// the AWS SDK for Java's response metadata, in AWS's order (task.SDKHTTPMetadata). The
// result's own members are sorted where the engine takes it (task.Result), as AWS writes
// them.
func sdkMetadata(result map[string]any, reqID string, bodyLen int) map[string]any {
	values := map[string][]string{"Content-Type": {"application/json"}, "x-amzn-RequestId": {reqID},
		"Content-Length": {fmt.Sprint(bodyLen)}}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	result["SdkHttpMetadata"] = task.SDKHTTPMetadata(names, values, 200)
	result["SdkResponseMetadata"] = jsonvalue.ObjectOf("RequestId", reqID)
	return result
}

// logProcess writes a finished process's exit and the start of its output to the log.
func (inv *Invoker) logProcess(kind, id string, res processResult) {
	attrs := []any{"job", id}
	if res.exitCode != nil {
		attrs = append(attrs, "exitCode", *res.exitCode)
	}
	if res.reason != "" {
		attrs = append(attrs, "reason", res.reason)
	}
	if res.timedOut {
		attrs = append(attrs, "timedOut", true)
	}
	out := strings.TrimSpace(string(res.output.Bytes()))
	attrs = append(attrs, "output", out)
	if res.output.Overflowed() {
		attrs = append(attrs, "outputDroppedBytes", res.output.Dropped())
	}
	inv.opts.Logger.Info(kind+" process ended", attrs...)
}
