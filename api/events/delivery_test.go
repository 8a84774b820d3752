package events_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/stepflow/stepflow/store"
)

const echoDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`

// TestPutEventsStartsExecutions: an event that matches a rule starts each of its state
// machine targets once, with the input shaped as the target says; an event that matches no
// rule, or a disabled rule, starts nothing.
func TestPutEventsStartsExecutions(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	whole := srv.createMachine(t, "Whole", echoDefinition)
	constant := srv.createMachine(t, "Constant", echoDefinition)
	path := srv.createMachine(t, "Path", echoDefinition)
	shaped := srv.createMachine(t, "Shaped", echoDefinition)

	rule, err := srv.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("stock-changed"),
		EventPattern: aws.String(`{"source":["shop.inventory"],"detail-type":["StockChanged"],"detail":{"quantity":[{"numeric":[">",0]}]}}`)})
	check(t, "put rule", err)
	if want := "arn:aws:events:us-east-1:123456789012:rule/stock-changed"; *rule.RuleArn != want {
		t.Fatalf("rule ARN %s, want %s", *rule.RuleArn, want)
	}
	out, err := srv.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("stock-changed"), Targets: []ebtypes.Target{
		{Id: aws.String("whole"), Arn: aws.String(whole), RoleArn: aws.String(roleARN)},
		{Id: aws.String("constant"), Arn: aws.String(constant), Input: aws.String(`{"fixed":true}`)},
		{Id: aws.String("path"), Arn: aws.String(path), InputPath: aws.String("$.detail")},
		{Id: aws.String("shaped"), Arn: aws.String(shaped), InputTransformer: &ebtypes.InputTransformer{
			InputPathsMap: map[string]string{"sku": "$.detail.sku", "qty": "$.detail.quantity", "missing": "$.detail.nope"},
			InputTemplate: aws.String(`{"product": <sku>, "text": "<sku> has <qty> left", "count": <qty>, "gone": <missing>, "rule": "<aws.events.rule-name>"}`),
		}},
	}})
	check(t, "put targets", err)
	if out.FailedEntryCount != 0 {
		t.Fatalf("failed entries: %+v", out.FailedEntries)
	}

	put, err := srv.events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged"), Detail: aws.String(`{"sku":"A-1","quantity":3}`)},
		{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged"), Detail: aws.String(`{"sku":"B-2","quantity":0}`)},
		{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged")},
		{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged"), Detail: aws.String(`[1]`)},
	}})
	check(t, "put events", err)
	if put.FailedEntryCount != 2 || put.Entries[0].EventId == nil || put.Entries[1].EventId == nil {
		t.Fatalf("put events: %d failed, entries %+v", put.FailedEntryCount, put.Entries)
	}
	if e := put.Entries[2]; aws.ToString(e.ErrorCode) != "InvalidArgument" || aws.ToString(e.ErrorMessage) != "Parameter Detail is not valid. Reason: Detail is a required argument." {
		t.Fatalf("entry without detail: %s %s", aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
	}
	if e := put.Entries[3]; aws.ToString(e.ErrorCode) != "MalformedDetail" {
		t.Fatalf("entry with an array as detail: %s %s", aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
	}
	eventID := *put.Entries[0].EventId

	got := srv.executions(t, whole, 1)[0]
	event := decodeJSON(t, *got.Input)
	if event["id"] != eventID || event["source"] != "shop.inventory" || event["detail-type"] != "StockChanged" ||
		event["account"] != "123456789012" || event["region"] != "us-east-1" || event["version"] != "0" {
		t.Fatalf("whole event input: %s", *got.Input)
	}
	if !strings.HasPrefix(*got.Name, eventID+"_") {
		t.Fatalf("execution name %s does not come from the event id %s", *got.Name, eventID)
	}
	if in := *srv.executions(t, constant, 1)[0].Input; in != `{"fixed":true}` {
		t.Fatalf("constant input: %s", in)
	}
	if in := *srv.executions(t, path, 1)[0].Input; in != `{"quantity":3,"sku":"A-1"}` && in != `{"sku":"A-1","quantity":3}` {
		t.Fatalf("InputPath input: %s", in)
	}
	wantShaped := `{"product": "A-1", "text": "A-1 has 3 left", "count": 3, "gone": null, "rule": "stock-changed"}`
	if in := *srv.executions(t, shaped, 1)[0].Input; in != wantShaped {
		t.Fatalf("InputTransformer input:\n got %s\nwant %s", in, wantShaped)
	}

	// Disabled, the rule starts nothing more.
	_, err = srv.events.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("stock-changed")})
	check(t, "disable rule", err)
	_, err = srv.events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged"), Detail: aws.String(`{"sku":"C-3","quantity":9}`)}}})
	check(t, "put events", err)
	if n := srv.pendingDeliveries(t); n != 0 {
		t.Fatalf("%d deliveries for a disabled rule", n)
	}
	srv.executions(t, whole, 1)
	srv.wantMetric(t, "stepflow_events_invocations_total", 4)
	srv.wantMetric(t, "stepflow_events_matched_events_total", 1)
	srv.wantMetric(t, "stepflow_events_triggered_rules_total", 1)
}

func (s *testServer) pendingDeliveries(t *testing.T) int {
	t.Helper()
	page, err := s.store.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryPending})
	check(t, "list deliveries", err)
	return len(page.Deliveries)
}

// wantMetric checks the sum of a counter over its labels.
func (s *testServer) wantMetric(t *testing.T, name string, want float64) {
	t.Helper()
	families, err := s.metrics.Registry().Gather()
	check(t, "gather metrics", err)
	sum := 0.0
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	if sum != want {
		t.Fatalf("%s = %v, want %v", name, sum, want)
	}
}
