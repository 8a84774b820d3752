package aws

import (
	"net/http"
	"sort"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

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
// surface the AWS SDK for Java 1's response metadata). The result is an object (a Go map or
// an Object); the answer is an Object whose members are in resultOrder's order once it is
// applied, with the metadata as sdkHTTPMetadata builds it.
func withSDKMetadata(result any, resp *httpResponse) *jsonvalue.Object {
	obj, _ := jsonvalue.AsObject(result)
	out := obj.Clone(2)
	if obj == nil {
		out = jsonvalue.NewObject(2)
	}
	names := make([]string, 0, len(resp.header))
	values := make(map[string][]string, len(resp.header))
	for k, vs := range resp.header {
		name := k
		if n, ok := awsHeaderNames[http.CanonicalHeaderKey(k)]; ok {
			name = n
		}
		names = append(names, name)
		values[name] = vs
	}
	out.Set("SdkHttpMetadata", sdkHTTPMetadata(names, values, resp.status))
	out.Set("SdkResponseMetadata", jsonvalue.ObjectOf("RequestId", resp.requestID))
	return out
}

// sdkHTTPMetadata is the AWS SDK for Java 1's SdkHttpMetadata as Step Functions writes it
// (recorded on AWS for lambda:invoke, sqs:sendMessage, sns:publish, dynamodb:putItem):
// AllHttpHeaders (every value of each header) in the order of the java.util.HashMap that
// holds them, HttpHeaders (each header's first value) sorted case-insensitively as the
// SDK's TreeMap keeps them, then HttpStatusCode.
//
// The HashMap's order depends on the order the headers arrived in only where two names
// share a bucket; Go's HTTP client does not keep that order, so they are put in sorted.
func sdkHTTPMetadata(names []string, values map[string][]string, status int) *jsonvalue.Object {
	sort.Slice(names, func(a, b int) bool { return caseInsensitiveLess(names[a], names[b]) })
	first := jsonvalue.NewObject(len(names))
	for _, name := range names {
		if vs := values[name]; len(vs) > 0 {
			first.Set(name, vs[0])
		}
	}
	all := jsonvalue.NewObject(len(names))
	for _, i := range jsonvalue.JavaHashMapOrder(names) {
		vs := values[names[i]]
		list := make([]any, len(vs))
		for j, v := range vs {
			list[j] = v
		}
		all.Set(names[i], list)
	}
	return jsonvalue.ObjectOf("AllHttpHeaders", all, "HttpHeaders", first, "HttpStatusCode", float64(status))
}
