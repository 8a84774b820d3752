package events_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestRulesTargetsBusesTags: the management actions through the SDK, with AWS's errors.
func TestRulesTargetsBusesTags(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	eb := srv.events
	machine := srv.createMachine(t, "Target", echoDefinition)

	// Buses: default always exists and cannot be created or deleted.
	_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("default")})
	wantError(t, err, "ResourceAlreadyExistsException", "Event bus default already exists.")
	bus, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders"), Description: aws.String("order events"),
		Tags: []ebtypes.Tag{{Key: aws.String("team"), Value: aws.String("shop")}}})
	check(t, "create bus", err)
	if *bus.EventBusArn != "arn:aws:events:us-east-1:123456789012:event-bus/orders" {
		t.Fatalf("bus ARN %s", *bus.EventBusArn)
	}
	_, err = eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")})
	wantError(t, err, "ResourceAlreadyExistsException", "Event bus orders already exists.")
	described, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: bus.EventBusArn})
	check(t, "describe bus", err)
	if *described.Name != "orders" || aws.ToString(described.Description) != "order events" || described.CreationTime == nil {
		t.Fatalf("described bus %+v", described)
	}
	buses, err := eb.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{})
	check(t, "list buses", err)
	if len(buses.EventBuses) != 2 || *buses.EventBuses[0].Name != "default" || *buses.EventBuses[1].Name != "orders" {
		t.Fatalf("buses %+v", buses.EventBuses)
	}
	_, err = eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("default")})
	wantError(t, err, "ValidationException", "Cannot delete event bus default.")
	_, err = eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("nope")})
	wantError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")

	// Rules.
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")})
	wantError(t, err, "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders"), EventPattern: aws.String(`{"source":"x"}`)})
	wantError(t, err, "InvalidEventPatternException", "Event pattern is not valid. Reason: \"source\" must be an object or an array")
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad name"), EventPattern: aws.String(`{"source":["x"]}`)})
	wantError(t, err, "ValidationException", "")
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("nope"), EventPattern: aws.String(`{"source":["x"]}`)})
	wantError(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders"),
		EventPattern: aws.String(`{ "source": ["shop"] }`), Description: aws.String("d"), State: ebtypes.RuleStateDisabled})
	check(t, "put rule", err)
	if *rule.RuleArn != "arn:aws:events:us-east-1:123456789012:rule/orders/r" {
		t.Fatalf("rule ARN %s", *rule.RuleArn)
	}
	got, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")})
	check(t, "describe rule", err)
	if *got.EventPattern != `{"source":["shop"]}` || got.State != ebtypes.RuleStateDisabled || *got.EventBusName != "orders" || *got.Description != "d" {
		t.Fatalf("described rule %+v", got)
	}
	_, err = eb.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")})
	check(t, "enable rule", err)
	got, _ = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")})
	if got.State != ebtypes.RuleStateEnabled {
		t.Fatalf("state after EnableRule: %s", got.State)
	}
	_, err = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r")})
	wantError(t, err, "ResourceNotFoundException", "Rule r does not exist on EventBus default.")
	_, err = eb.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("missing")})
	wantError(t, err, "ResourceNotFoundException", "Rule missing does not exist on EventBus default.")
	for _, name := range []string{"b", "a", "c"} {
		_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{"source":["x"]}`)})
		check(t, "put rule", err)
	}
	page, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{Limit: aws.Int32(2)})
	check(t, "list rules", err)
	if len(page.Rules) != 2 || *page.Rules[0].Name != "a" || *page.Rules[1].Name != "b" || page.NextToken == nil {
		t.Fatalf("first page %+v", page)
	}
	page, err = eb.ListRules(ctx, &eventbridge.ListRulesInput{Limit: aws.Int32(2), NextToken: page.NextToken})
	check(t, "list rules", err)
	if len(page.Rules) != 1 || *page.Rules[0].Name != "c" || page.NextToken != nil {
		t.Fatalf("second page %+v", page)
	}

	// Targets.
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("missing"), Targets: []ebtypes.Target{{Id: aws.String("1"), Arn: aws.String(machine)}}})
	wantError(t, err, "ResourceNotFoundException", "Rule missing does not exist on EventBus default.")
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("a"), Targets: []ebtypes.Target{
		{Id: aws.String("1"), Arn: aws.String(machine), Input: aws.String("{}"), InputPath: aws.String("$.detail")}}})
	wantError(t, err, "ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided for target 1.")
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("a"), Targets: []ebtypes.Target{
		{Id: aws.String("1"), Arn: aws.String(machine), RetryPolicy: &ebtypes.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(10)}}}})
	wantError(t, err, "ValidationException", "")
	// AWS's words, as LocalStack's AWS-validated tests recorded them (test_events_targets,
	// test_events_inputs): the target's place in the request, the placeholder not defined.
	long := strings.Repeat("x", 65)
	for _, c := range []struct {
		targets []ebtypes.Target
		message string
	}{
		{[]ebtypes.Target{{Id: aws.String("!@#$@!#$"), Arn: aws.String(machine)}},
			`1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
		{[]ebtypes.Target{{Id: aws.String("ok"), Arn: aws.String(machine)}, {Id: aws.String(long), Arn: aws.String(machine)}},
			"1 validation error detected: Value '" + long + "' at 'targets.2.member.id' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{[]ebtypes.Target{{Id: aws.String("t"), Arn: aws.String(machine), InputTransformer: &ebtypes.InputTransformer{
			InputPathsMap: map[string]string{"detail-type": "$.detail-type", "timestamp": "$.time"},
			InputTemplate: aws.String(`"Event of <detail-type> type, with not defined key <notdefinedkey>"`)}}},
			"InputTemplate for target t contains invalid placeholder notdefinedkey."},
	} {
		_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("a"), Targets: c.targets})
		wantError(t, err, "ValidationException", c.message)
	}
	// Predefined variables are placeholders too.
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("a"), Targets: []ebtypes.Target{{Id: aws.String("vars"), Arn: aws.String(machine),
		InputTransformer: &ebtypes.InputTransformer{InputTemplate: aws.String(`{"rule": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>}`)}}}})
	check(t, "put a target with predefined variables", err)
	_, err = eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("a"), Ids: []string{"vars"}})
	check(t, "remove it", err)
	var six []ebtypes.Target
	for _, id := range []string{"1", "2", "3", "4", "5", "6"} {
		six = append(six, ebtypes.Target{Id: aws.String(id), Arn: aws.String(machine)})
	}
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("a"), Targets: six})
	wantError(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("a"), Targets: []ebtypes.Target{
		{Id: aws.String("t1"), Arn: aws.String(machine), RoleArn: aws.String(roleARN),
			RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(120)},
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:dlq")}},
		{Id: aws.String("t2"), Arn: aws.String(machine), InputPath: aws.String("$.detail")}}})
	check(t, "put targets", err)
	targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("a")})
	check(t, "list targets", err)
	if len(targets.Targets) != 2 || *targets.Targets[0].Id != "t1" || *targets.Targets[0].RoleArn != roleARN ||
		*targets.Targets[0].RetryPolicy.MaximumRetryAttempts != 3 || *targets.Targets[0].DeadLetterConfig.Arn != "arn:aws:sqs:us-east-1:123456789012:dlq" ||
		*targets.Targets[1].InputPath != "$.detail" {
		t.Fatalf("targets %+v", targets.Targets)
	}
	_, err = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("a")})
	wantError(t, err, "ValidationException", "Rule can't be deleted since it has targets.")
	_, err = eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("a"), Ids: []string{"t1", "t2"}})
	check(t, "remove targets", err)
	_, err = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("a")})
	check(t, "delete rule", err)
	_, err = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("a")})
	check(t, "delete a deleted rule", err)

	// Tags on rules and buses.
	_, err = eb.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: rule.RuleArn, Tags: []ebtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	check(t, "tag rule", err)
	tags, err := eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: rule.RuleArn})
	check(t, "list tags", err)
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "k" {
		t.Fatalf("rule tags %+v", tags.Tags)
	}
	_, err = eb.UntagResource(ctx, &eventbridge.UntagResourceInput{ResourceARN: rule.RuleArn, TagKeys: []string{"k"}})
	check(t, "untag", err)
	tags, _ = eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: bus.EventBusArn})
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" {
		t.Fatalf("bus tags %+v", tags.Tags)
	}
	_, err = eb.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/nope"), Tags: []ebtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")

	// Deleting the bus takes its rules with it.
	_, err = eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")})
	check(t, "delete bus", err)
	_, err = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")})
	wantError(t, err, "ResourceNotFoundException", "Event bus orders does not exist.")
}

// TestFailedDeliveryDeadLetters: a start that cannot succeed (the state machine is gone) is
// not retried and is kept, listable, under the target's DeadLetterConfig; without one it is
// dropped. Both count as FailedInvocations.
func TestFailedDeliveryDeadLetters(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	eb := srv.events
	machine := srv.createMachine(t, "Gone", echoDefinition)
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["shop"]}`)})
	check(t, "put rule", err)
	const dlq = "arn:aws:sqs:us-east-1:123456789012:dlq"
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []ebtypes.Target{
		{Id: aws.String("kept"), Arn: aws.String(machine), DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlq)}},
		{Id: aws.String("dropped"), Arn: aws.String(machine)}}})
	check(t, "put targets", err)
	_, err = srv.sfn.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: aws.String(machine)})
	check(t, "delete state machine", err)
	put, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("x"), Detail: aws.String(`{}`)}}})
	check(t, "put events", err)

	var answer struct {
		DeadLetters []struct {
			EventId, RuleArn, TargetId, Event, LastError, DeadLetterArn string
			Attempts                                                    int
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := srv.post(t, "ListDeadLetters", `{}`)
		if status != http.StatusOK {
			t.Fatalf("ListDeadLetters: %d %s", status, body)
		}
		check(t, "decode", json.Unmarshal(body, &answer))
		if len(answer.DeadLetters) > 0 && srv.pendingDeliveries(t) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(answer.DeadLetters) != 1 {
		t.Fatalf("dead letters %+v", answer.DeadLetters)
	}
	d := answer.DeadLetters[0]
	if d.EventId != *put.Entries[0].EventId || d.TargetId != "kept" || d.DeadLetterArn != dlq || d.Attempts != 1 ||
		d.LastError == "" || decodeJSON(t, d.Event)["source"] != "shop" {
		t.Fatalf("dead letter %+v", d)
	}
	srv.wantMetric(t, "stepflow_events_failed_invocations_total", 2)
	srv.wantMetric(t, "stepflow_events_dead_letter_invocations_total", 1)
}

// post sends an unsigned-by-SDK request, signed here, to the EventBridge target.
func (s *testServer) post(t *testing.T, action, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader([]byte(body)))
	check(t, "request", err)
	req.Header.Set("X-Amz-Target", "AWSEvents."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sign(t, req, []byte(body))
	resp, err := http.DefaultClient.Do(req)
	check(t, "post", err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// TestStatusChangeChainsWorkflows: when an order workflow fails, a rule on the default bus
// matching Step Functions' status-change event starts the refund workflow with the event.
func TestStatusChangeChainsWorkflows(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	// The Wait makes the failure a later step than the start: its event's input is read back
	// from the store as the execution received it.
	order := srv.createMachine(t, "Order", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":0,"Next":"F"},"F":{"Type":"Fail","Error":"OutOfStock","Cause":"none left"}}}`)
	refund := srv.createMachine(t, "Refund", echoDefinition)
	pattern := `{"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"],"detail":{"status":["FAILED"],"stateMachineArn":["` + order + `"]}}`
	_, err := srv.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("refund-on-failure"), EventPattern: aws.String(pattern)})
	check(t, "put rule", err)
	_, err = srv.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("refund-on-failure"), Targets: []ebtypes.Target{
		{Id: aws.String("refund"), Arn: aws.String(refund)}}})
	check(t, "put targets", err)
	start, err := srv.sfn.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(order), Name: aws.String("o-1"), Input: aws.String(`{"order": 1}`)})
	check(t, "start", err)

	ex := srv.executions(t, refund, 1)[0]
	event := decodeJSON(t, *ex.Input)
	detail, _ := event["detail"].(map[string]any)
	if event["source"] != "aws.states" || event["detail-type"] != "Step Functions Execution Status Change" ||
		event["resources"].([]any)[0] != *start.ExecutionArn {
		t.Fatalf("event %s", *ex.Input)
	}
	for k, want := range map[string]any{"executionArn": *start.ExecutionArn, "stateMachineArn": order, "name": "o-1", "status": "FAILED",
		"input": `{"order": 1}`, "error": "OutOfStock", "cause": "none left", "output": nil} {
		if detail[k] != want {
			t.Fatalf("detail.%s = %v, want %v (event %s)", k, detail[k], want, *ex.Input)
		}
	}
	if _, ok := detail["startDate"].(float64); !ok {
		t.Fatalf("detail.startDate = %v", detail["startDate"])
	}
	if _, ok := detail["stopDate"].(float64); !ok {
		t.Fatalf("detail.stopDate = %v", detail["stopDate"])
	}
	// The RUNNING event matched nothing; the refund ran once.
	if ex.Status != sfntypes.ExecutionStatusSucceeded && ex.Status != sfntypes.ExecutionStatusRunning {
		t.Fatalf("refund status %s", ex.Status)
	}
	srv.executions(t, refund, 1)
}
