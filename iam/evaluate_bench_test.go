package iam

import "testing"

// BenchmarkEvaluate decides one request against a policy of the usual shape: a few statements
// with wildcards, a variable and conditions.
func BenchmarkEvaluate(b *testing.B) {
	p, err := ParsePolicy(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":["states:Describe*","states:List*","states:GetExecutionHistory"],"Resource":"*"},
		{"Sid":"Start","Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*",
		 "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]},"Bool":{"aws:SecureTransport":"true"}}},
		{"Sid":"Guard","Effect":"Deny","Action":"states:*","Resource":"arn:aws:states:*:*:stateMachine:Payroll*"}]}`)
	if err != nil {
		b.Fatal(err)
	}
	policies := []NamedPolicy{{Name: "p", Policy: p}}
	ctx := Context{}
	ctx.Set(KeyUsername, "alice")
	ctx.Set(KeySourceIP, "10.1.2.3")
	ctx.Set(KeySecureTransport, "true")
	req := &Request{Action: "states:StartExecution", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:alice-etl", Context: ctx}
	b.ReportAllocs()
	for b.Loop() {
		if d := Evaluate(policies, req); !d.Allowed() {
			b.Fatal(d)
		}
	}
}
