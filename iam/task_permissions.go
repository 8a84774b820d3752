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
// execution's role, calls Step Functions. An optimized integration and its aws-sdk form are
// checked alike, on the resources IAM's service authorization reference names for the action
// (TaskResourcePermissions); resources the request does not name precisely are checked on "*".
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
	prefix := service
	if sdkService, ok := strings.CutPrefix(service, "aws-sdk:"); ok {
		prefix = sdkService
		if p, ok := sdkIAMPrefixes[sdkService]; ok {
			prefix = p
		}
	} else if d, ok := integrationDenials[service]; ok {
		denial = d
	}
	if service+":"+action == "http:invoke" {
		// AWS checks the HTTP Task on the state machine, with the method and the endpoint
		// as condition keys.
		c := Context{}
		c.Set("states:HTTPMethod", strings.ToUpper(stringField(in, "Method")))
		c.Set("states:HTTPEndpoint", stringField(in, "ApiEndpoint"))
		return []TaskPermission{{Action: "states:InvokeHTTPEndpoint", Resource: machineARN, Context: c}}, denial
	}
	return TaskResourcePermissions(prefix+":"+upperFirst(action), in, scope), denial
}

// TaskResourcePermissions is the check of one AWS API call a Task makes, IAM action
// "prefix:Action" (lambda:Invoke is IAM's lambda:InvokeFunction), on the resources AWS's
// service authorization reference names for it, read from the call's parameters: the
// function, the table, the queue, the topic, the bus, the state machine or execution, the S3
// object, the Batch job definition and job queue, the ECS task definition (with ecs:cluster),
// the Glue job. Other calls are checked on "*".
func TaskResourcePermissions(action string, in map[string]any, scope sfn.Scope) []TaskPermission {
	prefix, name, _ := strings.Cut(action, ":")
	arn := func(svc, rest string) string {
		return "arn:" + scope.Partition + ":" + svc + ":" + scope.Region + ":" + scope.Account + ":" + rest
	}
	one := func(resource string) []TaskPermission {
		return []TaskPermission{{Action: action, Resource: resource}}
	}
	switch prefix {
	case "lambda":
		if name == "Invoke" || name == "InvokeAsync" {
			action = "lambda:InvokeFunction"
		}
		return one(lambdaFunctionARN(stringField(in, "FunctionName"), scope))
	case "states":
		if resource, known := StepFunctionsResource(name, lowerFirstKeys(in), scope); known {
			return one(resource)
		}
	case "dynamodb":
		table := stringField(in, "TableName")
		switch {
		case strings.HasPrefix(table, "arn:"):
			return one(table)
		case table != "":
			return one(arn("dynamodb", "table/"+table))
		}
	case "sns":
		for _, member := range []string{"TopicArn", "TargetArn"} {
			if topic := stringField(in, member); topic != "" {
				return one(topic)
			}
		}
	case "sqs":
		if url := stringField(in, "QueueUrl"); url != "" {
			return one(sqsQueueARN(url, scope))
		}
	case "events":
		if name == "PutEvents" {
			return putEventsPermissions(in, scope)
		}
		if resources, known := EventBridgeResources(name, in, scope); known && len(resources) == 1 {
			return one(resources[0])
		}
	case "s3":
		if iamName, ok := s3IAMActions[name]; ok {
			action = "s3:" + iamName
		}
		perms := one(s3ObjectARN(scope, in))
		if name == "CopyObject" || name == "UploadPartCopy" {
			perms = append(perms, TaskPermission{Action: "s3:GetObject", Resource: s3CopySourceARN(scope, stringField(in, "CopySource"))})
		}
		return perms
	case "batch":
		if name == "SubmitJob" {
			// Both the job definition and the job queue are resources of SubmitJob; the
			// definition without a revision is revision 1, as the local runner records it.
			definition, queue := stringField(in, "JobDefinition"), stringField(in, "JobQueue")
			if definition != "" && !strings.HasPrefix(definition, "arn:") {
				if !strings.Contains(definition, ":") {
					definition += ":1"
				}
				definition = arn("batch", "job-definition/"+definition)
			}
			if queue != "" && !strings.HasPrefix(queue, "arn:") {
				queue = arn("batch", "job-queue/"+queue)
			}
			return []TaskPermission{{Action: action, Resource: orAny(definition)}, {Action: action, Resource: orAny(queue)}}
		}
	case "ecs":
		if name == "RunTask" {
			definition := stringField(in, "TaskDefinition")
			if definition != "" && !strings.HasPrefix(definition, "arn:") {
				if !strings.Contains(definition, ":") {
					definition += ":1"
				}
				definition = arn("ecs", "task-definition/"+definition)
			}
			cluster := stringField(in, "Cluster")
			if cluster == "" {
				cluster = "default"
			}
			if !strings.HasPrefix(cluster, "arn:") {
				cluster = arn("ecs", "cluster/"+cluster)
			}
			c := Context{}
			c.Set("ecs:cluster", cluster)
			return []TaskPermission{{Action: action, Resource: orAny(definition), Context: c}}
		}
	case "glue":
		if job := stringField(in, "JobName"); job != "" {
			return one(arn("glue", "job/"+job))
		}
	}
	return one("*")
}

// putEventsPermissions checks events:PutEvents on every bus the entries name.
func putEventsPermissions(in map[string]any, scope sfn.Scope) []TaskPermission {
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
			bus = "arn:" + scope.Partition + ":events:" + scope.Region + ":" + scope.Account + ":event-bus/" + bus
		}
		if !seen[bus] {
			seen[bus] = true
			perms = append(perms, TaskPermission{Action: "events:PutEvents", Resource: bus})
		}
	}
	if len(perms) == 0 {
		perms = []TaskPermission{{Action: "events:PutEvents", Resource: "arn:" + scope.Partition + ":events:" + scope.Region + ":" + scope.Account + ":event-bus/default"}}
	}
	return perms
}

// lowerFirstKeys is an aws-sdk:sfn call's parameters (StateMachineArn) as the Step Functions
// API's JSON names them (stateMachineArn).
func lowerFirstKeys(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		if k != "" {
			k = strings.ToLower(k[:1]) + k[1:]
		}
		out[k] = v
	}
	return out
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

// s3IAMActions are the S3 API actions whose IAM action is named otherwise, from AWS's
// service authorization reference for S3 (the others share their API action's name):
// listing a bucket is s3:ListBucket, reading an object's headers s3:GetObject, every step of
// a multipart upload s3:PutObject, and a bucket's configurations are named after them.
var s3IAMActions = map[string]string{
	"ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "HeadBucket": "ListBucket",
	"ListObjectVersions": "ListBucketVersions", "ListBuckets": "ListAllMyBuckets",
	"ListMultipartUploads": "ListBucketMultipartUploads", "ListParts": "ListMultipartUploadParts",
	"HeadObject": "GetObject", "GetObjectAttributes": "GetObject",
	"CopyObject": "PutObject", "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject",
	"UploadPartCopy": "PutObject", "CompleteMultipartUpload": "PutObject",
	"DeleteObjects":                      "DeleteObject",
	"DeleteBucketTagging":                "PutBucketTagging",
	"GetBucketCors":                      "GetBucketCORS",
	"PutBucketCors":                      "PutBucketCORS",
	"DeleteBucketCors":                   "PutBucketCORS",
	"GetBucketEncryption":                "GetEncryptionConfiguration",
	"PutBucketEncryption":                "PutEncryptionConfiguration",
	"DeleteBucketEncryption":             "PutEncryptionConfiguration",
	"GetBucketLifecycleConfiguration":    "GetLifecycleConfiguration",
	"PutBucketLifecycleConfiguration":    "PutLifecycleConfiguration",
	"DeleteBucketLifecycle":              "PutLifecycleConfiguration",
	"GetBucketNotificationConfiguration": "GetBucketNotification",
	"PutBucketNotificationConfiguration": "PutBucketNotification",
	"GetBucketReplication":               "GetReplicationConfiguration",
	"PutBucketReplication":               "PutReplicationConfiguration",
	"DeleteBucketReplication":            "PutReplicationConfiguration",
}

// s3CopySourceARN is the object a CopyObject reads: its CopySource is BUCKET/KEY, URL-encoded,
// perhaps with a leading slash and ?versionId=.
func s3CopySourceARN(scope sfn.Scope, source string) string {
	source, _, _ = strings.Cut(strings.TrimPrefix(source, "/"), "?versionId=")
	if decoded, err := url.PathUnescape(source); err == nil {
		source = decoded
	}
	if !strings.Contains(source, "/") {
		return "*"
	}
	if strings.HasPrefix(source, "arn:") {
		return source // an access point's object
	}
	return "arn:" + scope.Partition + ":s3:::" + source
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
