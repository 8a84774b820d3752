package iam

import (
	"testing"
)

const (
	testAccount = "123456789012"
	machineA    = "arn:aws:states:us-east-1:123456789012:stateMachine:Orders"
	machineB    = "arn:aws:states:us-east-1:123456789012:stateMachine:Payroll"
	executionA  = "arn:aws:states:us-east-1:123456789012:execution:Orders:run-1"
)

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := ParsePolicy(doc)
	if err != nil {
		t.Fatalf("ParsePolicy(%s): %v", doc, err)
	}
	return p
}

// TestEvaluate checks evaluation against the examples of AWS's IAM documentation ("Policy
// evaluation logic", "IAM JSON policy elements: Condition operators", "Multivalued context key
// examples", "IAM policy elements: Variables and tags"), written for Step Functions actions.
func TestEvaluate(t *testing.T) {
	t.Parallel()
	type check struct {
		action, resource string
		ctx              Context
		want             Outcome
		sid              string // the deciding statement's Sid
	}
	cases := []struct {
		name     string
		policies []string
		checks   []check
	}{
		{
			name:     "no policy: implicit deny",
			policies: nil,
			checks:   []check{{action: "states:ListStateMachines", resource: "*", want: ImplicitDeny}},
		},
		{
			name: "allow one action on one state machine",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"StartOrders","Effect":"Allow",
				"Action":"states:StartExecution","Resource":"` + machineA + `"}}`},
			checks: []check{
				{action: "states:StartExecution", resource: machineA, want: Allowed, sid: "StartOrders"},
				{action: "states:StartExecution", resource: machineB, want: ImplicitDeny},
				{action: "states:StopExecution", resource: machineA, want: ImplicitDeny},
				// Action names are not case sensitive; ARNs are.
				{action: "STATES:startexecution", resource: machineA, want: Allowed, sid: "StartOrders"},
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:123456789012:stateMachine:orders", want: ImplicitDeny},
			},
		},
		{
			name: "explicit deny overrides allow across policies",
			policies: []string{
				`{"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"states:*","Resource":"*"}}`,
				`{"Version":"2012-10-17","Statement":{"Sid":"NoPayroll","Effect":"Deny","Action":"states:*","Resource":["` + machineB + `","arn:aws:states:*:*:execution:Payroll:*"]}}`,
			},
			checks: []check{
				{action: "states:StartExecution", resource: machineA, want: Allowed, sid: "All"},
				{action: "states:StartExecution", resource: machineB, want: ExplicitDeny, sid: "NoPayroll"},
				{action: "states:DescribeExecution", resource: "arn:aws:states:us-east-1:123456789012:execution:Payroll:x", want: ExplicitDeny, sid: "NoPayroll"},
				{action: "states:DescribeExecution", resource: executionA, want: Allowed, sid: "All"},
			},
		},
		{
			name: "wildcards in actions and resources",
			policies: []string{`{"Version":"2012-10-17","Statement":[
				{"Sid":"Read","Effect":"Allow","Action":["states:Describe*","states:List*","states:GetExecutionHistory"],"Resource":"*"},
				{"Sid":"StartOrdersStar","Effect":"Allow","Action":"states:Start?xecution","Resource":"arn:aws:states:us-*-1:*:stateMachine:Order?"}]}`},
			checks: []check{
				{action: "states:DescribeExecution", resource: executionA, want: Allowed, sid: "Read"},
				{action: "states:ListExecutions", resource: machineA, want: Allowed, sid: "Read"},
				{action: "states:StopExecution", resource: executionA, want: ImplicitDeny},
				{action: "states:StartExecution", resource: machineA, want: Allowed, sid: "StartOrdersStar"},
				{action: "states:StartSyncExecution", resource: machineA, want: ImplicitDeny},
				{action: "states:StartExecution", resource: "arn:aws:states:eu-west-1:123456789012:stateMachine:Orders", want: ImplicitDeny},
				// ? is exactly one character.
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:123456789012:stateMachine:Order", want: ImplicitDeny},
				// A wildcard matches within its part of the ARN only: a region pattern cannot
				// swallow the account.
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:2:stateMachine:Orders", want: ImplicitDeny},
			},
		},
		{
			name:     "NotAction allows everything but the listed actions",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"AllButIam","Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`},
			checks: []check{
				{action: "states:DeleteStateMachine", resource: machineA, want: Allowed, sid: "AllButIam"},
				{action: "iam:CreateUser", resource: "*", want: ImplicitDeny},
			},
		},
		{
			name: "Deny with NotResource denies all other resources",
			policies: []string{
				`{"Version":"2012-10-17","Statement":[
					{"Sid":"All","Effect":"Allow","Action":"states:*","Resource":"*"},
					{"Sid":"OnlyOrders","Effect":"Deny","Action":"states:StartExecution","NotResource":"` + machineA + `"}]}`,
			},
			checks: []check{
				{action: "states:StartExecution", resource: machineA, want: Allowed, sid: "All"},
				{action: "states:StartExecution", resource: machineB, want: ExplicitDeny, sid: "OnlyOrders"},
				{action: "states:DescribeStateMachine", resource: machineB, want: Allowed, sid: "All"},
			},
		},
		{
			name: "date range on aws:CurrentTime",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"Window","Effect":"Allow","Action":"states:*","Resource":"*",
				"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}}`},
			checks: []check{
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:currenttime": {"2020-05-01T12:00:00Z"}}, want: Allowed, sid: "Window"},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:currenttime": {"2020-07-01T00:00:00Z"}}, want: ImplicitDeny},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:currenttime": {"2020-04-01T00:00:00Z"}}, want: ImplicitDeny},
				// A missing key makes a positive operator false.
				{action: "states:ListActivities", resource: "*", want: ImplicitDeny},
			},
		},
		{
			name: "deny outside source IP ranges",
			policies: []string{
				`{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"},
				{"Sid":"IPRestrict","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}}]}`,
			},
			checks: []check{
				{action: "states:ListStateMachines", resource: "*", ctx: Context{"aws:sourceip": {"192.0.2.17"}}, want: Allowed, sid: "All"},
				{action: "states:ListStateMachines", resource: "*", ctx: Context{"aws:sourceip": {"203.0.113.200"}}, want: Allowed, sid: "All"},
				{action: "states:ListStateMachines", resource: "*", ctx: Context{"aws:sourceip": {"198.51.100.1"}}, want: ExplicitDeny, sid: "IPRestrict"},
				{action: "states:ListStateMachines", resource: "*", ctx: Context{"aws:sourceip": {"::ffff:192.0.2.5"}}, want: Allowed, sid: "All"},
				// A negated operator is true when the key is missing.
				{action: "states:ListStateMachines", resource: "*", want: ExplicitDeny, sid: "IPRestrict"},
			},
		},
		{
			name: "single address and IPv6 ranges",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"Ip","Effect":"Allow","Action":"states:*","Resource":"*",
				"Condition":{"IpAddress":{"aws:SourceIp":["10.1.2.3","2001:DB8:1234:5678::/64"]}}}}`},
			checks: []check{
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:sourceip": {"10.1.2.3"}}, want: Allowed, sid: "Ip"},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:sourceip": {"10.1.2.4"}}, want: ImplicitDeny},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:sourceip": {"2001:db8:1234:5678::1"}}, want: Allowed, sid: "Ip"},
			},
		},
		{
			name: "deny without TLS (aws:SecureTransport)",
			policies: []string{`{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"states:*","Resource":"*"},
				{"Sid":"NoPlainHTTP","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
			checks: []check{
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:securetransport": {"true"}}, want: Allowed, sid: "All"},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:securetransport": {"false"}}, want: ExplicitDeny, sid: "NoPlainHTTP"},
			},
		},
		{
			name: "resource tag must name the user (${aws:username})",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"Own","Effect":"Allow","Action":"states:*","Resource":"*",
				"Condition":{"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}}}}`},
			checks: []check{
				{action: "states:DeleteStateMachine", resource: machineA, ctx: Context{"aws:username": {"alice"}, "aws:resourcetag/owner": {"alice"}}, want: Allowed, sid: "Own"},
				{action: "states:DeleteStateMachine", resource: machineA, ctx: Context{"aws:username": {"bob"}, "aws:resourcetag/owner": {"alice"}}, want: ImplicitDeny},
				{action: "states:DeleteStateMachine", resource: machineA, ctx: Context{"aws:username": {"bob"}}, want: ImplicitDeny},
			},
		},
		{
			name: "principal tag matches resource tag (ABAC)",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"Team","Effect":"Allow","Action":"states:StartExecution","Resource":"*",
				"Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}}`},
			checks: []check{
				{action: "states:StartExecution", resource: machineA, ctx: Context{"aws:principaltag/team": {"blue"}, "aws:resourcetag/team": {"blue"}}, want: Allowed, sid: "Team"},
				{action: "states:StartExecution", resource: machineA, ctx: Context{"aws:principaltag/team": {"red"}, "aws:resourcetag/team": {"blue"}}, want: ImplicitDeny},
				// The variable cannot be resolved without the principal tag: nothing matches.
				{action: "states:StartExecution", resource: machineA, ctx: Context{"aws:resourcetag/team": {"blue"}}, want: ImplicitDeny},
			},
		},
		{
			name: "policy variable in Resource",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"Home","Effect":"Allow","Action":"states:*",
				"Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`},
			checks: []check{
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:123456789012:stateMachine:alice-etl", ctx: Context{"aws:username": {"alice"}}, want: Allowed, sid: "Home"},
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:123456789012:stateMachine:bob-etl", ctx: Context{"aws:username": {"alice"}}, want: ImplicitDeny},
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:123456789012:stateMachine:alice-etl", want: ImplicitDeny},
			},
		},
		{
			name: "variable with a default value",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"Def","Effect":"Allow","Action":"states:*",
				"Resource":"arn:aws:states:*:*:stateMachine:${aws:PrincipalTag/project, 'shared'}"}}`},
			checks: []check{
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:stateMachine:shared", want: Allowed, sid: "Def"},
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:stateMachine:apollo", ctx: Context{"aws:principaltag/project": {"apollo"}}, want: Allowed, sid: "Def"},
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:stateMachine:shared", ctx: Context{"aws:principaltag/project": {"apollo"}}, want: ImplicitDeny},
			},
		},
		{
			name: "a variable's value is matched literally, never as a wildcard",
			policies: []string{`{"Version":"2012-10-17","Statement":[
				{"Sid":"Res","Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:*:*:stateMachine:${aws:PrincipalTag/project}"},
				{"Sid":"Like","Effect":"Allow","Action":"states:DescribeStateMachine","Resource":"*","Condition":{"StringLike":{"aws:ResourceTag/project":"${aws:PrincipalTag/project}"}}},
				{"Sid":"Eq","Effect":"Allow","Action":"states:DeleteStateMachine","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/project":"${aws:PrincipalTag/project}"}}},
				{"Sid":"Esc","Effect":"Allow","Action":"states:UpdateStateMachine","Resource":"arn:aws:states:*:*:stateMachine:a${*}b"}]}`},
			checks: []check{
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:stateMachine:Payroll", ctx: Context{"aws:principaltag/project": {"*"}}, want: ImplicitDeny},
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:stateMachine:*", ctx: Context{"aws:principaltag/project": {"*"}}, want: Allowed, sid: "Res"},
				{action: "states:DescribeStateMachine", resource: machineA, ctx: Context{"aws:principaltag/project": {"a?"}, "aws:resourcetag/project": {"ab"}}, want: ImplicitDeny},
				{action: "states:DescribeStateMachine", resource: machineA, ctx: Context{"aws:principaltag/project": {"a?"}, "aws:resourcetag/project": {"a?"}}, want: Allowed, sid: "Like"},
				{action: "states:DeleteStateMachine", resource: machineA, ctx: Context{"aws:principaltag/project": {"a*"}, "aws:resourcetag/project": {"a*"}}, want: Allowed, sid: "Eq"},
				{action: "states:UpdateStateMachine", resource: "arn:aws:states:us-east-1:1:stateMachine:a*b", want: Allowed, sid: "Esc"},
				{action: "states:UpdateStateMachine", resource: "arn:aws:states:us-east-1:1:stateMachine:axxb", want: ImplicitDeny},
			},
		},
		{
			name:     "variables are plain text in a 2008-10-17 policy",
			policies: []string{`{"Statement":{"Sid":"Old","Effect":"Allow","Action":"states:*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}"}}`},
			checks: []check{
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:stateMachine:alice", ctx: Context{"aws:username": {"alice"}}, want: ImplicitDeny},
				{action: "states:StartExecution", resource: "arn:aws:states:us-east-1:1:stateMachine:${aws:username}", ctx: Context{"aws:username": {"alice"}}, want: Allowed, sid: "Old"},
			},
		},
		{
			name: "ForAllValues: every requested tag key must be allowed",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"TagKeys","Effect":"Allow","Action":"states:TagResource","Resource":"*",
				"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}}}`},
			checks: []check{
				{action: "states:TagResource", resource: machineA, ctx: Context{"aws:tagkeys": {"environment"}}, want: Allowed, sid: "TagKeys"},
				{action: "states:TagResource", resource: machineA, ctx: Context{"aws:tagkeys": {"environment", "cost-center"}}, want: Allowed, sid: "TagKeys"},
				{action: "states:TagResource", resource: machineA, ctx: Context{"aws:tagkeys": {"environment", "owner"}}, want: ImplicitDeny},
				// ForAllValues is true when the request has no values for the key.
				{action: "states:TagResource", resource: machineA, want: Allowed, sid: "TagKeys"},
			},
		},
		{
			name: "ForAnyValue: deny when any requested tag key is protected",
			policies: []string{`{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"states:*","Resource":"*"},
				{"Sid":"Protect","Effect":"Deny","Action":["states:TagResource","states:UntagResource"],"Resource":"*",
				"Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["sys-*"]}}}]}`},
			checks: []check{
				{action: "states:TagResource", resource: machineA, ctx: Context{"aws:tagkeys": {"team", "sys-owner"}}, want: ExplicitDeny, sid: "Protect"},
				{action: "states:UntagResource", resource: machineA, ctx: Context{"aws:tagkeys": {"team"}}, want: Allowed, sid: "All"},
				// ForAnyValue is false when the request has no values for the key.
				{action: "states:TagResource", resource: machineA, want: Allowed, sid: "All"},
			},
		},
		{
			name: "ForAllValues with a negated operator",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"NoSys","Effect":"Allow","Action":"states:TagResource","Resource":"*",
				"Condition":{"ForAllValues:StringNotLike":{"aws:TagKeys":["sys-*","aws:*"]}}}}`},
			checks: []check{
				{action: "states:TagResource", resource: machineA, ctx: Context{"aws:tagkeys": {"team", "env"}}, want: Allowed, sid: "NoSys"},
				{action: "states:TagResource", resource: machineA, ctx: Context{"aws:tagkeys": {"team", "sys-x"}}, want: ImplicitDeny},
			},
		},
		{
			name: "request tag values",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"EnvTag","Effect":"Allow","Action":"states:CreateStateMachine","Resource":"*",
				"Condition":{"StringEqualsIgnoreCase":{"aws:RequestTag/env":["dev","test"]}}}}`},
			checks: []check{
				{action: "states:CreateStateMachine", resource: machineA, ctx: Context{"aws:requesttag/env": {"DEV"}}, want: Allowed, sid: "EnvTag"},
				{action: "states:CreateStateMachine", resource: machineA, ctx: Context{"aws:requesttag/env": {"prod"}}, want: ImplicitDeny},
				{action: "states:CreateStateMachine", resource: machineA, want: ImplicitDeny},
			},
		},
		{
			name: "IfExists: true when the key is absent",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"IfEx","Effect":"Allow","Action":"states:*","Resource":"*",
				"Condition":{"StringLikeIfExists":{"aws:RequestTag/env":["dev*"]}}}}`},
			checks: []check{
				{action: "states:CreateActivity", resource: "*", want: Allowed, sid: "IfEx"},
				{action: "states:CreateActivity", resource: "*", ctx: Context{"aws:requesttag/env": {"dev-1"}}, want: Allowed, sid: "IfEx"},
				{action: "states:CreateActivity", resource: "*", ctx: Context{"aws:requesttag/env": {"prod"}}, want: ImplicitDeny},
			},
		},
		{
			name: "Null checks the presence of a key",
			policies: []string{`{"Version":"2012-10-17","Statement":[
				{"Sid":"NeedsTag","Effect":"Allow","Action":"states:CreateActivity","Resource":"*","Condition":{"Null":{"aws:RequestTag/owner":"false"}}},
				{"Sid":"NoTagsOnly","Effect":"Allow","Action":"states:CreateStateMachine","Resource":"*","Condition":{"Null":{"aws:TagKeys":"true"}}}]}`},
			checks: []check{
				{action: "states:CreateActivity", resource: "*", ctx: Context{"aws:requesttag/owner": {"me"}}, want: Allowed, sid: "NeedsTag"},
				{action: "states:CreateActivity", resource: "*", want: ImplicitDeny},
				{action: "states:CreateStateMachine", resource: "*", want: Allowed, sid: "NoTagsOnly"},
				{action: "states:CreateStateMachine", resource: "*", ctx: Context{"aws:tagkeys": {"a"}}, want: ImplicitDeny},
			},
		},
		{
			name: "string operators",
			policies: []string{`{"Version":"2012-10-17","Statement":[
				{"Sid":"Eq","Effect":"Allow","Action":"states:DescribeActivity","Resource":"*","Condition":{"StringEquals":{"aws:username":["alice","bob"]}}},
				{"Sid":"NotEq","Effect":"Allow","Action":"states:DeleteActivity","Resource":"*","Condition":{"StringNotEquals":{"aws:username":"mallory"}}},
				{"Sid":"NotEqIC","Effect":"Allow","Action":"states:CreateActivity","Resource":"*","Condition":{"StringNotEqualsIgnoreCase":{"aws:username":"MALLORY"}}},
				{"Sid":"NotLike","Effect":"Allow","Action":"states:GetActivityTask","Resource":"*","Condition":{"StringNotLike":{"aws:userid":"AIDA*"}}}]}`},
			checks: []check{
				{action: "states:DescribeActivity", resource: "*", ctx: Context{"aws:username": {"bob"}}, want: Allowed, sid: "Eq"},
				{action: "states:DescribeActivity", resource: "*", ctx: Context{"aws:username": {"Bob"}}, want: ImplicitDeny},
				{action: "states:DeleteActivity", resource: "*", ctx: Context{"aws:username": {"bob"}}, want: Allowed, sid: "NotEq"},
				{action: "states:DeleteActivity", resource: "*", ctx: Context{"aws:username": {"mallory"}}, want: ImplicitDeny},
				{action: "states:CreateActivity", resource: "*", ctx: Context{"aws:username": {"mallory"}}, want: ImplicitDeny},
				{action: "states:GetActivityTask", resource: "*", ctx: Context{"aws:userid": {"AIDAEXAMPLE"}}, want: ImplicitDeny},
				{action: "states:GetActivityTask", resource: "*", ctx: Context{"aws:userid": {"AROAEXAMPLE"}}, want: Allowed, sid: "NotLike"},
			},
		},
		{
			name: "numeric operators",
			policies: []string{`{"Version":"2012-10-17","Statement":[
				{"Sid":"Lt","Effect":"Allow","Action":"states:ListActivities","Resource":"*","Condition":{"NumericLessThan":{"states:maxResults":"10"}}},
				{"Sid":"Ge","Effect":"Allow","Action":"states:ListExecutions","Resource":"*","Condition":{"NumericGreaterThanEquals":{"states:maxResults":2.5}}},
				{"Sid":"Ne","Effect":"Allow","Action":"states:ListMapRuns","Resource":"*","Condition":{"NumericNotEquals":{"states:maxResults":[1,2]}}}]}`},
			checks: []check{
				{action: "states:ListActivities", resource: "*", ctx: Context{"states:maxresults": {"9"}}, want: Allowed, sid: "Lt"},
				{action: "states:ListActivities", resource: "*", ctx: Context{"states:maxresults": {"10"}}, want: ImplicitDeny},
				{action: "states:ListActivities", resource: "*", ctx: Context{"states:maxresults": {"ten"}}, want: ImplicitDeny},
				{action: "states:ListExecutions", resource: "*", ctx: Context{"states:maxresults": {"2.5"}}, want: Allowed, sid: "Ge"},
				{action: "states:ListExecutions", resource: "*", ctx: Context{"states:maxresults": {"2"}}, want: ImplicitDeny},
				{action: "states:ListMapRuns", resource: "*", ctx: Context{"states:maxresults": {"2"}}, want: ImplicitDeny},
				{action: "states:ListMapRuns", resource: "*", ctx: Context{"states:maxresults": {"3"}}, want: Allowed, sid: "Ne"},
			},
		},
		{
			name: "date forms: epoch seconds and dates",
			policies: []string{`{"Version":"2012-10-17","Statement":[
				{"Sid":"Epoch","Effect":"Allow","Action":"states:ListActivities","Resource":"*","Condition":{"DateLessThanEquals":{"aws:CurrentTime":"1735689600"}}},
				{"Sid":"Day","Effect":"Allow","Action":"states:ListStateMachines","Resource":"*","Condition":{"DateEquals":{"aws:CurrentTime":"2025-01-01"}}}]}`},
			checks: []check{
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:currenttime": {"2025-01-01T00:00:00Z"}}, want: Allowed, sid: "Epoch"},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:currenttime": {"2025-01-01T00:00:01Z"}}, want: ImplicitDeny},
				{action: "states:ListStateMachines", resource: "*", ctx: Context{"aws:currenttime": {"2025-01-01T00:00:00Z"}}, want: Allowed, sid: "Day"},
				{action: "states:ListStateMachines", resource: "*", ctx: Context{"aws:currenttime": {"2025-01-01T00:00:00+01:00"}}, want: ImplicitDeny},
			},
		},
		{
			name: "ARN operators",
			policies: []string{`{"Version":"2012-10-17","Statement":[
				{"Sid":"Like","Effect":"Allow","Action":"states:StartExecution","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/ops-*"}}},
				{"Sid":"NotEq","Effect":"Allow","Action":"states:StopExecution","Resource":"*","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/intern"}}}]}`},
			checks: []check{
				{action: "states:StartExecution", resource: machineA, ctx: Context{"aws:principalarn": {"arn:aws:iam::123456789012:user/ops-ann"}}, want: Allowed, sid: "Like"},
				{action: "states:StartExecution", resource: machineA, ctx: Context{"aws:principalarn": {"arn:aws:iam::123456789012:user/dev-ann"}}, want: ImplicitDeny},
				{action: "states:StopExecution", resource: executionA, ctx: Context{"aws:principalarn": {"arn:aws:iam::123456789012:user/intern"}}, want: ImplicitDeny},
				{action: "states:StopExecution", resource: executionA, ctx: Context{"aws:principalarn": {"arn:aws:iam::123456789012:user/ann"}}, want: Allowed, sid: "NotEq"},
			},
		},
		{
			name: "conditions are ANDed, values ORed",
			policies: []string{`{"Version":"2012-10-17","Statement":{"Sid":"Both","Effect":"Allow","Action":"states:*","Resource":"*",
				"Condition":{"StringEquals":{"aws:username":["alice","bob"],"aws:PrincipalTag/dept":"ops"},"Bool":{"aws:SecureTransport":"true"}}}}`},
			checks: []check{
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:username": {"alice"}, "aws:principaltag/dept": {"ops"}, "aws:securetransport": {"true"}}, want: Allowed, sid: "Both"},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:username": {"alice"}, "aws:principaltag/dept": {"dev"}, "aws:securetransport": {"true"}}, want: ImplicitDeny},
				{action: "states:ListActivities", resource: "*", ctx: Context{"aws:username": {"bob"}, "aws:principaltag/dept": {"ops"}, "aws:securetransport": {"false"}}, want: ImplicitDeny},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var policies []NamedPolicy
			for i, doc := range tc.policies {
				policies = append(policies, NamedPolicy{Name: string(rune('a' + i)), Policy: mustParse(t, doc)})
			}
			for _, c := range tc.checks {
				ctx := c.ctx
				if ctx == nil {
					ctx = Context{}
				}
				req := &Request{Principal: "arn:aws:iam::" + testAccount + ":user/alice", Action: c.action, Resource: c.resource, Context: ctx}
				d := Evaluate(policies, req)
				if d.Outcome != c.want || d.Sid != c.sid {
					t.Errorf("%s on %s with %v: got %s by %q, want %s by %q", c.action, c.resource, c.ctx, d.Outcome, d.Sid, c.want, c.sid)
				}
				if d.Outcome == ImplicitDeny && (d.Statement != -1 || d.Policy != "") {
					t.Errorf("implicit deny names a statement: %+v", d)
				}
			}
		})
	}
}

func TestEvaluateNamesTheDecidingStatement(t *testing.T) {
	t.Parallel()
	policies := []NamedPolicy{
		{Name: "read", Policy: mustParse(t, `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"states:List*","Resource":"*"},
			{"Effect":"Allow","Action":"states:Describe*","Resource":"*"}]}`)},
		{Name: "guard", Policy: mustParse(t, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":"states:DescribeExecution","Resource":"*"},
			{"Sid":"NoSecret","Effect":"Deny","Action":"*","Resource":"arn:aws:states:*:*:execution:Secret:*"}]}`)},
	}
	d := Evaluate(policies, &Request{Action: "states:DescribeExecution", Resource: executionA, Context: Context{}})
	if d != (Decision{Outcome: Allowed, Policy: "read", Statement: 1}) {
		t.Fatalf("got %+v", d)
	}
	d = Evaluate(policies, &Request{Action: "states:DescribeExecution", Resource: "arn:aws:states:us-east-1:1:execution:Secret:x", Context: Context{}})
	if d != (Decision{Outcome: ExplicitDeny, Policy: "guard", Statement: 1, Sid: "NoSecret"}) {
		t.Fatalf("got %+v", d)
	}
}

func TestWildcardMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"*", "", true},
		{"a*", "a", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbc", false},
		{"*b*", "abc", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"**a", "xa", true},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, c := range cases {
		if got := wildcardMatch(c.pattern, c.s); got != c.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}
