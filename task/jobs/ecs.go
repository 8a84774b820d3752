package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// runTaskInput is RunTask's request as a Task state gives it. Placement, networking and
// capacity fields mean nothing locally and are accepted and ignored.
type runTaskInput struct {
	Cluster        string `json:"Cluster"`
	TaskDefinition string `json:"TaskDefinition"`
	Count          int    `json:"Count"`
	LaunchType     string `json:"LaunchType"`
	Group          string `json:"Group"`
	StartedBy      string `json:"StartedBy"`
	Overrides      *struct {
		ContainerOverrides []containerOverride `json:"ContainerOverrides"`
	} `json:"Overrides"`
}

type containerOverride struct {
	Name        string     `json:"Name"`
	Command     []string   `json:"Command,omitempty"`
	Environment []keyValue `json:"Environment,omitempty"`
}

const (
	// startedByStepFunctions is the StartedBy Step Functions gives the tasks it waits for.
	startedByStepFunctions = "AWS Step Functions"
	stopCodeExited         = "EssentialContainerExited"
	stopCodeFailedToStart  = "TaskFailedToStart"
)

// ecsError is ECS's answer to a request it refuses, named as Step Functions names it.
func ecsError(msg string) *task.Error {
	id := requestID()
	return &task.Error{Name: "ECS.ClientException", Cause: fmt.Sprintf(
		"%s (Service: AmazonECS; Status Code: 400; Error Code: ClientException; Request ID: %s; Proxy: null)", msg, id)}
}

// ecsTask is one task started from a task definition.
type ecsTask struct {
	arn, clusterARN, definitionARN, family, container, group, launchType, startedBy string
	argv                                                                            []string
	dir                                                                             string
	env                                                                             []string
	overrides                                                                       []containerOverride
	createdAt                                                                       time.Time
}

func (inv *Invoker) runTask(ctx context.Context, req *task.Request) (any, error) {
	var in runTaskInput
	if err := decodeInput(req.Input, &in); err != nil {
		return nil, ecsError("Invalid request: " + err.Error())
	}
	if in.TaskDefinition == "" {
		return nil, ecsError("TaskDefinition is required")
	}
	key, entry := inv.opts.Jobs.lookup(in.TaskDefinition)
	if entry == nil {
		if inv.opts.Next != nil {
			return inv.opts.Next.Invoke(ctx, req)
		}
		return nil, ecsError(fmt.Sprintf("TaskDefinition not found: the jobs file (--jobs) has no entry for %s", in.TaskDefinition))
	}
	if in.Count > 1 {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("ecs:runTask with Count %d: Stepflow runs one local task per RunTask", in.Count)}
	}
	t := inv.newECSTask(&in, key, entry, req)
	if req.Resource.Pattern != "sync" {
		if err := inv.startBackground(req, func(ctx context.Context) { _, _ = inv.runECSTask(ctx, t) }); err != nil {
			return nil, err
		}
		reqID := requestID()
		started := t.describe("PROVISIONING", "RUNNING")
		answer := map[string]any{"Tasks": []any{started}, "Failures": []any{}}
		return sdkMetadata(answer, reqID, len(jsonvalue.MarshalString(answer))), nil
	}
	desc, err := inv.runECSTask(ctx, t)
	if err != nil {
		return nil, err
	}
	if desc["StopCode"] != stopCodeExited || exitCodeOf(desc) != 0 {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: jsonvalue.MarshalString(desc)}
	}
	return desc, nil
}

func exitCodeOf(desc map[string]any) float64 {
	containers, _ := desc["Containers"].([]any)
	if len(containers) == 0 {
		return -1
	}
	c, _ := containers[0].(map[string]any)
	code, ok := c["ExitCode"].(float64)
	if !ok {
		return -1
	}
	return code
}

func (inv *Invoker) newECSTask(in *runTaskInput, key string, entry *JobConfig, req *task.Request) *ecsTask {
	scope := inv.opts.Scope
	cluster := in.Cluster
	if cluster == "" {
		cluster = "default"
	}
	clusterName := lastSegment(cluster)
	t := &ecsTask{createdAt: time.Now(), dir: entry.Dir, launchType: in.LaunchType, startedBy: in.StartedBy}
	if req.Resource.Pattern == "sync" {
		t.startedBy = startedByStepFunctions
	}
	id := strings.ReplaceAll(jobID(req.IdempotencyKey), "-", "")
	t.arn = fmt.Sprintf("arn:%s:ecs:%s:%s:task/%s/%s", scope.Partition, scope.Region, scope.Account, clusterName, id)
	t.clusterARN = cluster
	if !strings.HasPrefix(cluster, "arn:") {
		t.clusterARN = fmt.Sprintf("arn:%s:ecs:%s:%s:cluster/%s", scope.Partition, scope.Region, scope.Account, cluster)
	}
	family, rev := splitDefinition(in.TaskDefinition)
	if rev == "" {
		rev = "1"
	}
	t.family = family
	t.definitionARN = key
	if !strings.HasPrefix(key, "arn:") {
		t.definitionARN = fmt.Sprintf("arn:%s:ecs:%s:%s:task-definition/%s:%s", scope.Partition, scope.Region, scope.Account, family, rev)
	}
	t.group = in.Group
	if t.group == "" {
		t.group = "family:" + family
	}
	t.container = family
	command := entry.Command
	env := map[string]string{}
	for k, v := range entry.Env {
		env[k] = v
	}
	if in.Overrides != nil {
		t.overrides = in.Overrides.ContainerOverrides
		// The jobs file gives a task definition one container; every override is for it.
		for _, o := range in.Overrides.ContainerOverrides {
			if o.Name != "" {
				t.container = o.Name
			}
			if len(o.Command) > 0 {
				command = o.Command
			}
			for _, kv := range o.Environment {
				env[kv.Name] = kv.Value
			}
		}
	}
	t.argv = command
	t.env = []string{"STEPFLOW_ECS_TASK_ARN=" + t.arn}
	for _, k := range sortedKeys(env) {
		t.env = append(t.env, k+"="+env[k])
	}
	return t
}

// runECSTask runs the task's container to its end and returns the task as DescribeTasks
// gives it. The error is ctx's when the task was stopped.
func (inv *Invoker) runECSTask(ctx context.Context, t *ecsTask) (map[string]any, error) {
	res, err := runProcess(ctx, processSpec{argv: t.argv, dir: t.dir, env: t.env})
	if err != nil {
		return nil, err
	}
	inv.logProcess("ecs task", t.arn, res)
	desc := t.describe("STOPPED", "STOPPED")
	desc["StartedAt"] = float64(res.started.UnixMilli())
	desc["StoppedAt"] = float64(res.stopped.UnixMilli())
	desc["ExecutionStoppedAt"] = float64(res.stopped.UnixMilli())
	container := desc["Containers"].([]any)[0].(map[string]any)
	container["LastStatus"] = "STOPPED"
	if res.exitCode != nil {
		desc["StopCode"], desc["StoppedReason"] = stopCodeExited, statusReasonExited
		container["ExitCode"] = float64(*res.exitCode)
	} else {
		desc["StopCode"], desc["StoppedReason"] = stopCodeFailedToStart, res.reason
		container["Reason"] = res.reason
	}
	return desc, nil
}

// describe is the task as DescribeTasks gives it, with the PascalCase member names Step
// Functions' results have.
func (t *ecsTask) describe(lastStatus, desiredStatus string) map[string]any {
	overrides := make([]any, 0, len(t.overrides))
	for _, o := range t.overrides {
		overrides = append(overrides, toValue(o))
	}
	id := lastSegment(t.arn)
	desc := map[string]any{
		"TaskArn": t.arn, "ClusterArn": t.clusterARN, "TaskDefinitionArn": t.definitionARN,
		"LastStatus": lastStatus, "DesiredStatus": desiredStatus, "Group": t.group,
		"CreatedAt": float64(t.createdAt.UnixMilli()), "Version": float64(1),
		"Attachments": []any{}, "Attributes": []any{}, "Tags": []any{},
		"Overrides": map[string]any{"ContainerOverrides": overrides, "InferenceAcceleratorOverrides": []any{}},
		"Containers": []any{map[string]any{
			"ContainerArn": strings.Replace(t.clusterARN, ":cluster/", ":container/", 1) + "/" + id + "/" + t.container,
			"TaskArn":      t.arn, "Name": t.container, "LastStatus": lastStatus, "NetworkInterfaces": []any{},
		}},
	}
	if t.launchType != "" {
		desc["LaunchType"] = t.launchType
	}
	if t.startedBy != "" {
		desc["StartedBy"] = t.startedBy
	}
	return desc
}
