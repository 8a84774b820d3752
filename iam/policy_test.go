package iam

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePolicyMalformed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, doc, want string
	}{
		{"not json", `{"Version":`, "Syntax errors in policy."},
		{"not an object", `["Statement"]`, "Syntax errors in policy."},
		{"trailing content", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} {}`, "Syntax errors in policy."},
		{"unknown version", `{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "The policy failed legacy parsing"},
		{"unknown top-level element", `{"Statements":[]}`, "Syntax errors in policy."},
		{"no statement", `{"Version":"2012-10-17"}`, "Syntax errors in policy."},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, "Syntax errors in policy."},
		{"missing effect", `{"Statement":{"Action":"states:*","Resource":"*"}}`, "Missing required field Effect"},
		{"wrong effect", `{"Statement":{"Effect":"Allows","Action":"states:*","Resource":"*"}}`, "Invalid effect: Allows"},
		{"effect in lower case", `{"Statement":{"Effect":"allow","Action":"states:*","Resource":"*"}}`, "Invalid effect: allow"},
		{"no action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "Policy statement must contain actions."},
		{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"states:*","NotAction":"iam:*","Resource":"*"}}`, "Syntax errors in policy."},
		{"no resource", `{"Statement":{"Effect":"Allow","Action":"states:*"}}`, "Policy statement must contain resources."},
		{"action without vendor", `{"Statement":{"Effect":"Allow","Action":"StartExecution","Resource":"*"}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"vendor wildcard", `{"Statement":{"Effect":"Allow","Action":"sta*:StartExecution","Resource":"*"}}`, "Action vendor must be fully qualified and cannot contain regexes."},
		{"resource not an arn", `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"MyMachine"}}`, `Resource MyMachine must be in ARN format or "*".`},
		{"resource too short", `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"arn:aws:states:us-east-1"}}`, `Resource arn:aws:states:us-east-1 must be in ARN format or "*".`},
		{"principal", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"states:*","Resource":"*"}}`, "Policy document should not specify a principal."},
		{"sid not alphanumeric", `{"Statement":{"Sid":"my-sid","Effect":"Allow","Action":"states:*","Resource":"*"}}`, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
		{"sid repeated", `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"states:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"states:*","Resource":"*"}]}`, "Statement IDs (SID) in a single policy must be unique."},
		{"unknown operator", `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"bob"}}}}`, "Invalid Condition type : StringEqualz"},
		{"unknown set qualifier", `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"aws:TagKeys":"a"}}}}`, "Invalid Condition type : ForSomeValues:StringEquals"},
		{"null if exists", `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}}`, "Invalid Condition type : NullIfExists"},
		{"condition key without vendor", `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"*","Condition":{"StringEquals":{"username":"bob"}}}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"condition value object", `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"*","Condition":{"StringEquals":{"aws:username":{"a":1}}}}}`, "Syntax errors in policy."},
		{"repeated key", `{"Statement":{"Effect":"Deny","Effect":"Allow","Action":"states:*","Resource":"*"}}`, "Syntax errors in policy."},
		{"too large", `{"Id":"` + strings.Repeat("x", MaxPolicyBytes) + `"}`, "Cannot exceed quota for PolicySize: 10240"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePolicy(tc.doc)
			var mp *MalformedPolicyError
			if !errors.As(err, &mp) {
				t.Fatalf("ParsePolicy: got %v, want MalformedPolicyDocument %q", err, tc.want)
			}
			if mp.Message != tc.want {
				t.Fatalf("message: got %q, want %q", mp.Message, tc.want)
			}
		})
	}
}

func TestParsePolicyForms(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy(`{
		"Version": "2012-10-17",
		"Id": "p1",
		"Statement": {
			"Sid": "One",
			"Effect": "Allow",
			"Action": ["states:StartExecution", "states:Describe*"],
			"NotResource": "arn:aws:states:*:*:stateMachine:Secret",
			"Condition": {"NumericLessThan": {"aws:EpochTime": 1700000000}, "Bool": {"aws:SecureTransport": true}}
		}
	}`)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != Version2012 || p.ID != "p1" || len(p.Statements) != 1 {
		t.Fatalf("policy: %+v", p)
	}
	st := p.Statements[0]
	if st.Sid != "One" || st.Effect != EffectAllow || len(st.Actions) != 2 || st.Resources != nil || len(st.NotResources) != 1 {
		t.Fatalf("statement: %+v", st)
	}
	if len(st.Conditions) != 2 || st.Conditions[0].Operator.Name != "Bool" || st.Conditions[0].Values[0] != "true" ||
		st.Conditions[1].Values[0] != "1700000000" {
		t.Fatalf("conditions: %+v", st.Conditions)
	}
	// A policy without Version is a 2008-10-17 policy.
	p, err = ParsePolicy(`{"Statement":[{"Effect":"Deny","NotAction":"states:List*","Resource":"*"}]}`)
	if err != nil || p.Version != Version2008 {
		t.Fatalf("got %+v, %v", p, err)
	}
}
