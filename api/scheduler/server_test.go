package scheduler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsscheduler "github.com/aws/aws-sdk-go-v2/service/scheduler"
	stypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

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
)

const (
	accessKey = "AKIDSCHEDULERTEST"
	secretKey = "scheduler-test-secret"
	roleARN   = "arn:aws:iam::123456789012:role/StepflowRole"
)

var (
	scope = sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "123456789012"}
	ctx   = context.Background()
)

// clock is a virtual clock the API and the schedulers read.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

type testServer struct {
	store     store.Store
	bus       *events.Bus
	clock     *clock
	scheduler *awsscheduler.Client
	sfn       *awssfn.Client
	events    *eventbridge.Client
}

func startServer(t *testing.T, start time.Time) *testServer {
	t.Helper()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: start}
	eng, err := engine.New(engine.Config{Store: st, Invoker: task.NewRouter(), Scope: scope, NodeID: "scheduler-test"})
	if err != nil {
		t.Fatal(err)
	}
	// The bus delivers on the virtual clock too: a fired slot's delivery is due at once.
	bus, err := events.New(events.Config{Store: st, Starter: eng, Scope: scope, NodeID: "scheduler-test", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(ctx); err != nil {
		t.Fatal(err)
	}
	handler, err := api.New(api.Config{Engine: eng, Credentials: map[string]string{accessKey: secretKey},
		Services: []api.Service{eventsapi.Service(bus, st)},
		REST:     []api.RESTService{schedulerapi.Service(st, scope, clk.Now)}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		handler.Close()
		bus.Close()
		eng.Close(context.Background())
		st.Close()
	})
	url := "http://" + ln.Addr().String()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(scope.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		config.WithRetryMaxAttempts(1), config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{store: st, bus: bus, clock: clk,
		scheduler: awsscheduler.NewFromConfig(cfg, func(o *awsscheduler.Options) { o.BaseEndpoint = aws.String(url) }),
		sfn:       awssfn.NewFromConfig(cfg, func(o *awssfn.Options) { o.BaseEndpoint = aws.String(url) }),
		events:    eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) }),
	}
}

// node is one scheduler process over the server's store, on the virtual clock.
func (s *testServer) node(t *testing.T) *scheduler.Service {
	t.Helper()
	n, err := scheduler.New(scheduler.Config{Store: s.store, Deliveries: s.bus, Scope: scope, Now: s.clock.Now,
		RuleEvents: s.bus.ScheduledRuleDeliveries})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("got %v, want %s: %s", err, code, msg)
	}
}

func (s *testServer) createMachine(t *testing.T, name string) string {
	t.Helper()
	out, err := s.sfn.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	check(t, "create state machine", err)
	return *out.StateMachineArn
}

// executions waits until the machine has want executions (deliveries run on the bus's
// goroutine) and returns their names.
func (s *testServer) executions(t *testing.T, machine string, want int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := s.sfn.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine)})
		check(t, "list executions", err)
		if len(out.Executions) >= want || time.Now().After(deadline) {
			var names []string
			for _, e := range out.Executions {
				names = append(names, *e.Name)
			}
			if len(names) != want {
				t.Fatalf("%d executions %v, want %d", len(names), names, want)
			}
			return names
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fire(t *testing.T, n *scheduler.Service) int {
	t.Helper()
	got, err := n.FireDue(ctx)
	check(t, "fire", err)
	return got
}

// TestScheduleFiresOncePerSlot: a cron schedule in New York created with the AWS SDK fires
// each slot once on a virtual clock: not again on the same node, not on a second node, not
// after a restart; slots missed while no node ran fire once, late; the executions started
// are named after the schedule and slot.
func TestScheduleFiresOncePerSlot(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 8, 6, 58, 0, 0, time.UTC) // 01:58 EST, the night clocks spring forward
	srv := startServer(t, start)
	machine := srv.createMachine(t, "Nightly")

	out, err := srv.scheduler.CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{
		Name: aws.String("every-five"), ScheduleExpression: aws.String("cron(0/5 * * * ? *)"),
		ScheduleExpressionTimezone: aws.String("America/New_York"),
		FlexibleTimeWindow:         &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
		Target: &stypes.Target{Arn: aws.String(machine), RoleArn: aws.String(roleARN),
			Input: aws.String(`{"at":"<aws.scheduler.scheduled-time>"}`)},
	})
	check(t, "create schedule", err)
	if want := "arn:aws:scheduler:us-east-1:123456789012:schedule/default/every-five"; *out.ScheduleArn != want {
		t.Fatalf("ARN %s, want %s", *out.ScheduleArn, want)
	}
	got, err := srv.scheduler.GetSchedule(ctx, &awsscheduler.GetScheduleInput{Name: aws.String("every-five")})
	check(t, "get schedule", err)
	if *got.ScheduleExpressionTimezone != "America/New_York" || got.State != stypes.ScheduleStateEnabled || *got.GroupName != "default" ||
		!got.CreationDate.Equal(start) || *got.Target.Input != `{"at":"<aws.scheduler.scheduled-time>"}` {
		t.Fatalf("get schedule: %+v", got)
	}

	a, b := srv.node(t), srv.node(t)
	if n := fire(t, a) + fire(t, b); n != 0 {
		t.Fatalf("%d fires before the first slot", n)
	}
	// 02:00 EST does not exist this night: the next slot is 03:00 EDT (07:00 UTC).
	srv.clock.Set(time.Date(2026, 3, 8, 7, 0, 30, 0, time.UTC))
	var wg sync.WaitGroup
	fired := make([]int, 4)
	for i, n := range []*scheduler.Service{a, b, a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); fired[i] = fire(t, n) }()
	}
	wg.Wait()
	if total := fired[0] + fired[1] + fired[2] + fired[3]; total != 1 {
		t.Fatalf("two nodes fired the 03:00 slot %d times", total)
	}
	// A restart: a new node over the same store does not fire it again.
	if n := fire(t, srv.node(t)); n != 0 {
		t.Fatalf("a restarted node fired %d more", n)
	}
	names := srv.executions(t, machine, 1)
	if !strings.HasPrefix(names[0], "every-five_20260308T070000Z_") {
		t.Fatalf("execution name %s", names[0])
	}
	desc, err := srv.sfn.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + names[0])})
	check(t, "describe execution", err)
	if *desc.Input != `{"at":"2026-03-08T07:00:00Z"}` {
		t.Fatalf("input %s", *desc.Input)
	}

	// Every node down for an hour: the twelve missed slots fire once, as the latest.
	srv.clock.Set(time.Date(2026, 3, 8, 8, 2, 0, 0, time.UTC))
	if n := fire(t, a) + fire(t, b); n != 1 {
		t.Fatalf("missed slots fired %d times, want once", n)
	}
	names = srv.executions(t, machine, 2)
	if !containsPrefix(names, "every-five_20260308T080000Z_") {
		t.Fatalf("late fire names %v", names)
	}

	// Disabled, it does not fire; enabled again, it starts from now.
	update := func(state stypes.ScheduleState) {
		_, err := srv.scheduler.UpdateSchedule(ctx, &awsscheduler.UpdateScheduleInput{Name: aws.String("every-five"),
			ScheduleExpression: aws.String("cron(0/5 * * * ? *)"), ScheduleExpressionTimezone: aws.String("America/New_York"), State: state,
			FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
			Target:             &stypes.Target{Arn: aws.String(machine), RoleArn: aws.String(roleARN)}})
		check(t, "update schedule", err)
	}
	update(stypes.ScheduleStateDisabled)
	srv.clock.Set(time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC))
	if n := fire(t, a); n != 0 {
		t.Fatalf("a disabled schedule fired %d", n)
	}
	update(stypes.ScheduleStateEnabled)
	if n := fire(t, a); n != 1 {
		t.Fatalf("the re-enabled schedule fired %d at its slot", n)
	}
	srv.executions(t, machine, 3)
}

func containsPrefix(names []string, prefix string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// TestOneTimeScheduleDeletes: at() with ActionAfterCompletion DELETE fires once and is gone.
func TestOneTimeScheduleDeletes(t *testing.T) {
	t.Parallel()
	srv := startServer(t, time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC))
	machine := srv.createMachine(t, "Once")
	_, err := srv.scheduler.CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{
		Name: aws.String("once"), ScheduleExpression: aws.String("at(2026-10-25T02:30:00)"),
		ScheduleExpressionTimezone: aws.String("Europe/Berlin"), ActionAfterCompletion: stypes.ActionAfterCompletionDelete,
		FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
		Target:             &stypes.Target{Arn: aws.String(machine), RoleArn: aws.String(roleARN)},
	})
	check(t, "create", err)
	n := srv.node(t)
	// 02:30 happens twice in Berlin that night; the first (00:30 UTC) fires.
	srv.clock.Set(time.Date(2026, 10, 25, 0, 29, 59, 0, time.UTC))
	if got := fire(t, n); got != 0 {
		t.Fatalf("fired %d early", got)
	}
	srv.clock.Set(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC))
	if got := fire(t, n); got != 1 {
		t.Fatalf("fired %d at its time", got)
	}
	srv.executions(t, machine, 1)
	_, err = srv.scheduler.GetSchedule(ctx, &awsscheduler.GetScheduleInput{Name: aws.String("once")})
	wantError(t, err, "ResourceNotFoundException", "Schedule once does not exist.")
	srv.clock.Set(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC))
	if got := fire(t, n); got != 0 {
		t.Fatalf("fired %d again", got)
	}
}

func TestSchedulerAPIErrorsAndGroups(t *testing.T) {
	t.Parallel()
	srv := startServer(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	machine := srv.createMachine(t, "M")
	input := func(name, expr, target string) *awsscheduler.CreateScheduleInput {
		return &awsscheduler.CreateScheduleInput{Name: aws.String(name), ScheduleExpression: aws.String(expr),
			FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)},
			Target:             &stypes.Target{Arn: aws.String(target), RoleArn: aws.String(roleARN)}}
	}
	_, err := srv.scheduler.CreateSchedule(ctx, input("bad", "cron(0 12 * * *)", machine))
	wantError(t, err, "ValidationException", "Invalid Schedule Expression cron(0 12 * * *).")
	_, err = srv.scheduler.CreateSchedule(ctx, input("queue", "rate(5 minutes)", "arn:aws:sqs:us-east-1:123456789012:q"))
	wantError(t, err, "ValidationException", "Stepflow's Scheduler starts state machines only (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME); target arn:aws:sqs:us-east-1:123456789012:q is not one.")
	in := input("tz", "rate(5 minutes)", machine)
	in.ScheduleExpressionTimezone = aws.String("Mars/Olympus")
	_, err = srv.scheduler.CreateSchedule(ctx, in)
	wantError(t, err, "ValidationException", "Invalid time zone: Mars/Olympus.")
	_, err = srv.scheduler.CreateSchedule(ctx, input("ok", "rate(5 minutes)", machine))
	check(t, "create", err)
	_, err = srv.scheduler.CreateSchedule(ctx, input("ok", "rate(5 minutes)", machine))
	wantError(t, err, "ConflictException", "Schedule ok already exists.")
	in = input("grouped", "rate(5 minutes)", machine)
	in.GroupName = aws.String("jobs")
	_, err = srv.scheduler.CreateSchedule(ctx, in)
	wantError(t, err, "ResourceNotFoundException", "Schedule group jobs does not exist.")

	grp, err := srv.scheduler.CreateScheduleGroup(ctx, &awsscheduler.CreateScheduleGroupInput{Name: aws.String("jobs"),
		Tags: []stypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	check(t, "create group", err)
	_, err = srv.scheduler.CreateSchedule(ctx, in)
	check(t, "create in group", err)
	tags, err := srv.scheduler.ListTagsForResource(ctx, &awsscheduler.ListTagsForResourceInput{ResourceArn: grp.ScheduleGroupArn})
	check(t, "list tags", err)
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" {
		t.Fatalf("tags %+v", tags.Tags)
	}
	_, err = srv.scheduler.UntagResource(ctx, &awsscheduler.UntagResourceInput{ResourceArn: grp.ScheduleGroupArn, TagKeys: []string{"team"}})
	check(t, "untag", err)
	groups, err := srv.scheduler.ListScheduleGroups(ctx, &awsscheduler.ListScheduleGroupsInput{})
	check(t, "list groups", err)
	if len(groups.ScheduleGroups) != 2 || *groups.ScheduleGroups[0].Name != "default" || *groups.ScheduleGroups[1].Name != "jobs" {
		t.Fatalf("groups %+v", groups.ScheduleGroups)
	}
	list, err := srv.scheduler.ListSchedules(ctx, &awsscheduler.ListSchedulesInput{GroupName: aws.String("jobs")})
	check(t, "list schedules", err)
	if len(list.Schedules) != 1 || *list.Schedules[0].Name != "grouped" || *list.Schedules[0].Target.Arn != machine {
		t.Fatalf("schedules %+v", list.Schedules)
	}
	_, err = srv.scheduler.DeleteScheduleGroup(ctx, &awsscheduler.DeleteScheduleGroupInput{Name: aws.String("default")})
	wantError(t, err, "ValidationException", "The default schedule group cannot be deleted.")
	_, err = srv.scheduler.DeleteScheduleGroup(ctx, &awsscheduler.DeleteScheduleGroupInput{Name: aws.String("jobs")})
	check(t, "delete group", err)
	_, err = srv.scheduler.GetSchedule(ctx, &awsscheduler.GetScheduleInput{Name: aws.String("grouped"), GroupName: aws.String("jobs")})
	wantError(t, err, "ResourceNotFoundException", "Schedule grouped does not exist.")
	_, err = srv.scheduler.DeleteSchedule(ctx, &awsscheduler.DeleteScheduleInput{Name: aws.String("ok")})
	check(t, "delete", err)
	_, err = srv.scheduler.DeleteSchedule(ctx, &awsscheduler.DeleteScheduleInput{Name: aws.String("ok")})
	wantError(t, err, "ResourceNotFoundException", "Schedule ok does not exist.")
}

// TestRateScheduleFirstFires: a rate schedule created without a StartDate fires at once (on
// the next whole second after its creation), as EventBridge Scheduler documents, and then
// every period; with a StartDate its first fire is the StartDate.
func TestRateScheduleFirstFires(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 5, 4, 10, 0, 0, 400_000_000, time.UTC)
	srv := startServer(t, created)
	machine := srv.createMachine(t, "Every5")
	create := func(name string, start *time.Time) {
		_, err := srv.scheduler.CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{
			Name: aws.String(name), ScheduleExpression: aws.String("rate(5 minutes)"), StartDate: start,
			FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
			Target:             &stypes.Target{Arn: aws.String(machine), RoleArn: aws.String(roleARN)}})
		check(t, "create "+name, err)
	}
	create("now", nil)
	startDate := time.Date(2026, 5, 4, 11, 0, 0, 0, time.UTC)
	create("later", &startDate)
	n := srv.node(t)
	steps := []struct {
		at   time.Time
		want int
	}{
		{created, 0},
		{time.Date(2026, 5, 4, 10, 0, 1, 0, time.UTC), 1}, // "now": its first slot
		{time.Date(2026, 5, 4, 10, 5, 0, 0, time.UTC), 0},
		{time.Date(2026, 5, 4, 10, 5, 1, 0, time.UTC), 1},   // "now": one period on
		{time.Date(2026, 5, 4, 10, 59, 59, 0, time.UTC), 1}, // "now" late, once; "later" not yet
		{time.Date(2026, 5, 4, 11, 0, 0, 0, time.UTC), 1},   // "later": its StartDate
	}
	for _, s := range steps {
		srv.clock.Set(s.at)
		if got := fire(t, n); got != s.want {
			t.Fatalf("at %s fired %d, want %d", s.at.Format(time.TimeOnly), got, s.want)
		}
	}
	names := srv.executions(t, machine, 4)
	if !containsPrefix(names, "now_20260504T100001Z_") || !containsPrefix(names, "later_20260504T110000Z_") {
		t.Fatalf("executions %v", names)
	}
}

// TestScheduleExpressionsAsAWS: the expressions AWS refused and accepted when LocalStack's
// AWS-validated scheduler tests were recorded (tests/aws/services/scheduler), with AWS's
// message for each refusal.
func TestScheduleExpressionsAsAWS(t *testing.T) {
	t.Parallel()
	srv := startServer(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	machine := srv.createMachine(t, "M")
	create := func(name, expr string) error {
		_, err := srv.scheduler.CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{Name: aws.String(name), ScheduleExpression: aws.String(expr),
			FlexibleTimeWindow: &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff},
			Target:             &stypes.Target{Arn: aws.String(machine), RoleArn: aws.String(roleARN)}})
		return err
	}
	for i, expr := range []string{"cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)", "cron(0 dummy ? * MON-FRI *)",
		"cron(71 8 1 * ? *)", "cron()", "rate(10 seconds)", "rate(10 years)", "rate()", "rate(10)", "rate(10 minutess)",
		"rate(foo minutes)", "rate(-10 minutes)", "rate( 10 minutes )", " rate(10 minutes)", "at(2021-12-31T23:59:59Z)", "at(2021-12-31)"} {
		wantError(t, create(fmt.Sprintf("bad-%d", i), expr), "ValidationException", "Invalid Schedule Expression "+expr+".")
	}
	for i, expr := range []string{"cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)", "cron(30-30 13-13 ? * 2,4,6 *)", "cron(1-31/30 1-1 ? * 1,7 *)",
		"cron(0 18 ? * MON-FRI *)", "cron(*/15 * * * ? *)", "cron(0-59/10 0-23/2 ? * * *)"} {
		check(t, expr, create(fmt.Sprintf("good-%d", i), expr))
	}
}

// TestScheduledRules: EventBridge rules with a ScheduleExpression run on the Scheduler's
// machinery: a rate rule first fires one period after its creation and sends its targets a
// "Scheduled Event"; a disabled rule does not fire, enabled again it goes on from its next
// slot; a deleted rule leaves no schedule; its schedule is not the Scheduler API's. Refusals
// are AWS's, as LocalStack's AWS-validated tests recorded them (test_events_schedule).
func TestScheduledRules(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	srv := startServer(t, created)
	machine := srv.createMachine(t, "Tick")
	const ruleARN = "arn:aws:events:us-east-1:123456789012:rule/every-five"

	for _, expr := range []string{"rate(10 seconds)", "rate(10 years)", "rate(1 minutes)", "rate(1 hours)", "rate(1 days)", "rate(10 minute)",
		"rate(10 hour)", "rate(10 day)", "rate()", "rate(10)", "rate(10 minutess)", "rate(foo minutes)", "rate(0 minutes)", "rate(-10 minutes)",
		"rate(10 MINUTES)", "rate( 10 minutes )", " rate(10 minutes)", "cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)",
		"cron(0 dummy ? * MON-FRI *)", "cron(71 8 1 * ? *)", "at(2026-06-01T00:00:00)"} {
		_, err := srv.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), ScheduleExpression: aws.String(expr)})
		wantError(t, err, "ValidationException", "Parameter ScheduleExpression is not valid.")
	}
	_, err := srv.events.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")})
	check(t, "create bus", err)
	_, err = srv.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders"), ScheduleExpression: aws.String("rate(1 minute)")})
	wantError(t, err, "ValidationException", "ScheduleExpression is supported only on the default event bus.")
	for _, expr := range []string{"cron(* * ? * SAT#3 *)", "cron(0/5 5 ? JAN 1-5 2022)", "cron(0 10 * * ? *)", "cron(0/30 0-2 ? * MON-FRI *)", "rate(1 minute)", "rate(2 days)"} {
		_, err := srv.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("valid"), ScheduleExpression: aws.String(expr)})
		check(t, expr, err)
	}
	_, err = srv.events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("valid")})
	check(t, "delete rule", err)

	out, err := srv.events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("every-five"), ScheduleExpression: aws.String("rate(5 minutes)")})
	check(t, "put scheduled rule", err)
	if *out.RuleArn != ruleARN {
		t.Fatalf("rule ARN %s", *out.RuleArn)
	}
	_, err = srv.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("every-five"), Targets: []ebtypes.Target{
		{Id: aws.String("tick"), Arn: aws.String(machine)}}})
	check(t, "put targets", err)
	desc, err := srv.events.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("every-five")})
	check(t, "describe rule", err)
	if aws.ToString(desc.ScheduleExpression) != "rate(5 minutes)" || desc.EventPattern != nil || desc.State != ebtypes.RuleStateEnabled {
		t.Fatalf("describe rule: %+v", desc)
	}
	list, err := srv.scheduler.ListSchedules(ctx, &awsscheduler.ListSchedulesInput{})
	check(t, "list schedules", err)
	if len(list.Schedules) != 0 {
		t.Fatalf("the Scheduler API lists the rule's schedule: %+v", list.Schedules)
	}

	n := srv.node(t)
	steps := []struct {
		at     time.Time
		want   int
		action func()
	}{
		{created, 0, nil},
		{created.Add(5*time.Minute - time.Second), 0, nil},
		{created.Add(5 * time.Minute), 1, func() {
			_, err := srv.events.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("every-five")})
			check(t, "disable rule", err)
		}},
		{created.Add(10 * time.Minute), 0, func() {
			_, err := srv.events.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("every-five")})
			check(t, "enable rule", err)
		}},
		{created.Add(15 * time.Minute), 1, func() {
			_, err := srv.events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("every-five"), Ids: []string{"tick"}})
			check(t, "remove targets", err)
			_, err = srv.events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("every-five")})
			check(t, "delete rule", err)
		}},
		{created.Add(20 * time.Minute), 0, nil},
	}
	for _, s := range steps {
		srv.clock.Set(s.at)
		if got := fire(t, n); got != s.want {
			t.Fatalf("at %s fired %d, want %d", s.at.Format(time.TimeOnly), got, s.want)
		}
		if s.action != nil {
			s.action()
		}
	}
	if _, err := srv.store.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: store.EventRuleScheduleGroup, Name: "every-five"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the deleted rule's schedule: %v", err)
	}
	names := srv.executions(t, machine, 2)
	for _, name := range names {
		ex, err := srv.sfn.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + name)})
		check(t, "describe execution", err)
		var ev struct {
			Source     string   `json:"source"`
			DetailType string   `json:"detail-type"`
			Time       string   `json:"time"`
			Resources  []string `json:"resources"`
			Detail     map[string]any
		}
		check(t, "event", json.Unmarshal([]byte(*ex.Input), &ev))
		if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" || len(ev.Resources) != 1 || ev.Resources[0] != ruleARN ||
			ev.Detail == nil || len(ev.Detail) != 0 || (ev.Time != "2026-05-04T10:05:00Z" && ev.Time != "2026-05-04T10:15:00Z") {
			t.Fatalf("execution %s input %s", name, *ex.Input)
		}
	}
}
