package asl

import (
	"regexp"
	"strings"
)

// resourceKind is what a Task's Resource ARN names.
type resourceKind int

const (
	resourceUnknown     resourceKind = iota
	resourceIntegration              // arn:aws:states:::service:action[.pattern]
	resourceSDK                      // arn:aws:states:::aws-sdk:service:action
	resourceActivity                 // arn:aws:states:region:account:activity:name
	resourceLambda                   // arn:aws:lambda:region:account:function:name
	resourceOther                    // any other well-formed ARN (AWS checks these at run time)
)

// optimizedIntegrations lists the service:action pairs of AWS's optimized integrations and
// the integration patterns each allows besides request-response ("" in the list means
// request-response is allowed too).
var optimizedIntegrations = map[string][]string{
	"lambda:invoke":                                    {"", ".waitForTaskToken"},
	"batch:submitJob":                                  {"", ".sync"},
	"dynamodb:getItem":                                 {""},
	"dynamodb:putItem":                                 {""},
	"dynamodb:updateItem":                              {""},
	"dynamodb:deleteItem":                              {""},
	"ecs:runTask":                                      {"", ".sync", ".waitForTaskToken"},
	"sns:publish":                                      {"", ".waitForTaskToken"},
	"sqs:sendMessage":                                  {"", ".waitForTaskToken"},
	"glue:startJobRun":                                 {"", ".sync"},
	"databrew:startJobRun":                             {"", ".sync"},
	"states:startExecution":                            {"", ".sync", ".sync:2", ".waitForTaskToken"},
	"events:putEvents":                                 {"", ".waitForTaskToken"},
	"apigateway:invoke":                                {"", ".waitForTaskToken"},
	"http:invoke":                                      {""},
	"athena:startQueryExecution":                       {"", ".sync"},
	"athena:stopQueryExecution":                        {""},
	"athena:getQueryExecution":                         {""},
	"athena:getQueryResults":                           {""},
	"codebuild:startBuild":                             {"", ".sync"},
	"codebuild:stopBuild":                              {""},
	"codebuild:batchDeleteBuilds":                      {""},
	"codebuild:batchGetReports":                        {""},
	"codebuild:startBuildBatch":                        {"", ".sync"},
	"codebuild:stopBuildBatch":                         {""},
	"codebuild:retryBuildBatch":                        {"", ".sync"},
	"codebuild:retryBuild":                             {"", ".sync"},
	"codebuild:deleteBuildBatch":                       {""},
	"eks:createCluster":                                {"", ".sync"},
	"eks:deleteCluster":                                {"", ".sync"},
	"eks:createFargateProfile":                         {"", ".sync"},
	"eks:deleteFargateProfile":                         {"", ".sync"},
	"eks:createNodegroup":                              {"", ".sync"},
	"eks:deleteNodegroup":                              {"", ".sync"},
	"eks:runJob":                                       {"", ".sync"},
	"eks:call":                                         {""},
	"elasticmapreduce:createCluster":                   {"", ".sync"},
	"elasticmapreduce:terminateCluster":                {"", ".sync"},
	"elasticmapreduce:addStep":                         {"", ".sync"},
	"elasticmapreduce:cancelStep":                      {""},
	"elasticmapreduce:setClusterTerminationProtection": {""},
	"elasticmapreduce:modifyInstanceFleetByName":       {""},
	"elasticmapreduce:modifyInstanceGroupByName":       {""},
	"emr-containers:createVirtualCluster":              {""},
	"emr-containers:deleteVirtualCluster":              {"", ".sync"},
	"emr-containers:startJobRun":                       {"", ".sync"},
	"emr-serverless:createApplication":                 {"", ".sync"},
	"emr-serverless:startApplication":                  {"", ".sync"},
	"emr-serverless:stopApplication":                   {"", ".sync"},
	"emr-serverless:deleteApplication":                 {"", ".sync"},
	"emr-serverless:startJobRun":                       {"", ".sync"},
	"emr-serverless:cancelJobRun":                      {"", ".sync"},
	"sagemaker:createEndpoint":                         {""},
	"sagemaker:createEndpointConfig":                   {""},
	"sagemaker:createHyperParameterTuningJob":          {"", ".sync"},
	"sagemaker:createLabelingJob":                      {"", ".sync"},
	"sagemaker:createModel":                            {""},
	"sagemaker:createProcessingJob":                    {"", ".sync"},
	"sagemaker:createTrainingJob":                      {"", ".sync"},
	"sagemaker:createTransformJob":                     {"", ".sync"},
	"sagemaker:updateEndpoint":                         {""},
	"bedrock:invokeModel":                              {"", ".waitForTaskToken"},
	"bedrock:createModelCustomizationJob":              {"", ".sync", ".waitForTaskToken"},
	"mediaconvert:createJob":                           {"", ".sync"},
	"s3:getObject":                                     {""},
	"s3:listObjectsV2":                                 {""},
	"s3:putObject":                                     {""},
}

var (
	integrationARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):states:::([a-z0-9-]+):([A-Za-z0-9]+)((?:\.sync(?::2)?)|(?:\.waitForTaskToken))?$`)
	sdkARN         = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):states:::aws-sdk:[a-z0-9.-]+:[A-Za-z0-9]+(\.waitForTaskToken)?$`)
	activityARN    = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):states:[a-z0-9-]+:\d{12}:activity:[^:]+$`)
	lambdaARN      = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$`)
	genericARN     = regexp.MustCompile(`^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$`)
)

// classifyResource names the kind of a Task Resource and its integration pattern suffix
// (".sync", ".sync:2", ".waitForTaskToken", or "" for request-response).
func classifyResource(resource string) (resourceKind, string) {
	switch {
	case sdkARN.MatchString(resource):
		// AWS SDK integrations support request-response and, in Standard machines, callbacks.
		if strings.HasSuffix(resource, ".waitForTaskToken") {
			return resourceSDK, ".waitForTaskToken"
		}
		return resourceSDK, ""
	case strings.HasPrefix(resource, "arn:") && strings.Contains(resource, ":states:::"):
		m := integrationARN.FindStringSubmatch(resource)
		if m == nil || m[2] == "aws-sdk" {
			return resourceUnknown, ""
		}
		patterns, ok := optimizedIntegrations[m[2]+":"+m[3]]
		if !ok {
			return resourceUnknown, ""
		}
		for _, p := range patterns {
			if p == m[4] {
				return resourceIntegration, m[4]
			}
		}
		return resourceUnknown, ""
	case activityARN.MatchString(resource):
		return resourceActivity, ""
	case lambdaARN.MatchString(resource):
		return resourceLambda, ""
	case genericARN.MatchString(resource):
		return resourceOther, ""
	}
	return resourceUnknown, ""
}

// sdkServiceAction splits arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken].
func sdkServiceAction(resource string) (service, action string) {
	_, rest, _ := strings.Cut(resource, ":::aws-sdk:")
	service, action, _ = strings.Cut(rest, ":")
	action, _, _ = strings.Cut(action, ".")
	return service, action
}
