package ui_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsscheduler "github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chromedp/chromedp"

	"github.com/stepflow/stepflow/api"
	eventsapi "github.com/stepflow/stepflow/api/events"
	schedulerapi "github.com/stepflow/stepflow/api/scheduler"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/scheduler"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/ui"
)

// TestBrowserRulesAndSchedules: a rule whose target an event started, and schedules (one that
// fired, one on New York weekday mornings) shown in Chromium with links to the executions.
func TestBrowserRulesAndSchedules(t *testing.T) {
	ctx := context.Background()
	scope := sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "123456789012"}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	var bus *events.Bus
	eng, err := engine.New(engine.Config{Store: st, Invoker: task.NewRouter(), Scope: scope, NodeID: "ui-events",
		OnStatusChange: func(c engine.StatusChange) { bus.StatusChanged(c) }})
	if err != nil {
		t.Fatal(err)
	}
	if bus, err = events.New(events.Config{Store: st, Starter: eng, Scope: scope, NodeID: "ui-events"}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(ctx); err != nil {
		t.Fatal(err)
	}
	apiHandler, err := api.New(api.Config{Engine: eng, Services: []api.Service{eventsapi.Service(bus, st)},
		REST: []api.RESTService{schedulerapi.Service(st, scope, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", apiHandler)
	mux.Handle(ui.Prefix, ui.Handler(eng))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		apiHandler.Close()
		bus.Close()
		eng.Close(context.Background())
		st.Close()
	})
	url := "http://" + ln.Addr().String()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(scope.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "secret", "")),
		config.WithRetryMaxAttempts(1), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	sfnClient := awssfn.NewFromConfig(cfg, func(o *awssfn.Options) { o.BaseEndpoint = aws.String(url) })
	ebClient := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) })
	schedClient := awsscheduler.NewFromConfig(cfg, func(o *awsscheduler.Options) { o.BaseEndpoint = aws.String(url) })
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	role := "arn:aws:iam::123456789012:role/StepflowRole"
	machine, err := sfnClient.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("NotifyRestock"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"Notify","States":{"Notify":{"Type":"Pass","End":true}}}`)})
	must("create state machine", err)
	machineARN := aws.ToString(machine.StateMachineArn)
	_, err = ebClient.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("restocked"), Description: aws.String("restocks of awaited products"),
		EventPattern: aws.String(`{"source":["shop.inventory"],"detail":{"quantity":[{"numeric":[">",0]}]}}`)})
	must("put rule", err)
	_, err = ebClient.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("restocked"),
		Targets: []ebtypes.Target{{Id: aws.String("notify"), Arn: aws.String(machineARN), InputPath: aws.String("$.detail")}}})
	must("put targets", err)
	put, err := ebClient.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged"), Detail: aws.String(`{"sku":"A-1","quantity":12}`)}}})
	must("put events", err)
	eventID := aws.ToString(put.Entries[0].EventId)
	// An execution of the same machine not started by the rule must not be listed under it.
	_, err = sfnClient.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machineARN), Name: aws.String("by-hand")})
	must("start by hand", err)

	_, err = schedClient.CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{Name: aws.String("nightly-report"),
		ScheduleExpression: aws.String("cron(30 2 ? * MON-FRI *)"), ScheduleExpressionTimezone: aws.String("America/New_York"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target:             &schedtypes.Target{Arn: aws.String(machineARN), RoleArn: aws.String(role)}})
	must("create cron schedule", err)
	_, err = schedClient.CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{Name: aws.String("soon"),
		ScheduleExpression: aws.String("at(" + time.Now().UTC().Add(2*time.Second).Format("2006-01-02T15:04:05") + ")"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target:             &schedtypes.Target{Arn: aws.String(machineARN), RoleArn: aws.String(role)}})
	must("create one-time schedule", err)
	deadline0 := time.Now().Add(10 * time.Second)
	// The scheduler fires the one-time schedule when its time comes.
	node, err := scheduler.New(scheduler.Config{Store: st, Deliveries: bus, Scope: scope})
	must("scheduler", err)
	for fired := 0; fired == 0; {
		if fired, err = node.FireDue(ctx); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline0) {
			t.Fatal("the one-time schedule did not fire")
		}
		time.Sleep(100 * time.Millisecond)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := st.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: machineARN})
		must("list executions", err)
		if len(res.Executions) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d executions, want the event's, the schedule's and the one by hand", len(res.Executions))
		}
		time.Sleep(50 * time.Millisecond)
	}

	bctx := newBrowser(t)
	var starts, targetLinks []string
	var pattern string
	run(t, bctx, "open the rules page",
		chromedp.Navigate(url+"/ui/rules"),
		chromedp.WaitVisible(chromedp.CSS(`#rule-default-restocked .starts`)),
		into(chromedp.TextContent(chromedp.CSS(`#rule-default-restocked pre.pattern`)), &pattern),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#rule-default-restocked .starts a")].map(a => a.textContent)`), &starts),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#rule-default-restocked .starts a")].map(a => a.getAttribute("href"))`), &targetLinks),
	)
	screenshot(t, bctx, "rules")
	if !strings.Contains(pattern, `"numeric": [`) || !strings.Contains(pattern, `"shop.inventory"`) {
		t.Errorf("pattern shown as %q", pattern)
	}
	if len(starts) != 1 || !strings.HasPrefix(starts[0], eventID+"_") {
		t.Fatalf("executions under the rule %v, want one named %s_...", starts, eventID)
	}
	var status string
	run(t, bctx, "follow the link to the execution",
		chromedp.Navigate(url+targetLinks[0]),
		chromedp.WaitVisible(chromedp.CSS(`#graph svg`)),
		into(chromedp.Evaluate[string](`document.body.textContent.includes("`+starts[0]+`") ? "found" : "missing"`), &status),
	)
	if status != "found" {
		t.Fatalf("the execution page of %s does not name it", starts[0])
	}

	var nextFires []string
	var zone, expression string
	var lastFires []string
	run(t, bctx, "open the schedules page",
		chromedp.Navigate(url+"/ui/schedules"),
		chromedp.WaitVisible(chromedp.CSS(`#schedule-default-nightly-report .next-fires`)),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#schedule-default-nightly-report .next-fires li")].map(li => li.textContent)`), &nextFires),
		into(chromedp.TextContent(chromedp.CSS(`#schedule-default-nightly-report .time-zone`)), &zone),
		into(chromedp.TextContent(chromedp.CSS(`#schedule-default-nightly-report .expression`)), &expression),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#schedule-default-soon .last-fires a")].map(a => a.textContent)`), &lastFires),
	)
	screenshot(t, bctx, "schedules")
	if zone != "America/New_York" || expression != "cron(30 2 ? * MON-FRI *)" {
		t.Errorf("zone %q expression %q", zone, expression)
	}
	// Five weekday mornings at 02:30 New York time, in order, each also shown in UTC.
	fireRE := regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri) (\d{4}-\d{2}-\d{2}) 02:30:00 E[SD]T \((\d{4}-\d{2}-\d{2}) 0[67]:30:00 UTC\)$`)
	if len(nextFires) != 5 {
		t.Fatalf("next fires %q, want five", nextFires)
	}
	previous := ""
	for _, f := range nextFires {
		m := fireRE.FindStringSubmatch(strings.TrimSpace(f))
		if m == nil || m[2] <= previous {
			t.Fatalf("next fires %q: %q is not a later weekday 02:30 in New York", nextFires, f)
		}
		previous = m[2]
	}
	if len(lastFires) != 1 || !strings.HasPrefix(lastFires[0], "soon_") {
		t.Fatalf("last fires of soon %v, want its one execution", lastFires)
	}
}
