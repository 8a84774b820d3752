package sfn

import "testing"

func TestParseResource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arn  string
		want Resource
	}{
		{"arn:aws:lambda:us-east-1:111111111111:function:f", Resource{Kind: ResourceLambdaFunction, Name: "f", Region: "us-east-1", Account: "111111111111"}},
		{"arn:aws:lambda:us-east-1:111111111111:function:f:prod", Resource{Kind: ResourceLambdaFunction, Name: "f", Qualifier: "prod", Region: "us-east-1", Account: "111111111111"}},
		{"arn:aws:states:::lambda:invoke", Resource{Kind: ResourceIntegration, Service: "lambda", Action: "invoke"}},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", Resource{Kind: ResourceIntegration, Service: "lambda", Action: "invoke", Pattern: "waitForTaskToken"}},
		{"arn:aws:states:::states:startExecution.sync:2", Resource{Kind: ResourceIntegration, Service: "states", Action: "startExecution", Pattern: "sync:2"}},
		{"arn:aws:states:::aws-sdk:s3:listBuckets", Resource{Kind: ResourceIntegration, Service: "aws-sdk:s3", Action: "listBuckets"}},
		{"arn:aws:states:us-east-1:1:activity:work", Resource{Kind: ResourceActivity, Name: "work", Region: "us-east-1", Account: "1"}},
		{"not an arn", Resource{}},
	}
	for _, tt := range tests {
		got := ParseResource(tt.arn)
		tt.want.ARN = tt.arn
		if got != tt.want {
			t.Errorf("ParseResource(%q) = %+v, want %+v", tt.arn, got, tt.want)
		}
	}
}
