package aws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
)

// These tests run batch:submitJob and ecs:runTask against moto. moto runs Batch jobs in
// Docker, which these machines lack: in its default mode every job FAILS (the failure
// path); with {"batch": {"use_docker": false}} every job SUCCEEDS at once (the success
// path). moto's ECS tasks run until StopTask. Setup and checks speak the services' wire
// protocols directly: the SDK's Batch and ECS modules are not dependencies of Stepflow.

// wireCall posts one signed request to moto and decodes its JSON answer; target "" is
// REST-JSON (Batch), else AWS JSON 1.1 (ECS).
func wireCall(t testing.TB, base, path, target string, body any) map[string]any {
	t.Helper()
	data, _ := json.Marshal(body)
	service := "ecs"
	if target == "" {
		service = "batch"
	}
	return mototest.Call(t, base+path, service, target, "application/x-amz-json-1.1", data)
}

func describeJob(t *testing.T, base, id string) map[string]any {
	t.Helper()
	jobs, _ := wireCall(t, base, "/v1/describejobs", "", map[string]any{"jobs": []any{id}})["jobs"].([]any)
	if len(jobs) != 1 {
		t.Fatalf("DescribeJobs %s: %d jobs", id, len(jobs))
	}
	return jobs[0].(map[string]any)
}

func TestBatchSubmitJobOnAWS(t *testing.T) {
	t.Parallel()
	base := mototest.Own(t, `{"batch": {"use_docker": false}}`)
	queue, def := mototest.BatchSetup(t, base, "thumbs")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"batch=" + base}, Allow: []string{"batch"}})
	definition := fmt.Sprintf(`{"StartAt": "Submit", "States": {
	  "Submit": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob",
	    "Parameters": {"JobName": "fire-and-forget", "JobQueue": %[1]q, "JobDefinition": %[2]q},
	    "ResultPath": "$.submitted", "Next": "Wait"},
	  "Wait": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
	    "Parameters": {"JobName": "waited", "JobQueue": %[1]q, "JobDefinition": %[2]q,
	      "Parameters": {"Size.$": "$.size"}, "Tags": {"team-Name": "images"},
	      "ContainerOverrides": {"Environment": [{"Name": "MODE", "Value": "fast"}]}},
	    "ResultPath": "$.job", "End": true}}}`, queue, def)
	res, _ := run(t, newRouter(inv, nil), definition, map[string]any{"size": "128"})
	out := mustSucceed(t, res)

	submitted := out["submitted"]
	id, _ := get(submitted, "JobId").(string)
	if id == "" || get(submitted, "JobName") != "fire-and-forget" || !strings.HasPrefix(fmt.Sprint(get(submitted, "JobArn")), "arn:aws:batch:") {
		t.Errorf("request-response result %s, want JobId, JobName and JobArn", jsonvalue.MarshalString(submitted))
	}
	if get(submitted, "SdkHttpMetadata", "HttpStatusCode") != float64(200) {
		t.Errorf("request-response result has no SdkHttpMetadata: %s", jsonvalue.MarshalString(submitted))
	}
	if got := describeJob(t, base, id)["jobName"]; got != "fire-and-forget" {
		t.Errorf("DescribeJobs of the request-response job: name %v", got)
	}

	job := out["job"]
	if get(job, "Status") != "SUCCEEDED" || get(job, "JobName") != "waited" {
		t.Fatalf(".sync result %s, want the SUCCEEDED job", jsonvalue.MarshalString(job))
	}
	// Free-form maps keep their keys; members are PascalCase as Step Functions shows them.
	if got := get(job, "Parameters", "Size"); got != "128" {
		t.Errorf(".sync Parameters.Size = %v, want 128 (the state's parameter over the definition's); job %s", got, jsonvalue.MarshalString(job))
	}
	if got := get(job, "Tags", "team-Name"); got != "images" {
		t.Errorf(".sync Tags = %v, want team-Name kept as written", get(job, "Tags"))
	}
	if _, ok := get(job, "Container", "Command").([]any); !ok {
		t.Errorf(".sync Container.Command missing: %s", jsonvalue.MarshalString(job))
	}
	if wire := describeJob(t, base, get(job, "JobId").(string)); wire["status"] != "SUCCEEDED" {
		t.Errorf("DescribeJobs says %v", wire["status"])
	}
}

func TestBatchSubmitJobSyncFailedJobFailsTask(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t) // moto's Docker mode without Docker: the job FAILS
	queue, def := mototest.BatchSetup(t, base, "failing")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"batch:submitJob"}})
	definition := fmt.Sprintf(`{"StartAt": "Wait", "States": {
	  "Wait": {"Type": "Task", "Resource": "arn:aws:states:::batch:submitJob.sync",
	    "Parameters": {"JobName": "doomed", "JobQueue": %q, "JobDefinition": %q},
	    "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Caught"}], "End": true},
	  "Caught": {"Type": "Pass", "End": true}}}`, queue, def)
	res, _ := run(t, newRouter(inv, nil), definition, nil)
	out := mustSucceed(t, res)
	cause, _ := get(out, "error", "Cause").(string)
	var job map[string]any
	if err := json.Unmarshal([]byte(cause), &job); err != nil {
		t.Fatalf("cause %q is not the job as JSON: %v", cause, err)
	}
	if job["Status"] != "FAILED" || job["JobName"] != "doomed" || job["JobId"] == nil {
		t.Errorf("cause job %v, want the FAILED job in PascalCase", job)
	}
}

func TestBatchSubmitJobErrors(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	queue, _ := mototest.BatchSetup(t, base, "errors")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"batch"}})
	_, err := inv.Invoke(mototest.Context(t), &task.Request{Resource: sfn.ParseResource("arn:aws:states:::batch:submitJob.sync"),
		Input: map[string]any{"JobName": "unknown-def", "JobQueue": queue, "JobDefinition": "no-such-definition"}})
	te, ok := err.(*task.Error)
	if !ok || te.Name != "Batch.ClientException" || !strings.Contains(te.Cause, "(Service: AWSBatch; Status Code: 400; Error Code: ClientException; Request ID: ") {
		t.Fatalf("unknown job definition: %#v, want Batch.ClientException with the AWS SDK for Java's cause", err)
	}
	if !strings.Contains(te.Cause, "no-such-definition") {
		t.Errorf("cause %q does not name the definition", te.Cause)
	}
}

func TestBatchSubmitJobSyncStoppedTerminatesJob(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	queue, def := mototest.BatchSetup(t, base, "stopped")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"batch"}})
	// A job depending on a job that never ends waits in moto until it is terminated.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := inv.Invoke(ctx, &task.Request{Resource: sfn.ParseResource("arn:aws:states:::batch:submitJob.sync"),
			Input: map[string]any{"JobName": "stopped-job", "JobQueue": queue, "JobDefinition": def,
				"DependsOn": []any{map[string]any{"JobId": "never-ending-job"}}}})
		done <- err
	}()
	id := waitForJob(t, base, queue, "stopped-job")
	cancel() // the execution stops
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Invoke = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Invoke did not return after its context ended")
	}
	// moto's job notices TerminateJob within a second.
	job := describeJob(t, base, id)
	for deadline := time.Now().Add(15 * time.Second); job["status"] != "FAILED" && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		job = describeJob(t, base, id)
	}
	if job["status"] != "FAILED" || !strings.Contains(fmt.Sprint(job["statusReason"]), "Terminated by Stepflow") {
		t.Errorf("job after the stop: status %v, reason %v; want FAILED by TerminateJob", job["status"], job["statusReason"])
	}
}

// waitForJob waits for a job named name to be in queue and returns its id.
func waitForJob(t *testing.T, base, queue, name string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, status := range []string{"SUBMITTED", "PENDING", "RUNNABLE"} {
			list, _ := wireCall(t, base, "/v1/listjobs", "", map[string]any{"jobQueue": queue, "jobStatus": status})["jobSummaryList"].([]any)
			for _, j := range list {
				m := j.(map[string]any)
				if m["jobName"] == name {
					return m["jobId"].(string)
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("job %s never appeared in %s", name, queue)
	return ""
}

const ecsTarget = "AmazonEC2ContainerServiceV20141113."

// ecsSetup creates a cluster and a task definition named after prefix.
func ecsSetup(t *testing.T, base, prefix string) (cluster, family string) {
	t.Helper()
	wireCall(t, base, "/", ecsTarget+"CreateCluster", map[string]any{"clusterName": prefix + "-cluster"})
	wireCall(t, base, "/", ecsTarget+"RegisterTaskDefinition", map[string]any{"family": prefix + "-task",
		"containerDefinitions": []any{map[string]any{"name": "main", "image": "busybox", "memory": 128, "command": []any{"true"}}}})
	return prefix + "-cluster", prefix + "-task"
}

// ecsRunning waits for cluster to have one running task and returns its ARN.
func ecsRunning(t *testing.T, base, cluster string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		arns, _ := wireCall(t, base, "/", ecsTarget+"ListTasks", map[string]any{"cluster": cluster})["taskArns"].([]any)
		if len(arns) == 1 {
			return arns[0].(string)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no task in cluster %s", cluster)
	return ""
}

func ecsDescribe(t *testing.T, base, cluster, arn string) map[string]any {
	t.Helper()
	tasks, _ := wireCall(t, base, "/", ecsTarget+"DescribeTasks", map[string]any{"cluster": cluster, "tasks": []any{arn}})["tasks"].([]any)
	if len(tasks) != 1 {
		t.Fatalf("DescribeTasks %s: %d tasks", arn, len(tasks))
	}
	return tasks[0].(map[string]any)
}

const ecsRunTaskParams = `"Cluster": %q, "TaskDefinition": %q, "LaunchType": "FARGATE",
	"NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ["subnet-1"]}},
	"Overrides": {"ContainerOverrides": [{"Name": "main", "Environment": [{"Name": "MODE", "Value": "fast"}]}]}`

func TestECSRunTaskOnAWS(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	cluster, family := ecsSetup(t, base, "rr")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"ecs=" + base}, Allow: []string{"ecs:runTask"}})
	definition := fmt.Sprintf(`{"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
	    "Parameters": {`+ecsRunTaskParams+`}, "End": true}}}`, cluster, family)
	res, _ := run(t, newRouter(inv, nil), definition, nil)
	out := mustSucceed(t, res)
	arn, _ := get(out, "Tasks").([]any)
	if len(arn) != 1 || get(arn[0], "TaskArn") == nil || get(out, "SdkHttpMetadata", "HttpStatusCode") != float64(200) {
		t.Fatalf("request-response result %s, want Tasks[0].TaskArn and SDK metadata", jsonvalue.MarshalString(out))
	}
	if failures, ok := get(out, "Failures").([]any); !ok || len(failures) != 0 {
		t.Errorf("Failures = %v, want []", get(out, "Failures"))
	}
	wire := ecsDescribe(t, base, cluster, get(arn[0], "TaskArn").(string))
	env := jsonvalue.MarshalString(get(wire, "overrides"))
	if !strings.Contains(env, `"name":"MODE"`) || !strings.Contains(env, `"value":"fast"`) {
		t.Errorf("the task's overrides %s do not have the state's environment", env)
	}
}

func TestECSRunTaskSyncWaitsForStop(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	cluster, family := ecsSetup(t, base, "sync")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"ecs"}})
	definition := fmt.Sprintf(`{"StartAt": "Run", "States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
	    "Parameters": {`+ecsRunTaskParams+`}, "End": true}}}`, cluster, family)
	go func() {
		// moto's tasks run until stopped: stop it as the task's end.
		arn := ecsRunning(t, base, cluster)
		time.Sleep(1500 * time.Millisecond) // a poll or two sees it RUNNING first
		wireCall(t, base, "/", ecsTarget+"StopTask", map[string]any{"cluster": cluster, "task": arn, "reason": "done"})
	}()
	res, _ := run(t, newRouter(inv, nil), definition, nil)
	out := mustSucceed(t, res)
	if out["LastStatus"] != "STOPPED" || out["StoppedReason"] != "done" || out["TaskArn"] == nil {
		t.Errorf(".sync result %s, want the STOPPED task in PascalCase", jsonvalue.MarshalString(out))
	}
	if _, ok := get(out, "Containers").([]any); !ok {
		t.Errorf(".sync result has no Containers: %s", jsonvalue.MarshalString(out))
	}
}

func TestECSRunTaskSyncStoppedStopsTask(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	cluster, family := ecsSetup(t, base, "stop")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"ecs"}})
	var params map[string]any
	if err := json.Unmarshal([]byte(fmt.Sprintf("{"+ecsRunTaskParams+"}", cluster, family)), &params); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := inv.Invoke(ctx, &task.Request{Resource: sfn.ParseResource("arn:aws:states:::ecs:runTask.sync"), Input: params})
		done <- err
	}()
	arn := ecsRunning(t, base, cluster)
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Invoke = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Invoke did not return after its context ended")
	}
	got := ecsDescribe(t, base, cluster, arn)
	if got["lastStatus"] != "STOPPED" || !strings.Contains(fmt.Sprint(got["stoppedReason"]), "Stopped by Stepflow") {
		t.Errorf("task after the stop: lastStatus %v, stoppedReason %v; want STOPPED by StopTask", got["lastStatus"], got["stoppedReason"])
	}
}
