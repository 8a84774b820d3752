package sfn

import "strings"

// sdkServices are the services Stepflow can call as arn:aws:states:::aws-sdk:SERVICE:ACTION,
// by the names AWS gives them in Resource ARNs. A nil action list means every action (the
// services speaking the AWS JSON or REST-JSON protocols with uniform paths, which Stepflow
// calls from one table). The services called through an AWS SDK for Go v2 client (S3, SNS,
// STS, Lambda, EventBridge Scheduler) are in sdkClientActions, generated from the clients'
// methods. Package task/aws holds the implementation and tests that it serves exactly these.
var sdkServices = map[string][]string{
	"acm": nil, "athena": nil, "batch": nil, "cloudwatchlogs": nil, "codebuild": nil, "codepipeline": nil,
	"cognitoidentityprovider": nil, "dynamodb": nil, "ecr": nil, "ecs": nil, "emr": nil, "eventbridge": nil,
	"firehose": nil, "glue": nil, "kinesis": nil, "kms": nil, "sagemaker": nil, "secretsmanager": nil,
	"sfn": nil, "sqs": nil, "ssm": nil,
}

// serviceActions are the actions of an aws-sdk: service (nil: all) and whether Stepflow
// serves it at all.
func serviceActions(service string) ([]string, bool) {
	if actions, ok := sdkServices[service]; ok {
		return actions, true
	}
	actions, ok := sdkClientActions[service]
	return actions, ok
}

// SDKIntegrationSupported reports whether Stepflow can call the AWS SDK integration of
// service (as the Resource ARN spells it, e.g. "secretsmanager") and action ("getSecretValue").
func SDKIntegrationSupported(service, action string) bool {
	actions, ok := serviceActions(service)
	if !ok {
		return false
	}
	if actions == nil {
		return true
	}
	for _, a := range actions {
		if strings.EqualFold(a, action) {
			return true
		}
	}
	return false
}

// SDKIntegrationServices lists the services of SDKIntegrationSupported with the actions of
// those limited to some ("lambda": ["invoke", "getFunction"]; nil for all actions).
func SDKIntegrationServices() map[string][]string {
	out := make(map[string][]string, len(sdkServices)+len(sdkClientActions))
	for k, v := range sdkClientActions {
		out[k] = append([]string(nil), v...)
	}
	for k, v := range sdkServices {
		out[k] = append([]string(nil), v...)
		if v == nil {
			out[k] = nil
		}
	}
	return out
}
