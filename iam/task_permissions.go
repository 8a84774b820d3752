package iam

import (
	"net/url"
	"strings"

	"github.com/stepflow/stepflow/sfn"
)

// TaskPermission is one IAM check a Task makes with its execution's role before it runs: the
// action and resource AWS's "IAM policies for integrated services" name for the integration,
// and the condition keys that go with them (the HTTP Task's method and endpoint).
type TaskPermission struct {
	Action   string
	Resource string
	Context  Context
}

// TaskDenial says how a Task fails when its role may not do what it asks: the error name
// Step Functions records for the integration and the service label of its cause, as the AWS
// SDK for Java names the service in an AccessDeniedException (Lambda.AWSLambdaException,
// "Service: AWSLambda; Status Code: 403").
type TaskDenial struct {
	ErrorName string
	Service   string
	Status    int
}

// integrationDenials are the errors of the optimized integrations; an integration without an
// entry fails as States.TaskFailed.
var integrationDenials = map[string]TaskDenial{
	"lambda":   {ErrorName: "Lambda.AWSLambdaException", Service: "AWSLambda", Status: 403},
	"dynamodb": {ErrorName: "DynamoDB.AmazonDynamoDBException", Service: "AmazonDynamoDBv2", Status: 400},
	"sqs":      {ErrorName: "SQS.AmazonSQSException", Service: "AmazonSQS", Status: 403},
	"sns":      {ErrorName: "SNS.AmazonSNSException", Service: "AmazonSNS", Status: 403},
	"events":   {ErrorName: "EventBridge.AmazonEventBridgeException", Service: "AmazonEventBridge", Status: 400},
	"states":   {ErrorName: "StepFunctions.AWSStepFunctionsException", Service: "AWSStepFunctions", Status: 400},
	"batch":    {ErrorName: "Batch.AWSBatchException", Service: "AWSBatch", Status: 403},
	"ecs":      {ErrorName: "ECS.AmazonECSException", Service: "AmazonECS", Status: 400},
}

// sdkIAMPrefixes are the IAM prefixes of aws-sdk: service names that differ from them.
var sdkIAMPrefixes = map[string]string{
	"sfn": "states", "eventbridge": "events", "cloudwatchlogs": "logs",
	"cognitoidentityprovider": "cognito-idp", "emr": "elasticmapreduce",
}

// TaskPermissions lists the checks a Task makes before it runs, on the execution's state
// machine machineARN, and how a denial fails it. An activity needs none: its worker, not the
// execution's role, calls Step Functions. Resources the request does not name precisely are
// checked on "*".
func TaskPermissions(res sfn.Resource, input any, machineARN string, scope sfn.Scope) ([]TaskPermission, TaskDenial) {
	in, _ := input.(map[string]any)
	denial := TaskDenial{ErrorName: sfn.ErrorTaskFailed}
	switch res.Kind {
	case sfn.ResourceActivity, sfn.ResourceUnknown:
		return nil, denial
	case sfn.ResourceLambdaFunction:
		return []TaskPermission{{Action: "lambda:InvokeFunction", Resource: res.ARN}}, integrationDenials["lambda"]
	}
	service, action := res.Service, res.Action
	if sdkService, ok := strings.CutPrefix(service, "aws-sdk:"); ok {
		prefix := sdkService
		if p, ok := sdkIAMPrefixes[sdkService]; ok {
			prefix = p
		}
		resource := "*"
		if prefix == "s3" {
			resource = s3ObjectARN(scope, in)
		}
		return []TaskPermission{{Action: prefix + ":" + upperFirst(action), Resource: resource}}, denial
	}
	if d, ok := integrationDenials[service]; ok {
		denial = d
	}
	region := scope.Region
	arn := func(svc, rest string) string {
		return "arn:" + scope.Partition + ":" + svc + ":" + region + ":" + scope.Account + ":" + rest
	}
	switch service + ":" + action {
	case "lambda:invoke":
		return []TaskPermission{{Action: "lambda:InvokeFunction", Resource: lambdaFunctionARN(stringField(in, "FunctionName"), scope)}}, denial
	case "states:startExecution":
		return []TaskPermission{{Action: "states:StartExecution", Resource: orAny(stringField(in, "StateMachineArn"))}}, denial
	case "dynamodb:getItem", "dynamodb:putItem", "dynamodb:deleteItem", "dynamodb:updateItem":
		table := stringField(in, "TableName")
		resource := "*"
		if strings.HasPrefix(table, "arn:") {
			resource = table
		} else if table != "" {
			resource = arn("dynamodb", "table/"+table)
		}
		return []TaskPermission{{Action: "dynamodb:" + upperFirst(action), Resource: resource}}, denial
	case "sns:publish":
		return []TaskPermission{{Action: "sns:Publish", Resource: orAny(stringField(in, "TopicArn"))}}, denial
	case "sqs:sendMessage":
		return []TaskPermission{{Action: "sqs:SendMessage", Resource: sqsQueueARN(stringField(in, "QueueUrl"), scope)}}, denial
	case "events:putEvents":
		var perms []TaskPermission
		seen := map[string]bool{}
		entries, _ := in["Entries"].([]any)
		for _, e := range entries {
			entry, _ := e.(map[string]any)
			bus := stringField(entry, "EventBusName")
			if bus == "" {
				bus = "default"
			}
			if !strings.HasPrefix(bus, "arn:") {
				bus = arn("events", "event-bus/"+bus)
			}
			if !seen[bus] {
				seen[bus] = true
				perms = append(perms, TaskPermission{Action: "events:PutEvents", Resource: bus})
			}
		}
		if len(perms) == 0 {
			perms = []TaskPermission{{Action: "events:PutEvents", Resource: arn("events", "event-bus/default")}}
		}
		return perms, denial
	case "http:invoke":
		// AWS checks the HTTP Task on the state machine, with the method and the endpoint
		// as condition keys.
		c := Context{}
		c.Set("states:HTTPMethod", strings.ToUpper(stringField(in, "Method")))
		c.Set("states:HTTPEndpoint", stringField(in, "ApiEndpoint"))
		return []TaskPermission{{Action: "states:InvokeHTTPEndpoint", Resource: machineARN, Context: c}}, denial
	}
	return []TaskPermission{{Action: service + ":" + upperFirst(action), Resource: "*"}}, denial
}

func orAny(arn string) string {
	if arn == "" {
		return "*"
	}
	return arn
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// lambdaFunctionARN resolves a FunctionName as Lambda does: a name, NAME:QUALIFIER, a partial
// ARN ACCOUNT:function:NAME, or a full ARN.
func lambdaFunctionARN(name string, scope sfn.Scope) string {
	prefix := "arn:" + scope.Partition + ":lambda:" + scope.Region + ":"
	switch {
	case name == "":
		return "*"
	case strings.HasPrefix(name, "arn:"):
		return name
	case strings.Contains(name, ":function:"):
		return prefix + name
	}
	return prefix + scope.Account + ":function:" + name
}

// sqsQueueARN turns https://sqs.REGION.amazonaws.com/ACCOUNT/NAME into the queue's ARN.
func sqsQueueARN(queueURL string, scope sfn.Scope) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return "*"
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 {
		return "*"
	}
	region := scope.Region
	if host := strings.Split(u.Hostname(), "."); len(host) >= 3 && host[0] == "sqs" {
		region = host[1]
	}
	return "arn:" + scope.Partition + ":sqs:" + region + ":" + parts[0] + ":" + parts[1]
}

// s3ObjectARN is arn:aws:s3:::BUCKET/KEY (or the bucket alone) of an aws-sdk:s3 call.
func s3ObjectARN(scope sfn.Scope, in map[string]any) string {
	bucket := stringField(in, "Bucket")
	if bucket == "" {
		return "*"
	}
	if key := stringField(in, "Key"); key != "" {
		return "arn:" + scope.Partition + ":s3:::" + bucket + "/" + key
	}
	return "arn:" + scope.Partition + ":s3:::" + bucket
}
