package iam

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

func TestTaskPermissions(t *testing.T) {
	t.Parallel()
	machine := "arn:aws:states:us-east-1:123456789012:stateMachine:M"
	for _, tt := range []struct {
		resource, input string
		want            string // ACTION RESOURCE, comma-separated
		wantError       string
	}{
		{"arn:aws:lambda:us-east-1:123456789012:function:f:live", `{}`, "lambda:InvokeFunction arn:aws:lambda:us-east-1:123456789012:function:f:live", "Lambda.AWSLambdaException"},
		{"arn:aws:states:::lambda:invoke", `{"FunctionName":"f"}`, "lambda:InvokeFunction arn:aws:lambda:us-east-1:123456789012:function:f", "Lambda.AWSLambdaException"},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", `{"FunctionName":"210987654321:function:g"}`, "lambda:InvokeFunction arn:aws:lambda:us-east-1:210987654321:function:g", "Lambda.AWSLambdaException"},
		{"arn:aws:states:::dynamodb:updateItem", `{"TableName":"T"}`, "dynamodb:UpdateItem arn:aws:dynamodb:us-east-1:123456789012:table/T", "DynamoDB.AmazonDynamoDBException"},
		{"arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/q"}`, "sqs:SendMessage arn:aws:sqs:eu-west-1:123456789012:q", "SQS.AmazonSQSException"},
		{"arn:aws:states:::sns:publish", `{"TopicArn":"arn:aws:sns:us-east-1:123456789012:t"}`, "sns:Publish arn:aws:sns:us-east-1:123456789012:t", "SNS.AmazonSNSException"},
		{"arn:aws:states:::events:putEvents", `{"Entries":[{},{"EventBusName":"b"},{"EventBusName":"default"}]}`,
			"events:PutEvents arn:aws:events:us-east-1:123456789012:event-bus/default,events:PutEvents arn:aws:events:us-east-1:123456789012:event-bus/b", "EventBridge.AmazonEventBridgeException"},
		{"arn:aws:states:::states:startExecution.sync:2", `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:C"}`, "states:StartExecution arn:aws:states:us-east-1:123456789012:stateMachine:C", "StepFunctions.AWSStepFunctionsException"},
		{"arn:aws:states:::http:invoke", `{"ApiEndpoint":"https://x","Method":"post"}`, "states:InvokeHTTPEndpoint " + machine, "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:sfn:listStateMachines", `{}`, "states:ListStateMachines *", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:s3:getObject", `{"Bucket":"b","Key":"k/1"}`, "s3:GetObject arn:aws:s3:::b/k/1", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:s3:listObjectsV2", `{"Bucket":"b","Prefix":"k/"}`, "s3:ListBucket arn:aws:s3:::b", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:s3:headObject", `{"Bucket":"b","Key":"k/1"}`, "s3:GetObject arn:aws:s3:::b/k/1", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:s3:copyObject", `{"Bucket":"b","Key":"out/1","CopySource":"src/in/a%20b.json?versionId=3"}`,
			"s3:PutObject arn:aws:s3:::b/out/1,s3:GetObject arn:aws:s3:::src/in/a b.json", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:s3:getBucketTagging", `{"Bucket":"b"}`, "s3:GetBucketTagging arn:aws:s3:::b", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:s3:listBuckets", `{}`, "s3:ListAllMyBuckets *", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:sns:subscribe", `{"TopicArn":"arn:aws:sns:us-east-1:123456789012:t","Protocol":"sqs"}`, "sns:Subscribe arn:aws:sns:us-east-1:123456789012:t", "States.TaskFailed"},
		{"arn:aws:states:::glue:startJobRun.sync", `{}`, "glue:StartJobRun *", "States.TaskFailed"},
		{"arn:aws:states:::glue:startJobRun.sync", `{"JobName":"etl"}`, "glue:StartJobRun arn:aws:glue:us-east-1:123456789012:job/etl", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:dynamodb:query", `{"TableName":"T"}`, "dynamodb:Query arn:aws:dynamodb:us-east-1:123456789012:table/T", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:lambda:invoke", `{"FunctionName":"f"}`, "lambda:InvokeFunction arn:aws:lambda:us-east-1:123456789012:function:f", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:sfn:describeExecution", `{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:C:e"}`, "states:DescribeExecution arn:aws:states:us-east-1:123456789012:execution:C:e", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:sqs:receiveMessage", `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q"}`, "sqs:ReceiveMessage arn:aws:sqs:us-east-1:123456789012:q", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:eventbridge:putRule", `{"Name":"r"}`, "events:PutRule arn:aws:events:us-east-1:123456789012:rule/r", "States.TaskFailed"},
		{"arn:aws:states:::aws-sdk:sns:listTopics", `{}`, "sns:ListTopics *", "States.TaskFailed"},
		{"arn:aws:states:::batch:submitJob.sync", `{"JobDefinition":"render","JobQueue":"gpu","JobName":"j"}`,
			"batch:SubmitJob arn:aws:batch:us-east-1:123456789012:job-definition/render:1,batch:SubmitJob arn:aws:batch:us-east-1:123456789012:job-queue/gpu", "Batch.AWSBatchException"},
		{"arn:aws:states:::batch:submitJob", `{"JobDefinition":"arn:aws:batch:us-east-1:123456789012:job-definition/render:7","JobQueue":"arn:aws:batch:us-east-1:123456789012:job-queue/gpu"}`,
			"batch:SubmitJob arn:aws:batch:us-east-1:123456789012:job-definition/render:7,batch:SubmitJob arn:aws:batch:us-east-1:123456789012:job-queue/gpu", "Batch.AWSBatchException"},
		{"arn:aws:states:::ecs:runTask.sync", `{"TaskDefinition":"web:3","Cluster":"prod"}`, "ecs:RunTask arn:aws:ecs:us-east-1:123456789012:task-definition/web:3", "ECS.AmazonECSException"},
		{"arn:aws:states:::aws-sdk:ecs:runTask", `{"TaskDefinition":"web"}`, "ecs:RunTask arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", "States.TaskFailed"},
		{"arn:aws:states:us-east-1:123456789012:activity:a", `{}`, "", "States.TaskFailed"},
	} {
		var input any
		if err := json.Unmarshal([]byte(tt.input), &input); err != nil {
			t.Fatal(err)
		}
		perms, denial := TaskPermissions(sfn.ParseResource(tt.resource), input, machine, sfn.DefaultScope)
		var got []string
		for _, p := range perms {
			got = append(got, p.Action+" "+p.Resource)
		}
		if strings.Join(got, ",") != tt.want || denial.ErrorName != tt.wantError {
			t.Errorf("%s %s: %q %s, want %q %s", tt.resource, tt.input, got, denial.ErrorName, tt.want, tt.wantError)
		}
	}
}

// TestTaskPermissionsECSCluster: RunTask's cluster is the ecs:cluster condition key.
func TestTaskPermissionsECSCluster(t *testing.T) {
	t.Parallel()
	for input, want := range map[string]string{
		`{"TaskDefinition":"web","Cluster":"prod"}`:                                         "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
		`{"TaskDefinition":"web"}`:                                                          "arn:aws:ecs:us-east-1:123456789012:cluster/default",
		`{"TaskDefinition":"web","Cluster":"arn:aws:ecs:eu-west-1:123456789012:cluster/x"}`: "arn:aws:ecs:eu-west-1:123456789012:cluster/x",
	} {
		var in any
		if err := json.Unmarshal([]byte(input), &in); err != nil {
			t.Fatal(err)
		}
		perms, _ := TaskPermissions(sfn.ParseResource("arn:aws:states:::ecs:runTask"), in, "", sfn.DefaultScope)
		if got, _ := perms[0].Context.lookup("ecs:cluster"); len(perms) != 1 || len(got) != 1 || got[0] != want {
			t.Errorf("%s: ecs:cluster %v, want %s", input, got, want)
		}
	}
}

func TestSchedulerAccess(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ method, path, group, action, resource string }{
		{"POST", "/schedules/s", "", "scheduler:CreateSchedule", "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s"},
		{"PUT", "/schedules/s", "g", "scheduler:UpdateSchedule", "arn:aws:scheduler:us-east-1:123456789012:schedule/g/s"},
		{"GET", "/schedules", "", "scheduler:ListSchedules", "*"},
		{"DELETE", "/schedule-groups/g", "", "scheduler:DeleteScheduleGroup", "arn:aws:scheduler:us-east-1:123456789012:schedule-group/g"},
		{"GET", "/schedule-groups", "", "scheduler:ListScheduleGroups", "*"},
		{"POST", "/tags/arn:aws:scheduler:us-east-1:123456789012:schedule-group/g", "", "scheduler:TagResource", "arn:aws:scheduler:us-east-1:123456789012:schedule-group/g"},
		{"PATCH", "/schedules/s", "", "", ""},
	} {
		action, resource := SchedulerAccess(tt.method, tt.path, tt.group, sfn.DefaultScope)
		if action != tt.action || resource != tt.resource {
			t.Errorf("%s %s: %s %s, want %s %s", tt.method, tt.path, action, resource, tt.action, tt.resource)
		}
	}
}

func TestEventBridgeResources(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ action, input, want string }{
		{"PutRule", `{"Name":"r"}`, "arn:aws:events:us-east-1:123456789012:rule/r"},
		{"PutTargets", `{"Rule":"r","EventBusName":"arn:aws:events:us-east-1:123456789012:event-bus/b"}`, "arn:aws:events:us-east-1:123456789012:rule/b/r"},
		{"DescribeEventBus", `{}`, "arn:aws:events:us-east-1:123456789012:event-bus/default"},
		{"TagResource", `{"ResourceARN":"arn:aws:events:us-east-1:123456789012:rule/r"}`, "arn:aws:events:us-east-1:123456789012:rule/r"},
		{"ListRules", `{}`, "*"},
	} {
		var input map[string]any
		if err := json.Unmarshal([]byte(tt.input), &input); err != nil {
			t.Fatal(err)
		}
		got, known := EventBridgeResources(tt.action, input, sfn.DefaultScope)
		if strings.Join(got, ",") != tt.want || !known {
			t.Errorf("%s %s: %v %v, want %s", tt.action, tt.input, got, known, tt.want)
		}
	}
}
