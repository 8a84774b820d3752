package aws

import "net/http"

// awsHeaderNames spells the headers AWS services send as AWS Step Functions shows them in
// SdkHttpMetadata; Go's HTTP client canonicalizes them (X-Amzn-Requestid).
var awsHeaderNames = map[string]string{
	"X-Amzn-Requestid": "x-amzn-RequestId",
	"X-Amz-Crc32":      "x-amz-crc32",
	"X-Amz-Request-Id": "x-amz-request-id",
	"X-Amz-Id-2":       "x-amz-id-2",
}

// withSDKMetadata adds the SdkHttpMetadata and SdkResponseMetadata the optimized
// integrations of DynamoDB, SQS, SNS and Lambda put beside the service's result (they
// surface the AWS SDK for Java 1's response metadata).
func withSDKMetadata(result map[string]any, resp *httpResponse) map[string]any {
	all, first := map[string]any{}, map[string]any{}
	for k, vs := range resp.header {
		name := k
		if n, ok := awsHeaderNames[http.CanonicalHeaderKey(k)]; ok {
			name = n
		}
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		all[name] = list
		if len(vs) > 0 {
			first[name] = vs[0]
		}
	}
	result["SdkHttpMetadata"] = map[string]any{"AllHttpHeaders": all, "HttpHeaders": first, "HttpStatusCode": float64(resp.status)}
	result["SdkResponseMetadata"] = map[string]any{"RequestId": resp.requestID}
	return result
}
