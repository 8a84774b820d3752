package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

func (p *serverProcess) eventsClient() *eventbridge.Client {
	return eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.URL),
		Credentials: aws.AnonymousCredentials{}})
}

// listAllExecutions lists every execution of a state machine.
func listAllExecutions(t *testing.T, c *awssfn.Client, machine *string) []string {
	t.Helper()
	var names []string
	var token *string
	for {
		out, err := c.ListExecutions(context.Background(), &awssfn.ListExecutionsInput{StateMachineArn: machine, NextToken: token, MaxResults: 1000})
		mustNoErr(t, "list executions", err)
		for _, e := range out.Executions {
			names = append(names, *e.Name)
		}
		if token = out.NextToken; token == nil {
			return names
		}
	}
}

// TestAcceptedEventsSurviveKill9: events accepted by PutEvents reach their target even when
// `stepflow server` is killed with SIGKILL before it started their executions, and each
// starts exactly one execution across the crash (the delivery names its execution).
func TestAcceptedEventsSurviveKill9(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "stepflow.db")
	first := runServerProcess(t, dir, "--db", db)
	ctx := context.Background()
	c, eb := first.client(), first.eventsClient()
	machine, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Notify"), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	mustNoErr(t, "create state machine", err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("stock"), EventPattern: aws.String(`{"source":["shop.inventory"]}`)})
	mustNoErr(t, "put rule", err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("stock"), Targets: []ebtypes.Target{
		{Id: aws.String("notify"), Arn: machine.StateMachineArn, InputPath: aws.String("$.detail")}}})
	mustNoErr(t, "put targets", err)

	const calls, perCall = 30, 10
	accepted := map[string]bool{}
	for i := range calls {
		var entries []ebtypes.PutEventsRequestEntry
		for j := range perCall {
			entries = append(entries, ebtypes.PutEventsRequestEntry{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged"),
				Detail: aws.String(fmt.Sprintf(`{"sku":"S-%d-%d"}`, i, j))})
		}
		out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		mustNoErr(t, "put events", err)
		if out.FailedEntryCount != 0 {
			t.Fatalf("put events: %d failed", out.FailedEntryCount)
		}
		for _, e := range out.Entries {
			accepted[*e.EventId] = true
		}
	}
	first.signal(syscall.SIGKILL)

	// What the killed server had accepted but not yet delivered is in its database.
	st, err := sqlite.Open(ctx, db)
	mustNoErr(t, "open the killed server's database", err)
	pending, err := st.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryPending, MaxResults: store.MaxPageSize})
	mustNoErr(t, "list deliveries", err)
	st.Close()
	t.Logf("%d of %d accepted events were not yet delivered when the server was killed", len(pending.Deliveries), len(accepted))
	if len(pending.Deliveries) == 0 {
		t.Fatal("every event was delivered before the kill; the test did not kill between acceptance and start")
	}

	second := runServerProcess(t, dir, "--db", db)
	defer second.signal(syscall.SIGTERM)
	c = second.client()
	var names []string
	waitFor(t, 60*time.Second, "an execution per accepted event", func() bool {
		names = listAllExecutions(t, c, machine.StateMachineArn)
		return len(names) >= len(accepted)
	})
	started := map[string]int{}
	for _, n := range names {
		id, _, _ := strings.Cut(n, "_")
		started[id]++
	}
	for id := range accepted {
		if started[id] != 1 {
			t.Errorf("event %s started %d executions", id, started[id])
		}
	}
	if len(names) != len(accepted) {
		t.Fatalf("%d executions for %d events", len(names), len(accepted))
	}
}

// needAWSCLI skips a test when the AWS CLI is not installed, except under CI.
func needAWSCLI(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI (aws) is required under CI: %v", err)
		}
		t.Skip("the AWS CLI (aws) is not installed")
	}
}

// awsServiceCLI runs `aws SERVICE ARGS` against url with the test's credentials and returns its JSON
// answer (empty when it prints nothing).
func awsServiceCLI(t *testing.T, url, service string, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", url, "--output", "json", service}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY="+secretKey, "AWS_DEFAULT_REGION="+testRegion,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s %s: %v: %s", service, strings.Join(args, " "), err, stderr.String())
	}
	out := map[string]any{}
	if stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("aws %s %s: not JSON: %s", service, args[0], stdout.String())
		}
	}
	return out
}

// TestEventsAWSCLI: the AWS CLI's `aws events` against `stepflow server`: a rule, a target,
// an event, and the execution it starts.
func TestEventsAWSCLI(t *testing.T) {
	t.Parallel()
	needAWSCLI(t)
	dir := t.TempDir()
	srv := runServerProcess(t, dir, "--db", filepath.Join(dir, "stepflow.db"))
	defer srv.signal(syscall.SIGTERM)
	run := func(args ...string) map[string]any { t.Helper(); return awsServiceCLI(t, srv.URL, "events", args...) }
	ctx := context.Background()
	c := srv.client()
	machine, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Promote"), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	mustNoErr(t, "create state machine", err)

	rule := run("put-rule", "--name", "restocked", "--event-pattern", `{"source":["shop.inventory"],"detail":{"quantity":[{"numeric":[">",0]}]}}`)
	if rule["RuleArn"] != "arn:aws:events:us-east-1:123456789012:rule/restocked" {
		t.Fatalf("put-rule: %v", rule)
	}
	targets := run("put-targets", "--rule", "restocked", "--targets",
		`[{"Id":"promote","Arn":"`+*machine.StateMachineArn+`","RoleArn":"`+roleARN+`","InputTransformer":{"InputPathsMap":{"sku":"$.detail.sku"},"InputTemplate":"{\"sku\": <sku>}"}}]`)
	if targets["FailedEntryCount"] != float64(0) {
		t.Fatalf("put-targets: %v", targets)
	}
	if got := run("test-event-pattern", "--event-pattern", `{"source":["shop.inventory"]}`, "--event",
		`{"id":"1","account":"123456789012","source":"shop.inventory","time":"2026-01-01T00:00:00Z","region":"us-east-1","detail-type":"x","detail":{}}`); got["Result"] != true {
		t.Fatalf("test-event-pattern: %v", got)
	}
	put := run("put-events", "--entries", `[{"Source":"shop.inventory","DetailType":"StockChanged","Detail":"{\"sku\":\"A-1\",\"quantity\":5}"}]`)
	if put["FailedEntryCount"] != float64(0) {
		t.Fatalf("put-events: %v", put)
	}
	var names []string
	waitFor(t, 30*time.Second, "the execution the event starts", func() bool {
		names = listAllExecutions(t, c, machine.StateMachineArn)
		return len(names) > 0
	})
	out, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(scopeExecutionARN("Promote", names[0]))})
	mustNoErr(t, "describe execution", err)
	if aws.ToString(out.Input) != `{"sku": "A-1"}` {
		t.Fatalf("execution input %s", aws.ToString(out.Input))
	}
	rules := run("list-rules")
	if list, _ := rules["Rules"].([]any); len(list) != 1 {
		t.Fatalf("list-rules: %v", rules)
	}
}

func scopeExecutionARN(machine, name string) string { return scope.ExecutionARN(machine, name) }

// TestStatusChangeEventsSurviveKill9: a status change's event is written in the transaction
// of the step that makes the change, so every execution that committed SUCCEEDED before
// `stepflow server` was killed with SIGKILL starts its rule's target exactly once after the
// restart, though most of those events were not yet delivered at the kill.
func TestStatusChangeEventsSurviveKill9(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "stepflow.db")
	first := runServerProcess(t, dir, "--db", db)
	ctx := context.Background()
	c, eb := first.client(), first.eventsClient()
	pass := aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	order, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Order"), RoleArn: aws.String(roleARN), Definition: pass})
	mustNoErr(t, "create Order", err)
	audit, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Audit"), RoleArn: aws.String(roleARN), Definition: pass})
	mustNoErr(t, "create Audit", err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("audit-orders"), EventPattern: aws.String(
		`{"source":["aws.states"],"detail-type":["Step Functions Execution Status Change"],"detail":{"status":["SUCCEEDED"],"stateMachineArn":["` +
			*order.StateMachineArn + `"]}}`)})
	mustNoErr(t, "put rule", err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("audit-orders"), Targets: []ebtypes.Target{
		{Id: aws.String("audit"), Arn: audit.StateMachineArn, InputTransformer: &ebtypes.InputTransformer{
			InputPathsMap: map[string]string{"order": "$.detail.executionArn"}, InputTemplate: aws.String(`{"order": <order>}`)}}}})
	mustNoErr(t, "put targets", err)

	const workers, perWorker = 8, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				_, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: order.StateMachineArn,
					Name: aws.String(fmt.Sprintf("o-%d-%d", w, i))})
				if err != nil {
					t.Errorf("start: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	first.signal(syscall.SIGKILL)
	if t.Failed() {
		return
	}

	st, err := sqlite.Open(ctx, db)
	mustNoErr(t, "open the killed server's database", err)
	pending, err := st.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryPending, MaxResults: store.MaxPageSize})
	mustNoErr(t, "list deliveries", err)
	st.Close()
	t.Logf("%d of %d status-change events were not yet delivered when the server was killed", len(pending.Deliveries), workers*perWorker)
	if len(pending.Deliveries) == 0 {
		t.Fatal("every event was delivered before the kill; the test did not kill between the commit and the delivery")
	}

	second := runServerProcess(t, dir, "--db", db)
	defer second.signal(syscall.SIGTERM)
	c = second.client()
	orders := listAllExecutions(t, c, order.StateMachineArn)
	if len(orders) != workers*perWorker {
		t.Fatalf("%d orders, want %d", len(orders), workers*perWorker)
	}
	var audits []string
	waitFor(t, 60*time.Second, "an audit per order", func() bool {
		audits = listAllExecutions(t, c, audit.StateMachineArn)
		return len(audits) >= len(orders)
	})
	audited := map[string]int{}
	for _, name := range audits {
		out, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(scopeExecutionARN("Audit", name))})
		mustNoErr(t, "describe audit", err)
		var in struct{ Order string }
		mustNoErr(t, "audit input", json.Unmarshal([]byte(aws.ToString(out.Input)), &in))
		audited[in.Order]++
	}
	for _, name := range orders {
		if n := audited[scopeExecutionARN("Order", name)]; n != 1 {
			t.Errorf("order %s audited %d times", name, n)
		}
	}
	if len(audits) != len(orders) {
		t.Fatalf("%d audits for %d orders", len(audits), len(orders))
	}
}

// TestSchedulerAWSCLI: the AWS CLI's `aws scheduler` against `stepflow server`: a group, a
// rate schedule that fires at once and the execution it starts, get, list and delete.
func TestSchedulerAWSCLI(t *testing.T) {
	t.Parallel()
	needAWSCLI(t)
	dir := t.TempDir()
	srv := runServerProcess(t, dir, "--db", filepath.Join(dir, "stepflow.db"))
	defer srv.signal(syscall.SIGTERM)
	run := func(args ...string) map[string]any {
		t.Helper()
		return awsServiceCLI(t, srv.URL, "scheduler", args...)
	}
	ctx := context.Background()
	c := srv.client()
	machine, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Report"), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	mustNoErr(t, "create state machine", err)

	if got := run("create-schedule-group", "--name", "reports"); got["ScheduleGroupArn"] != "arn:aws:scheduler:us-east-1:123456789012:schedule-group/reports" {
		t.Fatalf("create-schedule-group: %v", got)
	}
	created := run("create-schedule", "--name", "hourly-report", "--group-name", "reports", "--schedule-expression", "rate(1 hour)",
		"--flexible-time-window", `{"Mode":"OFF"}`,
		"--target", `{"Arn":"`+*machine.StateMachineArn+`","RoleArn":"`+roleARN+`","Input":"{\"slot\":\"<aws.scheduler.scheduled-time>\"}"}`)
	if created["ScheduleArn"] != "arn:aws:scheduler:us-east-1:123456789012:schedule/reports/hourly-report" {
		t.Fatalf("create-schedule: %v", created)
	}
	got := run("get-schedule", "--name", "hourly-report", "--group-name", "reports")
	if got["ScheduleExpression"] != "rate(1 hour)" || got["State"] != "ENABLED" {
		t.Fatalf("get-schedule: %v", got)
	}
	var names []string
	waitFor(t, 30*time.Second, "the execution the schedule starts at once", func() bool {
		names = listAllExecutions(t, c, machine.StateMachineArn)
		return len(names) > 0
	})
	if len(names) != 1 || !strings.HasPrefix(names[0], "hourly-report_") {
		t.Fatalf("executions %v", names)
	}
	out, err := c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(scopeExecutionARN("Report", names[0]))})
	mustNoErr(t, "describe execution", err)
	var input struct{ Slot string }
	mustNoErr(t, "execution input", json.Unmarshal([]byte(aws.ToString(out.Input)), &input))
	if _, err := time.Parse(time.RFC3339, input.Slot); err != nil {
		t.Fatalf("execution input %s", aws.ToString(out.Input))
	}
	list := run("list-schedules", "--group-name", "reports")
	if schedules, _ := list["Schedules"].([]any); len(schedules) != 1 {
		t.Fatalf("list-schedules: %v", list)
	}
	run("delete-schedule", "--name", "hourly-report", "--group-name", "reports")
	run("delete-schedule-group", "--name", "reports")
	if groups, _ := run("list-schedule-groups")["ScheduleGroups"].([]any); len(groups) != 1 {
		t.Fatalf("groups after delete: %v", groups)
	}
}
