package aws

import (
	"sort"
	"strings"

	"github.com/stepflow/stepflow/sfn"
)

// service is one AWS service Stepflow can call: how it is named in Resource ARNs, where
// its endpoint is, how requests to it are signed, and how its errors are named.
type service struct {
	// names are the service's names in Resource ARNs and in --aws-endpoint/--aws-allow; the
	// first is the canonical one. EventBridge is "events" in its optimized integration and
	// "eventbridge" in aws-sdk:, Step Functions "states" and "sfn".
	names          []string
	endpointPrefix string // https://PREFIX.REGION.amazonaws.com
	signingName    string // the SigV4 service name
	// JSON protocol (AWS JSON 1.0/1.1): X-Amz-Target is TargetPrefix.Action. "" for services
	// speaking another protocol (SNS's query, Lambda's REST).
	targetPrefix string
	jsonVersion  string
	// restJSON: the service speaks REST-JSON (Batch: POST /v1/submitjob), whose wire
	// members are camelCase.
	restJSON bool
	// camelMembers: the service's wire members are camelCase (Step Functions, ECS, CloudWatch
	// Logs...) while aws-sdk: parameters and results are PascalCase, so keys are converted.
	camelMembers bool
	// sdkName prefixes aws-sdk: error names and is the "Service:" of their cause, as the AWS
	// SDK for Java 2 names the service (Sfn.InvalidTokenException).
	sdkName string
	// integrationName prefixes the optimized integration's error names and javaName is the
	// "Service:" of their cause, as the AWS SDK for Java 1 names it (DynamoDB.X, AmazonDynamoDBv2).
	integrationName, javaName string
	// javaException is the AWS SDK for Java 1's exception for errors it does not model
	// (ValidationException, ThrottlingException...): DynamoDB.AmazonDynamoDBException.
	javaException string
}

// services are the services with an endpoint table entry. Those with a targetPrefix are
// reachable through aws-sdk: by the AWS JSON protocols; S3, SNS, Lambda, STS and Scheduler
// through their AWS SDK for Go v2 clients (sdk_client.go), Batch through REST-JSON.
var services = []*service{
	{names: []string{"dynamodb"}, endpointPrefix: "dynamodb", signingName: "dynamodb", targetPrefix: "DynamoDB_20120810", jsonVersion: "1.0", sdkName: "DynamoDb", integrationName: "DynamoDB", javaName: "AmazonDynamoDBv2", javaException: "AmazonDynamoDBException"},
	{names: []string{"sqs"}, endpointPrefix: "sqs", signingName: "sqs", targetPrefix: "AmazonSQS", jsonVersion: "1.0", sdkName: "Sqs", integrationName: "SQS", javaName: "AmazonSQS", javaException: "AmazonSQSException"},
	{names: []string{"sns"}, endpointPrefix: "sns", signingName: "sns", sdkName: "Sns", integrationName: "SNS", javaName: "AmazonSNS", javaException: "AmazonSNSException"},
	{names: []string{"events", "eventbridge"}, endpointPrefix: "events", signingName: "events", targetPrefix: "AWSEvents", jsonVersion: "1.1", sdkName: "EventBridge", integrationName: "EventBridge", javaName: "AmazonEventBridge", javaException: "AmazonEventBridgeException"},
	{names: []string{"batch"}, endpointPrefix: "batch", signingName: "batch", restJSON: true, sdkName: "Batch", integrationName: "Batch", javaName: "AWSBatch", javaException: "AWSBatchException"},
	{names: []string{"s3"}, endpointPrefix: "s3", signingName: "s3", sdkName: "S3"},
	{names: []string{"lambda"}, endpointPrefix: "lambda", signingName: "lambda", sdkName: "Lambda", integrationName: "Lambda", javaName: "AWSLambda", javaException: "AWSLambdaException"},
	{names: []string{"states", "sfn"}, endpointPrefix: "states", signingName: "states", targetPrefix: "AWSStepFunctions", jsonVersion: "1.0", camelMembers: true, sdkName: "Sfn", integrationName: "StepFunctions", javaName: "AWSStepFunctions", javaException: "AWSStepFunctionsException"},
	{names: []string{"secretsmanager"}, endpointPrefix: "secretsmanager", signingName: "secretsmanager", targetPrefix: "secretsmanager", jsonVersion: "1.1", sdkName: "SecretsManager"},
	{names: []string{"ssm"}, endpointPrefix: "ssm", signingName: "ssm", targetPrefix: "AmazonSSM", jsonVersion: "1.1", sdkName: "Ssm"},
	{names: []string{"kms"}, endpointPrefix: "kms", signingName: "kms", targetPrefix: "TrentService", jsonVersion: "1.1", sdkName: "Kms"},
	{names: []string{"kinesis"}, endpointPrefix: "kinesis", signingName: "kinesis", targetPrefix: "Kinesis_20131202", jsonVersion: "1.1", sdkName: "Kinesis"},
	{names: []string{"firehose"}, endpointPrefix: "firehose", signingName: "firehose", targetPrefix: "Firehose_20150804", jsonVersion: "1.1", sdkName: "Firehose"},
	{names: []string{"cloudwatchlogs", "logs"}, endpointPrefix: "logs", signingName: "logs", targetPrefix: "Logs_20140328", jsonVersion: "1.1", camelMembers: true, sdkName: "CloudWatchLogs"},
	{names: []string{"glue"}, endpointPrefix: "glue", signingName: "glue", targetPrefix: "AWSGlue", jsonVersion: "1.1", sdkName: "Glue", integrationName: "Glue", javaName: "AWSGlue", javaException: "AWSGlueException"},
	{names: []string{"athena"}, endpointPrefix: "athena", signingName: "athena", targetPrefix: "AmazonAthena", jsonVersion: "1.1", sdkName: "Athena"},
	{names: []string{"ecs"}, endpointPrefix: "ecs", signingName: "ecs", targetPrefix: "AmazonEC2ContainerServiceV20141113", jsonVersion: "1.1", camelMembers: true, sdkName: "Ecs", integrationName: "ECS", javaName: "AmazonECS", javaException: "AmazonECSException"},
	{names: []string{"codebuild"}, endpointPrefix: "codebuild", signingName: "codebuild", targetPrefix: "CodeBuild_20161006", jsonVersion: "1.1", camelMembers: true, sdkName: "CodeBuild"},
	{names: []string{"sagemaker"}, endpointPrefix: "api.sagemaker", signingName: "sagemaker", targetPrefix: "SageMaker", jsonVersion: "1.1", sdkName: "SageMaker"},
	{names: []string{"ecr"}, endpointPrefix: "api.ecr", signingName: "ecr", targetPrefix: "AmazonEC2ContainerRegistry_V20150921", jsonVersion: "1.1", sdkName: "Ecr"},
	{names: []string{"acm"}, endpointPrefix: "acm", signingName: "acm", targetPrefix: "CertificateManager", jsonVersion: "1.1", sdkName: "Acm"},
	{names: []string{"cognitoidentityprovider", "cognito-idp"}, endpointPrefix: "cognito-idp", signingName: "cognito-idp", targetPrefix: "AWSCognitoIdentityProviderService", jsonVersion: "1.1", sdkName: "CognitoIdentityProvider"},
	{names: []string{"codepipeline"}, endpointPrefix: "codepipeline", signingName: "codepipeline", targetPrefix: "CodePipeline_20150709", jsonVersion: "1.1", camelMembers: true, sdkName: "CodePipeline"},
	{names: []string{"emr", "elasticmapreduce"}, endpointPrefix: "elasticmapreduce", signingName: "elasticmapreduce", targetPrefix: "ElasticMapReduce", jsonVersion: "1.1", sdkName: "Emr"},
	// STS also assumes the roles of Task states' Credentials.
	{names: []string{"sts"}, endpointPrefix: "sts", signingName: "sts", sdkName: "Sts"},
	{names: []string{"scheduler"}, endpointPrefix: "scheduler", signingName: "scheduler", sdkName: "Scheduler"},
}

var servicesByName = func() map[string]*service {
	m := map[string]*service{}
	for _, s := range services {
		for _, n := range s.names {
			m[n] = s
		}
	}
	return m
}()

func lookupService(name string) *service { return servicesByName[strings.ToLower(name)] }

// ServiceNames lists every service name --aws-endpoint and --aws-allow accept, sorted.
func ServiceNames() []string {
	var names []string
	for n := range servicesByName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SDKServices lists the services reachable as arn:aws:states:::aws-sdk:NAME:ACTION, by
// every name they have in Resource ARNs.
func SDKServices() []string {
	var names []string
	for _, s := range services {
		if _, ok := sfn.SDKIntegrationServices()[s.sdkResourceName()]; !ok {
			continue
		}
		names = append(names, s.names...)
	}
	sort.Strings(names)
	return names
}

// sdkResourceName is the service's name in AWS's aws-sdk: Resource ARNs (the names sfn's
// list uses): "eventbridge" rather than "events", "sfn" rather than "states".
func (s *service) sdkResourceName() string {
	for _, n := range s.names {
		if _, ok := sfn.SDKIntegrationServices()[n]; ok {
			return n
		}
	}
	return s.name()
}

func (s *service) name() string { return s.names[0] }
