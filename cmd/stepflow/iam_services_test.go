package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsscheduler "github.com/aws/aws-sdk-go-v2/service/scheduler"
	stypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	eventsapi "github.com/stepflow/stepflow/api/events"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
)

// TestIAMEventBridgeAndScheduler: with --auth iam, each EventBridge and Scheduler action is
// checked on the rule, bus or schedule ARN AWS uses for it, through the AWS SDK for Go v2.
func TestIAMEventBridgeAndScheduler(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "stepflow.db")
	keyFile := filepath.Join(dir, "server.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("5c", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--db", db}
	iamCLI(t, append([]string{"create-user", "--user-name", "ops"}, common...)...)
	iamCLI(t, append([]string{"put-user-policy", "--user-name", "ops", "--policy-name", "events", "--policy-document", `{"Version":"2012-10-17","Statement":[
		{"Sid":"OrderRules","Effect":"Allow","Action":["events:PutRule","events:DescribeRule"],"Resource":"arn:aws:events:us-east-1:123456789012:rule/orders-*"},
		{"Sid":"DefaultBus","Effect":"Allow","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/default"},
		{"Sid":"Nightly","Effect":"Allow","Action":["scheduler:CreateSchedule","scheduler:GetSchedule"],"Resource":"arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly-*"}]}`}, common...)...)
	var created struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(iamCLI(t, append([]string{"create-access-key", "--user-name", "ops", "--iam-key-file", keyFile}, common...)...)), &created); err != nil {
		t.Fatal(err)
	}
	auditFile := filepath.Join(dir, "audit.log")
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", db, "--auth", "iam", "--iam-key-file", keyFile, "--audit-log", auditFile)
	creds := credentials.NewStaticCredentialsProvider(created.AccessKey.AccessKeyId, created.AccessKey.SecretAccessKey, "")
	eb := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: creds})
	sched := awsscheduler.New(awsscheduler.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1, Credentials: creds})
	ctx := context.Background()
	user := "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: "

	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("orders-placed"), EventPattern: aws.String(`{"source":["shop"]}`)}); err != nil {
		t.Fatalf("PutRule orders-placed: %v", err)
	}
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("payroll"), EventPattern: aws.String(`{"source":["hr"]}`)})
	wantAPIError(t, err, "AccessDeniedException", user+"events:PutRule on resource: arn:aws:events:us-east-1:123456789012:rule/payroll because no identity-based policy allows the events:PutRule action")
	_, err = eb.ListRules(ctx, &eventbridge.ListRulesInput{})
	wantAPIError(t, err, "AccessDeniedException", user+"events:ListRules on resource: * because no identity-based policy allows the events:ListRules action")
	entry := func(bus string) ebtypes.PutEventsRequestEntry {
		return ebtypes.PutEventsRequestEntry{Source: aws.String("shop"), DetailType: aws.String("placed"), Detail: aws.String(`{}`), EventBusName: aws.String(bus)}
	}
	if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry("default")}}); err != nil {
		t.Fatalf("PutEvents default: %v", err)
	}
	// Every bus the entries name is checked: one bus not allowed refuses the call.
	_, err = eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry("default"), entry("audit")}})
	wantAPIError(t, err, "AccessDeniedException", user+"events:PutEvents on resource: arn:aws:events:us-east-1:123456789012:event-bus/audit because no identity-based policy allows the events:PutEvents action")

	schedule := func(name string) error {
		_, err := sched.CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{Name: aws.String(name), ScheduleExpression: aws.String("rate(1 day)"),
			FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
			Target: &stypes.Target{Arn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:Nightly"),
				RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}})
		return err
	}
	if err := schedule("nightly-report"); err != nil {
		t.Fatalf("CreateSchedule nightly-report: %v", err)
	}
	if _, err := sched.GetSchedule(ctx, &awsscheduler.GetScheduleInput{Name: aws.String("nightly-report")}); err != nil {
		t.Fatalf("GetSchedule nightly-report: %v", err)
	}
	wantAPIError(t, schedule("hourly"), "AccessDeniedException", user+"scheduler:CreateSchedule on resource: arn:aws:scheduler:us-east-1:123456789012:schedule/default/hourly because no identity-based policy allows the scheduler:CreateSchedule action")
	_, err = sched.DeleteSchedule(ctx, &awsscheduler.DeleteScheduleInput{Name: aws.String("nightly-report")})
	wantAPIError(t, err, "AccessDeniedException", user+"scheduler:DeleteSchedule on resource: arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly-report because no identity-based policy allows the scheduler:DeleteSchedule action")
	_, err = sched.ListSchedules(ctx, &awsscheduler.ListSchedulesInput{})
	wantAPIError(t, err, "AccessDeniedException", user+"scheduler:ListSchedules on resource: * because no identity-based policy allows the scheduler:ListSchedules action")

	audit, err := os.ReadFile(auditFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"action":"events:PutRule","resource":"arn:aws:events:us-east-1:123456789012:rule/orders-placed","decision":"allow","reason":"allowed","policy":"events","statementIndex":0,"sid":"OrderRules"}`,
		`"action":"scheduler:CreateSchedule","operation":"POST /schedules/hourly","resource":"arn:aws:scheduler:us-east-1:123456789012:schedule/default/hourly","decision":"deny","reason":"implicitDeny","errorCode":"AccessDeniedException"}`,
	} {
		if !strings.Contains(string(audit), want) {
			t.Errorf("audit log lacks %s:\n%s", want, audit)
		}
	}
}

// TestIAMResourceForEveryEventBridgeAction fails when the EventBridge API answers an action the
// IAM resource table lacks (it would be checked on "*").
func TestIAMResourceForEveryEventBridgeAction(t *testing.T) {
	t.Parallel()
	for action := range eventsapi.Service(nil, nil, eventsapi.WithWebhooks(nil)).Actions {
		if _, known := iam.EventBridgeResources(action, map[string]any{}, sfn.DefaultScope); !known {
			t.Errorf("events:%s has no entry in iam.EventBridgeResources", action)
		}
	}
}
