package aws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
)

// These tests play a server killed outright while a .sync task waits for the job it
// started: the first invoker's network dies (so it cannot stop the job, as a SIGKILLed
// process cannot) and its context ends; a second invoker, the restarted server, runs the
// same task again with the same idempotency key, as the engine does. It must rejoin the job
// the first one started, not start another.

// killableTransport is the network of a server that can be killed: once dead, nothing it
// sends arrives.
type killableTransport struct{ dead atomic.Bool }

func (k *killableTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.dead.Load() {
		return nil, errors.New("the server was killed")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// doomedServer is a first server: an invoker whose network and context die together.
type doomedServer struct {
	inv     *awsint.Invoker
	network *killableTransport
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan error
}

func startDoomed(t *testing.T, cfg awsint.Config, req *task.Request) *doomedServer {
	t.Helper()
	s := &doomedServer{network: &killableTransport{}, done: make(chan error, 1)}
	cfg.HTTPClient = &http.Client{Transport: s.network, Timeout: time.Minute}
	s.inv = newInvoker(t, cfg)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go func() {
		_, err := s.inv.Invoke(s.ctx, req)
		s.done <- err
	}()
	return s
}

// kill cuts the network, then ends the task, and waits for the invoker to return.
func (s *doomedServer) kill(t *testing.T) {
	t.Helper()
	s.network.dead.Store(true)
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		t.Fatal("the killed server's task did not return")
	}
}

// invokeAsync runs req on inv in the background.
func invokeAsync(inv *awsint.Invoker, req *task.Request) (result chan any, failure chan error) {
	result, failure = make(chan any, 1), make(chan error, 1)
	go func() {
		out, err := inv.Invoke(context.Background(), req)
		if err != nil {
			failure <- err
			return
		}
		result <- out
	}()
	return result, failure
}

func waitFailure(t *testing.T, failure chan error, result chan any) *task.Error {
	t.Helper()
	select {
	case err := <-failure:
		te, ok := err.(*task.Error)
		if !ok {
			t.Fatalf("Invoke failed with %v, want a task error", err)
		}
		return te
	case out := <-result:
		t.Fatalf("Invoke succeeded with %s, want a failure", jsonvalue.MarshalString(out))
	case <-time.After(time.Minute):
		t.Fatal("Invoke did not return")
	}
	return nil
}

func batchJobsNamed(t *testing.T, base, queue, name string) []string {
	t.Helper()
	list, _ := wireCall(t, base, "/v1/listjobs", "", map[string]any{"jobQueue": queue,
		"filters": []any{map[string]any{"name": "JOB_NAME", "values": []any{name}}}})["jobSummaryList"].([]any)
	var ids []string
	for _, j := range list {
		ids = append(ids, j.(map[string]any)["jobId"].(string))
	}
	return ids
}

func TestBatchSubmitJobSyncRejoinsJobAfterKill(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t) // in moto's Docker mode, a job waiting on a job that never ends waits until terminated
	queue, def := mototest.BatchSetup(t, base, "rejoin")
	cfg := awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"batch"}}
	req := &task.Request{Resource: sfn.ParseResource("arn:aws:states:::batch:submitJob.sync"),
		IdempotencyKey: "arn:aws:states:us-east-1:123456789012:execution:m:e#7",
		Input: map[string]any{"JobName": "rejoined-job", "JobQueue": queue, "JobDefinition": def,
			"Tags": map[string]any{"team": "images"}, "DependsOn": []any{map[string]any{"JobId": "never-ending-job"}}}}

	first := startDoomed(t, cfg, req)
	id := waitForJob(t, base, queue, "rejoined-job")
	first.kill(t)
	if job := describeJob(t, base, id); job["status"] == "FAILED" {
		t.Fatalf("the killed server terminated its job (%v): the test does not play a kill", job["statusReason"])
	}

	restarted := newInvoker(t, cfg)
	result, failure := invokeAsync(restarted, req)
	time.Sleep(2 * time.Second) // the restarted task looks at the job at least once
	if ids := batchJobsNamed(t, base, queue, "rejoined-job"); len(ids) != 1 {
		t.Fatalf("jobs named rejoined-job after the restart: %v, want only the first server's %s", ids, id)
	}
	wireCall(t, base, "/v1/terminatejob", "", map[string]any{"jobId": id, "reason": "ended from outside"})
	te := waitFailure(t, failure, result)
	var job map[string]any
	if err := json.Unmarshal([]byte(te.Cause), &job); te.Name != sfn.ErrorTaskFailed || err != nil {
		t.Fatalf("restarted task failed with %s: %s, want States.TaskFailed with the job", te.Name, te.Cause)
	}
	if job["JobId"] != id {
		t.Errorf("the restarted task waited for job %v, want the first server's %s", job["JobId"], id)
	}
	if tags := jsonvalue.MarshalString(job["Tags"]); tags != `{"team":"images"}` {
		t.Errorf("job Tags %s, want the definition's tags without Stepflow's", tags)
	}
}

func TestBatchSubmitJobSyncRejoinsFinishedJob(t *testing.T) {
	t.Parallel()
	base := mototest.Own(t, `{"batch": {"use_docker": false}}`) // every job SUCCEEDS at once
	queue, def := mototest.BatchSetup(t, base, "finished")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"batch"}})
	req := &task.Request{Resource: sfn.ParseResource("arn:aws:states:::batch:submitJob.sync"),
		IdempotencyKey: "arn:aws:states:us-east-1:123456789012:execution:m:e#3",
		Input:          map[string]any{"JobName": "once", "JobQueue": queue, "JobDefinition": def}}
	first, err := inv.Invoke(mototest.Context(t), req)
	if err != nil {
		t.Fatal(err)
	}
	// The server died after the job ended but before the task's result was committed: the
	// task runs again and must answer the same job, not run it twice.
	again, err := inv.Invoke(mototest.Context(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if get(first, "JobId") == nil || get(again, "JobId") != get(first, "JobId") || get(again, "Status") != "SUCCEEDED" {
		t.Errorf("run again: job %v (%v), first run %v", get(again, "JobId"), get(again, "Status"), get(first, "JobId"))
	}
	if jsonvalue.IsObject(get(again, "Tags")) {
		t.Errorf("result Tags %v, want none (the definition gave none; Stepflow's own tag is not shown)", get(again, "Tags"))
	}
	// Another scheduling of the task (a Retry's next attempt) has another key: a new job.
	req.IdempotencyKey += "-retry"
	if _, err := inv.Invoke(mototest.Context(t), req); err != nil {
		t.Fatal(err)
	}
	if ids := batchJobsNamed(t, base, queue, "once"); len(ids) != 2 {
		t.Errorf("jobs named once: %v, want 2 (the task, then its retry)", ids)
	}
}

func TestECSRunTaskSyncRejoinsTaskAfterKill(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	cluster, family := ecsSetup(t, base, "rejoin")
	var params map[string]any
	if err := json.Unmarshal([]byte(fmt.Sprintf("{"+ecsRunTaskParams+"}", cluster, family)), &params); err != nil {
		t.Fatal(err)
	}
	cfg := awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"ecs"}}
	req := &task.Request{Resource: sfn.ParseResource("arn:aws:states:::ecs:runTask.sync"), Input: params,
		IdempotencyKey: "arn:aws:states:us-east-1:123456789012:execution:m:e#5"}

	first := startDoomed(t, cfg, req)
	arn := ecsRunning(t, base, cluster)
	first.kill(t)

	restarted := newInvoker(t, cfg)
	result, failure := invokeAsync(restarted, req)
	time.Sleep(2 * time.Second)
	if arns, _ := wireCall(t, base, "/", ecsTarget+"ListTasks", map[string]any{"cluster": cluster})["taskArns"].([]any); len(arns) != 1 {
		t.Fatalf("tasks after the restart: %v, want only the first server's %s", arns, arn)
	}
	wireCall(t, base, "/", ecsTarget+"StopTask", map[string]any{"cluster": cluster, "task": arn, "reason": "done"})
	select {
	case out := <-result:
		if get(out, "TaskArn") != arn || get(out, "LastStatus") != "STOPPED" {
			t.Errorf("restarted task answered %s, want the first server's task %s STOPPED", jsonvalue.MarshalString(out), arn)
		}
		if tags := jsonvalue.MarshalString(get(out, "Tags")); tags != "[]" && tags != "null" {
			t.Errorf("result Tags %s, want Stepflow's tag not shown", tags)
		}
		if get(out, "StartedBy") != "AWS Step Functions" {
			t.Errorf("StartedBy = %v, want AWS Step Functions, as Step Functions marks the tasks it waits for", get(out, "StartedBy"))
		}
	case err := <-failure:
		t.Fatalf("restarted task failed: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("restarted task did not return")
	}
	// The task carried the key digest as ECS's own idempotency token and as a tag.
	described, _ := wireCall(t, base, "/", ecsTarget+"DescribeTasks", map[string]any{"cluster": cluster, "tasks": []any{arn}, "include": []any{"TAGS"}})["tasks"].([]any)
	if tags := jsonvalue.MarshalString(get(described[0], "tags")); !strings.Contains(tags, `"key":"stepflow:task-key"`) {
		t.Errorf("the ECS task's tags %s do not carry the task key", tags)
	}
}

const sfnTarget = "AWSStepFunctions."

func TestRemoteStartExecutionSyncRejoinsChildAfterKill(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t) // moto's executions run until stopped
	machine := wireCallJSON10(t, base, sfnTarget+"CreateStateMachine", map[string]any{"name": "rejoin-child",
		"definition": `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`,
		"roleArn":    "arn:aws:iam::123456789012:role/sfn"})["stateMachineArn"].(string)
	cfg := awsint.Config{Endpoints: []string{"states=" + base}, Allow: []string{"states"}}
	for _, tc := range []struct {
		name string
		// endBeforeRestart stops the child before the restarted task asks for it again:
		// StartExecution then answers ExecutionAlreadyExists, which means "found it".
		endBeforeRestart bool
	}{{"child still running", false}, {"child ended meanwhile", true}} {
		t.Run(tc.name, func(t *testing.T) {
			req := &task.Request{Resource: sfn.ParseResource("arn:aws:states:::states:startExecution.sync"),
				Input:          map[string]any{"StateMachineArn": machine, "Input": map[string]any{"case": tc.name}},
				IdempotencyKey: "arn:aws:states:us-east-1:123456789012:execution:parent:p#" + tc.name}
			first := startDoomed(t, cfg, req)
			child := waitForExecution(t, base, machine, map[string]any{"case": tc.name})
			first.kill(t)
			if tc.endBeforeRestart {
				wireCallJSON10(t, base, sfnTarget+"StopExecution", map[string]any{"executionArn": child})
			}
			restarted := newInvoker(t, cfg)
			result, failure := invokeAsync(restarted, req)
			if !tc.endBeforeRestart {
				time.Sleep(2 * time.Second)
				wireCallJSON10(t, base, sfnTarget+"StopExecution", map[string]any{"executionArn": child})
			}
			te := waitFailure(t, failure, result)
			var desc map[string]any
			if err := json.Unmarshal([]byte(te.Cause), &desc); te.Name != sfn.ErrorTaskFailed || err != nil {
				t.Fatalf("restarted task failed with %s: %s, want States.TaskFailed with the aborted child", te.Name, te.Cause)
			}
			if desc["ExecutionArn"] != child || desc["Status"] != "ABORTED" {
				t.Errorf("the restarted task waited for %v (%v), want the first server's child %s", desc["ExecutionArn"], desc["Status"], child)
			}
			if n := len(executionsWithInput(t, base, machine, map[string]any{"case": tc.name})); n != 1 {
				t.Errorf("%d children with this input, want 1", n)
			}
		})
	}
	// A child the definition names keeps AWS's answer once it has ended, even to the same
	// input: ExecutionAlreadyExists, which definitions catch to start a child only once.
	named := &task.Request{Resource: sfn.ParseResource("arn:aws:states:::states:startExecution"),
		Input:          map[string]any{"StateMachineArn": machine, "Name": "named-child", "Input": map[string]any{"case": "named"}},
		IdempotencyKey: "arn:aws:states:us-east-1:123456789012:execution:parent:p#named"}
	inv := newInvoker(t, cfg)
	out, err := inv.Invoke(mototest.Context(t), named)
	if err != nil {
		t.Fatal(err)
	}
	wireCallJSON10(t, base, sfnTarget+"StopExecution", map[string]any{"executionArn": get(out, "ExecutionArn")})
	_, err = inv.Invoke(mototest.Context(t), named)
	if te, ok := err.(*task.Error); !ok || te.Name != "StepFunctions.ExecutionAlreadyExistsException" {
		t.Errorf("the named child again after it ended: %v, want StepFunctions.ExecutionAlreadyExistsException", err)
	}
}

func wireCallJSON10(t *testing.T, base, target string, body any) map[string]any {
	t.Helper()
	data, _ := json.Marshal(body)
	return mototest.Call(t, base+"/", "states", target, "application/x-amz-json-1.0", data)
}

// executionsWithInput lists the executions of machine started with input.
func executionsWithInput(t *testing.T, base, machine string, input any) []string {
	t.Helper()
	want := jsonvalue.MarshalString(input)
	list, _ := wireCallJSON10(t, base, sfnTarget+"ListExecutions", map[string]any{"stateMachineArn": machine})["executions"].([]any)
	var arns []string
	for _, e := range list {
		arn := e.(map[string]any)["executionArn"].(string)
		desc := wireCallJSON10(t, base, sfnTarget+"DescribeExecution", map[string]any{"executionArn": arn})
		var got any
		_ = json.Unmarshal([]byte(fmt.Sprint(desc["input"])), &got)
		if jsonvalue.MarshalString(got) == want {
			arns = append(arns, arn)
		}
	}
	return arns
}

func waitForExecution(t *testing.T, base, machine string, input any) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if arns := executionsWithInput(t, base, machine, input); len(arns) == 1 {
			return arns[0]
		}
	}
	t.Fatalf("no execution of %s with input %v", machine, input)
	return ""
}

// A request-response RunTask run again answers the task it started, and neither answer
// shows Stepflow's tag, which the ECS task carries.
func TestECSRunTaskRequestResponseRunAgainAnswersSameTask(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	cluster, family := ecsSetup(t, base, "rr-again")
	var params map[string]any
	if err := json.Unmarshal([]byte(fmt.Sprintf("{"+ecsRunTaskParams+", \"Tags\": [{\"Key\": \"team\", \"Value\": \"etl\"}]}", cluster, family)), &params); err != nil {
		t.Fatal(err)
	}
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"ecs"}})
	req := &task.Request{Resource: sfn.ParseResource("arn:aws:states:::ecs:runTask"), Input: params,
		IdempotencyKey: "arn:aws:states:us-east-1:123456789012:execution:m:e#9"}
	var arns []any
	for i := 0; i < 2; i++ {
		out, err := inv.Invoke(mototest.Context(t), req)
		if err != nil {
			t.Fatal(err)
		}
		tasks, _ := get(out, "Tasks").([]any)
		if len(tasks) != 1 {
			t.Fatalf("run %d: Tasks %s", i, jsonvalue.MarshalString(get(out, "Tasks")))
		}
		if tags := jsonvalue.MarshalString(get(tasks[0], "Tags")); tags != `[{"Key":"team","Value":"etl"}]` {
			t.Errorf("run %d: Tags %s, want the definition's tags only", i, tags)
		}
		arns = append(arns, get(tasks[0], "TaskArn"))
	}
	if arns[0] == nil || arns[0] != arns[1] {
		t.Errorf("task run again answered %v, first run %v", arns[1], arns[0])
	}
	if listed, _ := wireCall(t, base, "/", ecsTarget+"ListTasks", map[string]any{"cluster": cluster})["taskArns"].([]any); len(listed) != 1 {
		t.Errorf("tasks in the cluster: %v, want one", listed)
	}
}
