package jobs

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// submitJobInput is SubmitJob's request as a Task state gives it (PascalCase). Fields this
// package has no use for locally (DependsOn, Tags' propagation, scheduling) are accepted
// and ignored.
type submitJobInput struct {
	JobName            string            `json:"JobName"`
	JobQueue           string            `json:"JobQueue"`
	JobDefinition      string            `json:"JobDefinition"`
	Parameters         map[string]string `json:"Parameters"`
	ContainerOverrides *struct {
		Command     []string   `json:"Command"`
		Environment []keyValue `json:"Environment"`
	} `json:"ContainerOverrides"`
	ArrayProperties *struct {
		Size int `json:"Size"`
	} `json:"ArrayProperties"`
	Timeout *struct {
		AttemptDurationSeconds int `json:"AttemptDurationSeconds"`
	} `json:"Timeout"`
	RetryStrategy *struct {
		Attempts int `json:"Attempts"`
	} `json:"RetryStrategy"`
	Tags map[string]string `json:"Tags"`
}

type keyValue struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// Batch's limits on SubmitJob, from its API reference.
const (
	minArraySize          = 2
	maxArraySize          = 10000
	minAttemptSeconds     = 60
	minRetryAttempts      = 1
	maxRetryAttempts      = 10
	statusReasonExited    = "Essential container in task exited"
	statusReasonTimedOut  = "Job attempt duration exceeded timeout"
	managedByAWS          = "MANAGED_BY_AWS"
	managedByStepFunction = "STARTED_BY_STEP_FUNCTIONS"
)

var jobNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// batchJob is one submitted job and what became of it.
type batchJob struct {
	id, arn, name, queue, definitionARN string
	parameters                          map[string]string
	argv                                []string
	dir                                 string
	env                                 []keyValue // the container's environment as DescribeJobs lists it
	arraySize                           int
	attemptTimeout                      time.Duration
	attempts                            int
	tags                                map[string]string
	createdAt                           time.Time
}

// batchError is Batch's answer to a request it refuses, named as Step Functions names it.
func batchError(msg string) *task.Error {
	id := requestID()
	return &task.Error{Name: "Batch.ClientException", Cause: fmt.Sprintf(
		"Error executing request, Exception : %s, RequestId: %s (Service: AWSBatch; Status Code: 400; Error Code: ClientException; Request ID: %s; Proxy: null)", msg, id, id)}
}

func (inv *Invoker) submitJob(ctx context.Context, req *task.Request) (any, error) {
	var in submitJobInput
	if err := decodeInput(req.Input, &in); err != nil {
		return nil, batchError("Invalid request: " + err.Error())
	}
	if in.JobDefinition == "" {
		return nil, batchError("JobDefinition is required")
	}
	key, entry := inv.opts.Jobs.lookup(in.JobDefinition)
	if entry == nil {
		if inv.opts.Next != nil {
			return inv.opts.Next.Invoke(ctx, req)
		}
		return nil, batchError(fmt.Sprintf("Job definition %s does not exist: the jobs file (--jobs) has no entry for it", in.JobDefinition))
	}
	job, err := inv.newBatchJob(&in, key, entry, req)
	if err != nil {
		return nil, err
	}
	if req.Resource.Pattern != "sync" {
		if err := inv.startBackground(req, func(ctx context.Context) { _, _ = inv.runBatchJob(ctx, job) }); err != nil {
			return nil, err
		}
		reqID := requestID()
		answer := map[string]any{"JobArn": job.arn, "JobId": job.id, "JobName": job.name}
		return sdkMetadata(answer, reqID, len(jsonvalue.MarshalString(answer))), nil
	}
	desc, err := inv.runBatchJob(ctx, job)
	if err != nil {
		return nil, err
	}
	if desc["Status"] != "SUCCEEDED" {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: jsonvalue.MarshalString(desc)}
	}
	return desc, nil
}

// newBatchJob checks a SubmitJob request as Batch does and resolves its command.
func (inv *Invoker) newBatchJob(in *submitJobInput, key string, entry *JobConfig, req *task.Request) (*batchJob, error) {
	switch {
	case in.JobName == "":
		return nil, batchError("JobName is required")
	case !jobNamePattern.MatchString(in.JobName):
		return nil, batchError(fmt.Sprintf("JobName %q is invalid: up to 128 letters, numbers, hyphens and underscores, starting with a letter or number", in.JobName))
	case in.JobQueue == "":
		return nil, batchError("JobQueue is required")
	}
	scope := inv.opts.Scope
	job := &batchJob{id: jobID(req.IdempotencyKey), name: in.JobName, queue: in.JobQueue, attempts: 1,
		tags: in.Tags, createdAt: time.Now(), dir: entry.Dir}
	job.arn = fmt.Sprintf("arn:%s:batch:%s:%s:job/%s", scope.Partition, scope.Region, scope.Account, job.id)
	if !strings.HasPrefix(job.queue, "arn:") {
		job.queue = fmt.Sprintf("arn:%s:batch:%s:%s:job-queue/%s", scope.Partition, scope.Region, scope.Account, job.queue)
	}
	job.definitionARN = key
	if !strings.HasPrefix(key, "arn:") {
		name, rev := splitDefinition(in.JobDefinition)
		if rev == "" {
			rev = "1"
		}
		job.definitionARN = fmt.Sprintf("arn:%s:batch:%s:%s:job-definition/%s:%s", scope.Partition, scope.Region, scope.Account, name, rev)
	}
	if a := in.ArrayProperties; a != nil && a.Size != 0 {
		if a.Size < minArraySize || a.Size > maxArraySize {
			return nil, batchError(fmt.Sprintf("ArrayProperties.Size %d is invalid: an array job has %d to %d child jobs", a.Size, minArraySize, maxArraySize))
		}
		job.arraySize = a.Size
	}
	if t := in.Timeout; t != nil && t.AttemptDurationSeconds != 0 {
		if t.AttemptDurationSeconds < minAttemptSeconds {
			return nil, batchError(fmt.Sprintf("Timeout.AttemptDurationSeconds %d is invalid: the minimum is %d seconds", t.AttemptDurationSeconds, minAttemptSeconds))
		}
		job.attemptTimeout = time.Duration(t.AttemptDurationSeconds) * time.Second
	}
	if r := in.RetryStrategy; r != nil && r.Attempts != 0 {
		if r.Attempts < minRetryAttempts || r.Attempts > maxRetryAttempts {
			return nil, batchError(fmt.Sprintf("RetryStrategy.Attempts %d is invalid: from %d to %d attempts", r.Attempts, minRetryAttempts, maxRetryAttempts))
		}
		job.attempts = r.Attempts
	}
	// The job definition's default parameters, overridden by the request's.
	job.parameters = map[string]string{}
	for k, v := range entry.Parameters {
		job.parameters[k] = v
	}
	for k, v := range in.Parameters {
		job.parameters[k] = v
	}
	command := entry.Command
	if o := in.ContainerOverrides; o != nil && len(o.Command) > 0 {
		command = o.Command
	}
	job.argv = substituteRefs(command, job.parameters)
	env := map[string]string{}
	for k, v := range entry.Env {
		env[k] = v
	}
	if o := in.ContainerOverrides; o != nil {
		for _, kv := range o.Environment {
			if kv.Name == "" || strings.HasPrefix(kv.Name, "AWS_BATCH") {
				return nil, batchError(fmt.Sprintf("ContainerOverrides.Environment name %q is invalid: names must not be empty or start with AWS_BATCH", kv.Name))
			}
			env[kv.Name] = kv.Value
		}
	}
	if req.Resource.Pattern == "sync" {
		// Step Functions marks the jobs it waits for.
		env[managedByAWS] = managedByStepFunction
	}
	for _, k := range sortedKeys(env) {
		job.env = append(job.env, keyValue{Name: k, Value: env[k]})
	}
	return job, nil
}

// substituteRefs replaces each argument "Ref::NAME" by parameter NAME, as Batch fills a
// job definition's command; a reference to a parameter nobody set stays as written.
func substituteRefs(command []string, params map[string]string) []string {
	out := make([]string, len(command))
	for i, arg := range command {
		out[i] = arg
		if name, ok := strings.CutPrefix(arg, "Ref::"); ok {
			if v, set := params[name]; set {
				out[i] = v
			}
		}
	}
	return out
}

// batchAttempt is one attempt of a job, as DescribeJobs lists it.
type batchAttempt struct {
	Container struct {
		ExitCode *int   `json:"ExitCode,omitempty"`
		Reason   string `json:"Reason,omitempty"`
	} `json:"Container"`
	StartedAt    int64  `json:"StartedAt"`
	StoppedAt    int64  `json:"StoppedAt"`
	StatusReason string `json:"StatusReason"`
}

// attemptsResult is how the attempts of one job (or one child of an array job) went.
type attemptsResult struct {
	attempts             []batchAttempt
	succeeded            bool
	startedAt, stopped   time.Time
	exitCode             *int
	reason, statusReason string
}

// runAttempts runs a job's process until it succeeds or its attempts are used up.
func (inv *Invoker) runAttempts(ctx context.Context, job *batchJob, id string, extraEnv []string) (attemptsResult, error) {
	var r attemptsResult
	for attempt := 1; attempt <= job.attempts; attempt++ {
		env := []string{"AWS_BATCH_JOB_ID=" + id, "AWS_BATCH_JQ_NAME=" + lastSegment(job.queue),
			"AWS_BATCH_JOB_ATTEMPT=" + strconv.Itoa(attempt)}
		env = append(env, extraEnv...)
		for _, kv := range job.env {
			env = append(env, kv.Name+"="+kv.Value)
		}
		res, err := runProcess(ctx, processSpec{argv: job.argv, dir: job.dir, env: env, timeout: job.attemptTimeout})
		if err != nil {
			return r, err
		}
		inv.logProcess("batch job", id, res)
		a := batchAttempt{StartedAt: res.started.UnixMilli(), StoppedAt: res.stopped.UnixMilli(), StatusReason: statusReasonExited}
		a.Container.ExitCode, a.Container.Reason = res.exitCode, res.reason
		switch {
		case res.timedOut:
			a.StatusReason = statusReasonTimedOut
		case res.exitCode == nil:
			a.StatusReason = res.reason
		}
		r.attempts = append(r.attempts, a)
		if attempt == 1 {
			r.startedAt = res.started
		}
		r.stopped, r.exitCode, r.reason, r.statusReason = res.stopped, res.exitCode, res.reason, a.StatusReason
		if res.exitCode != nil && *res.exitCode == 0 && !res.timedOut {
			r.succeeded = true
			break
		}
	}
	return r, nil
}

// runBatchJob runs a job, or the children of an array job, to the end and returns the job
// as DescribeJobs gives it. The error is ctx's when the job was stopped.
func (inv *Invoker) runBatchJob(ctx context.Context, job *batchJob) (map[string]any, error) {
	if job.arraySize == 0 {
		r, err := inv.runAttempts(ctx, job, job.id, nil)
		if err != nil {
			return nil, err
		}
		desc := job.describe(r.succeeded, r.statusReason, r.startedAt, r.stopped)
		container := desc["Container"].(map[string]any)
		if r.exitCode != nil {
			container["ExitCode"] = float64(*r.exitCode)
		}
		if r.reason != "" {
			container["Reason"] = r.reason
		}
		desc["Attempts"] = toValue(r.attempts)
		return desc, nil
	}
	// An array job: its children run side by side, each with the job's retry strategy; the
	// parent succeeds when every child does.
	results := make([]attemptsResult, job.arraySize)
	errs := make([]error, job.arraySize)
	slots := make(chan struct{}, maxArrayParallelism)
	var wg sync.WaitGroup
	for i := range job.arraySize {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			results[i], errs[i] = inv.runAttempts(ctx, job, fmt.Sprintf("%s:%d", job.id, i), []string{"AWS_BATCH_JOB_ARRAY_INDEX=" + strconv.Itoa(i)})
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	succeeded, failed := 0, 0
	started, stopped := results[0].startedAt, results[0].stopped
	for _, r := range results {
		if r.succeeded {
			succeeded++
		} else {
			failed++
		}
		if r.startedAt.Before(started) {
			started = r.startedAt
		}
		if r.stopped.After(stopped) {
			stopped = r.stopped
		}
	}
	reason := ""
	if failed > 0 {
		reason = fmt.Sprintf("Array Child Job failed: %d of %d child jobs failed", failed, job.arraySize)
	}
	desc := job.describe(failed == 0, reason, started, stopped)
	if reason == "" {
		delete(desc, "StatusReason")
	}
	desc["Attempts"] = []any{}
	desc["ArrayProperties"] = map[string]any{"Size": float64(job.arraySize), "StatusSummary": map[string]any{
		"SUCCEEDED": float64(succeeded), "FAILED": float64(failed), "RUNNING": float64(0), "PENDING": float64(0),
		"RUNNABLE": float64(0), "STARTING": float64(0), "SUBMITTED": float64(0)}}
	return desc, nil
}

// describe is the job as DescribeJobs gives it once it has ended, with the PascalCase
// member names Step Functions' .sync result has.
func (job *batchJob) describe(succeeded bool, reason string, started, stopped time.Time) map[string]any {
	status := "FAILED"
	if succeeded {
		status = "SUCCEEDED"
	}
	env := make([]any, 0, len(job.env))
	for _, kv := range job.env {
		env = append(env, map[string]any{"Name": kv.Name, "Value": kv.Value})
	}
	// Parameters and Tags are maps, which the AWS SDK for Java reads into a HashMap: their
	// keys come out in its order, not sorted as the job's members are.
	params := map[string]any{}
	for k, v := range job.parameters {
		params[k] = v
	}
	tags := map[string]any{}
	for k, v := range job.tags {
		tags[k] = v
	}
	command := make([]any, len(job.argv))
	for i, a := range job.argv {
		command[i] = a
	}
	desc := map[string]any{
		"JobArn": job.arn, "JobId": job.id, "JobName": job.name, "JobQueue": job.queue,
		"JobDefinition": job.definitionARN, "Status": status, "StatusReason": reason,
		"CreatedAt": float64(job.createdAt.UnixMilli()), "StartedAt": float64(started.UnixMilli()),
		"StoppedAt": float64(stopped.UnixMilli()), "Parameters": hashMapOrder(params), "Tags": hashMapOrder(tags), "DependsOn": []any{},
		"RetryStrategy":        map[string]any{"Attempts": float64(job.attempts), "EvaluateOnExit": []any{}},
		"PlatformCapabilities": []any{}, "PropagateTags": false,
		"Container": map[string]any{"Command": command, "Environment": env},
	}
	if job.attemptTimeout > 0 {
		desc["Timeout"] = map[string]any{"AttemptDurationSeconds": float64(job.attemptTimeout / time.Second)}
	}
	return desc
}

func lastSegment(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// hashMapOrder is m with its keys in java.util.HashMap order (put in sorted).
func hashMapOrder(m map[string]any) *jsonvalue.Object {
	obj, _ := jsonvalue.AsObject(m)
	return jsonvalue.InJavaHashMapOrder(obj)
}
