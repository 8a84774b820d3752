package iam

import (
	"errors"
	"testing"
)

// FuzzParsePolicy checks that any document either parses into a policy that evaluates without
// panicking, or is refused with a MalformedPolicyError; never anything else.
func FuzzParsePolicy(f *testing.F) {
	seeds := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:states:*:*:stateMachine:${aws:username}"}]}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*"]},"NumericLessThan":{"x:y":1},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Null":{"aws:username":"false"}}}}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThanIfExists":{"aws:CurrentTime":"2020-01-01"}}}}`,
		`{"Statement":{"Effect":"Deny","Effect":"Allow"}}`,
		`[]`, `{}`, `null`, `{"Statement":[1]}`,
	}
	for _, s := range seeds {
		f.Add(s, "states:StartExecution", machineA)
	}
	f.Fuzz(func(t *testing.T, doc, action, resource string) {
		p, err := ParsePolicy(doc)
		if err != nil {
			var mp *MalformedPolicyError
			if !errors.As(err, &mp) || mp.Message == "" {
				t.Fatalf("ParsePolicy(%q): error %v is not a MalformedPolicyError", doc, err)
			}
			return
		}
		ctx := Context{}
		ctx.Set(KeyUsername, "alice")
		ctx.Set(KeyTagKeys, "a", "b")
		ctx.Set(KeySourceIP, "10.1.2.3")
		ctx.Set(KeyCurrentTime, "2024-01-01T00:00:00Z")
		Evaluate([]NamedPolicy{{Name: "p", Policy: p}}, &Request{Action: action, Resource: resource, Context: ctx})
	})
}
