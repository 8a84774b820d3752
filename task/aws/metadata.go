package aws

import (
	"net/http"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/task"
)

// awsHeaderNames spells the headers AWS services send as AWS Step Functions shows them in
// SdkHttpMetadata; Go's HTTP client canonicalizes them (X-Amzn-Requestid).
var awsHeaderNames = map[string]string{
	"X-Amzn-Requestid": "x-amzn-RequestId",
	"X-Amz-Crc32":      "x-amz-crc32",
	"X-Amz-Request-Id": "x-amz-request-id",
	"X-Amz-Id-2":       "x-amz-id-2",
}

// lowerCaseConnection are the services whose Connection header AWS spells connection
// (recorded on AWS for sqs:sendMessage, sns:publish, states:startExecution; Lambda and
// DynamoDB send Connection). The spelling decides the header's place in AllHttpHeaders.
var lowerCaseConnection = map[string]bool{"sqs": true, "sns": true, "states": true}

// withSDKMetadata adds the SdkHttpMetadata and SdkResponseMetadata the optimized
// integrations of DynamoDB, SQS, SNS and Lambda put beside the service's result (they
// surface the AWS SDK for Java 1's response metadata). The result is an object (a Go map or
// an Object); the answer is an Object whose members are in resultOrder's order once it is
// applied, with the metadata as task.SDKHTTPMetadata builds it.
func (c *caller) withSDKMetadata(result any, resp *httpResponse) *jsonvalue.Object {
	obj, _ := jsonvalue.AsObject(result)
	out := obj.Clone(2)
	names := make([]string, 0, len(resp.header))
	values := make(map[string][]string, len(resp.header))
	for k, vs := range resp.header {
		name := k
		if n, ok := awsHeaderNames[http.CanonicalHeaderKey(k)]; ok {
			name = n
		}
		if name == "Connection" && lowerCaseConnection[c.svc.name()] {
			name = "connection"
		}
		names = append(names, name)
		values[name] = vs
	}
	out.Set("SdkHttpMetadata", task.SDKHTTPMetadata(names, values, resp.status))
	out.Set("SdkResponseMetadata", jsonvalue.ObjectOf("RequestId", resp.requestID))
	return out
}
