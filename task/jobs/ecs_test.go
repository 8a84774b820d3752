//go:build unix

package jobs_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

const runTaskSync = `{"StartAt": "Run", "States": {"Run": {"Type": "Task",
  "Resource": "arn:aws:states:::ecs:runTask.sync", "Parameters": %s, "End": true}}}`

// ecs:runTask.sync runs the task definition's command with the container overrides and
// returns the stopped task as DescribeTasks gives it.
func TestRunTaskSync(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"etl": {"command": ["false"], "env": {"STAGE": "dev"}}}}`)
	out := mustSucceed(t, runDef(t, router, def(runTaskSync, `{"Cluster": "work", "TaskDefinition": "etl:7", "LaunchType": "FARGATE",
	  "Overrides": {"ContainerOverrides": [{"Name": "app", "Command": ["sh", "-c", "echo $STAGE $MODE > out.txt"],
	    "Environment": [{"Name": "MODE", "Value": "full"}]}]}}`), nil))
	arn, _ := out["TaskArn"].(string)
	if !regexp.MustCompile(`^arn:aws:ecs:us-east-1:123456789012:task/work/[0-9a-f]{32}$`).MatchString(arn) {
		t.Fatalf("TaskArn %q", arn)
	}
	want := map[string]any{
		"ClusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/work", "TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/etl:7",
		"LastStatus": "STOPPED", "DesiredStatus": "STOPPED", "StopCode": "EssentialContainerExited",
		"StoppedReason": "Essential container in task exited", "StartedBy": "AWS Step Functions", "Group": "family:etl", "LaunchType": "FARGATE",
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %v, want %v", k, out[k], v)
		}
	}
	c := get(out, "Containers", "0")
	if get(c, "Name") != "app" || get(c, "ExitCode") != 0.0 || get(c, "LastStatus") != "STOPPED" || get(c, "TaskArn") != arn {
		t.Errorf("Containers[0] = %s", mustJSON(c))
	}
	if got := mustJSON(out["Overrides"]); got != `{"ContainerOverrides":[{"Command":["sh","-c","echo $STAGE $MODE \u003e out.txt"],"Environment":[{"Name":"MODE","Value":"full"}],"Name":"app"}],"InferenceAcceleratorOverrides":[]}` {
		t.Errorf("Overrides = %s", got)
	}
	if !(out["CreatedAt"].(float64) <= out["StartedAt"].(float64) && out["StartedAt"].(float64) <= out["StoppedAt"].(float64)) {
		t.Errorf("timestamps %v %v %v", out["CreatedAt"], out["StartedAt"], out["StoppedAt"])
	}
	if got := readFile(t, filepath.Join(dir, "out.txt")); got != "dev full" {
		t.Errorf("the task saw %q", got)
	}
}

// A task whose container exits non-zero fails the state with States.TaskFailed and the
// task's description as the cause; a definition the jobs file lacks is ECS's ClientException.
func TestRunTaskSyncFailures(t *testing.T) {
	t.Parallel()
	router, _ := newRouter(t, t.TempDir(), `{"jobs": {"arn:aws:ecs:us-east-1:123456789012:task-definition/etl:7": {"command": ["sh", "-c", "exit 4"]},
	  "gone": {"command": ["/nonexistent/program"]}}}`)
	res := runDef(t, router, def(runTaskSync, `{"TaskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/etl:7"}`), nil)
	var task map[string]any
	_ = json.Unmarshal([]byte(res.Cause), &task)
	if res.Error != sfn.ErrorTaskFailed || get(task, "Containers", "0", "ExitCode") != 4.0 || task["ClusterArn"] != "arn:aws:ecs:us-east-1:123456789012:cluster/default" {
		t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
	}
	res = runDef(t, router, def(runTaskSync, `{"TaskDefinition": "gone"}`), nil)
	_ = json.Unmarshal([]byte(res.Cause), &task)
	if res.Error != sfn.ErrorTaskFailed || task["StopCode"] != "TaskFailedToStart" || !strings.HasPrefix(task["StoppedReason"].(string), "CannotStartContainerError: ") {
		t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
	}
	res = runDef(t, router, def(runTaskSync, `{"TaskDefinition": "etl:8"}`), nil)
	if res.Error != "ECS.ClientException" || !strings.HasPrefix(res.Cause, "TaskDefinition not found: the jobs file (--jobs) has no entry for etl:8 (Service: AmazonECS; Status Code: 400; Error Code: ClientException; Request ID: ") {
		t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
	}
}

// Request-response RunTask answers at once with the started task.
func TestRunTaskRequestResponse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	router, _ := newRouter(t, dir, `{"jobs": {"etl": {"command": ["sh", "-c", "echo $STEPFLOW_ECS_TASK_ARN > ran"]}}}`)
	out := mustSucceed(t, runDef(t, router, `{"StartAt": "Run", "States": {"Run": {"Type": "Task",
	  "Resource": "arn:aws:states:::ecs:runTask", "Parameters": {"TaskDefinition": "etl"}, "End": true}}}`, nil))
	if get(out, "Tasks", "0", "LastStatus") != "PROVISIONING" || get(out, "Tasks", "0", "DesiredStatus") != "RUNNING" || mustJSON(out["Failures"]) != "[]" {
		t.Fatalf("result %s", mustJSON(out))
	}
	if got := waitForFile(t, filepath.Join(dir, "ran"), 30e9); got != get(out, "Tasks", "0", "TaskArn") {
		t.Fatalf("the task ran as %q", got)
	}
}
