package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsscheduler "github.com/aws/aws-sdk-go-v2/service/scheduler"
	stypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/events/webhook"
	"github.com/stepflow/stepflow/internal/pgtest"
)

// twoServersOnPostgres starts two `stepflow server` processes sharing one PostgreSQL schema,
// with the shipped settings (lease, poll intervals, rules TTL).
func twoServersOnPostgres(t *testing.T, what string) (a, b *serverProcess) {
	t.Helper()
	dsn := pgtest.Schema(t, what)
	a = runServerProcess(t, t.TempDir(), "--postgres", dsn, "--node-id", "node-a")
	b = runServerProcess(t, t.TempDir(), "--postgres", dsn, "--node-id", "node-b")
	return a, b
}

func (p *serverProcess) schedulerClient() *awsscheduler.Client {
	return awsscheduler.New(awsscheduler.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.URL),
		Credentials: aws.AnonymousCredentials{}})
}

// counterSum is the sum of a Prometheus counter's series on a server's /metrics.
func counterSum(t *testing.T, p *serverProcess, name string) int {
	t.Helper()
	resp, err := http.Get(p.URL + "/metrics")
	mustNoErr(t, "get /metrics", err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	sum := 0.0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		mustNoErr(t, "metric value", err)
		sum += v
	}
	return int(sum)
}

// TestTwoServersDeliverEachEventOnce: two servers on PostgreSQL; events accepted by either are
// each delivered exactly once as an execution: one execution per event, and the two servers'
// Invocations counts add up to the number of events (no delivery made twice).
func TestTwoServersDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	a, b := twoServersOnPostgres(t, "two-server event delivery test")
	ctx := context.Background()
	c := a.client()
	machine, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Notify"), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	mustNoErr(t, "create state machine", err)
	_, err = a.eventsClient().PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("stock"), EventPattern: aws.String(`{"source":["shop.inventory"]}`)})
	mustNoErr(t, "put rule", err)
	_, err = a.eventsClient().PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("stock"), Targets: []ebtypes.Target{
		{Id: aws.String("notify"), Arn: machine.StateMachineArn, InputPath: aws.String("$.detail")}}})
	mustNoErr(t, "put targets", err)

	const calls, perCall = 20, 10
	accepted := map[string]bool{}
	for i := range calls {
		server := []*serverProcess{a, b}[i%2]
		var entries []ebtypes.PutEventsRequestEntry
		for j := range perCall {
			entries = append(entries, ebtypes.PutEventsRequestEntry{Source: aws.String("shop.inventory"), DetailType: aws.String("StockChanged"),
				Detail: aws.String(fmt.Sprintf(`{"sku":"S-%d-%d"}`, i, j))})
		}
		out, err := server.eventsClient().PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		mustNoErr(t, "put events", err)
		if out.FailedEntryCount != 0 {
			t.Fatalf("put events: %d failed", out.FailedEntryCount)
		}
		for _, e := range out.Entries {
			accepted[*e.EventId] = true
		}
	}
	var names []string
	waitFor(t, 60*time.Second, "an execution per event", func() bool {
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
	invA, invB := counterSum(t, a, "stepflow_events_invocations_total"), counterSum(t, b, "stepflow_events_invocations_total")
	t.Logf("deliveries made: %d by node-a, %d by node-b", invA, invB)
	if invA+invB != len(accepted) {
		t.Fatalf("%d + %d deliveries made for %d events", invA, invB, len(accepted))
	}
}

// TestTwoServersFireEachSlotOnce: two servers on PostgreSQL with the shipped settings (each
// looks for due schedules every second) and the real clock. Ten one-time schedules due a few
// seconds on, and a rate(1 minute) schedule, which fires at once and again a minute later:
// every slot fires once, counted by the two servers' fire counters together, and starts one
// execution. The test waits for the rate's second slot: it takes about 65 seconds.
func TestTwoServersFireEachSlotOnce(t *testing.T) {
	t.Parallel()
	a, b := twoServersOnPostgres(t, "two-server scheduler test")
	ctx := context.Background()
	c := a.client()
	machine, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Tick"), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	mustNoErr(t, "create state machine", err)
	target := &stypes.Target{Arn: machine.StateMachineArn, RoleArn: aws.String(roleARN)}
	off := &stypes.FlexibleTimeWindow{Mode: stypes.FlexibleTimeWindowModeOff}

	rateCreated := time.Now()
	_, err = b.schedulerClient().CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{Name: aws.String("every-minute"),
		ScheduleExpression: aws.String("rate(1 minute)"), FlexibleTimeWindow: off, Target: target})
	mustNoErr(t, "create rate schedule", err)
	due := time.Now().UTC().Add(8 * time.Second).Truncate(time.Second) // room to create them all on a busy machine
	const oneTime = 10
	for i := range oneTime {
		_, err := []*serverProcess{a, b}[i%2].schedulerClient().CreateSchedule(ctx, &awsscheduler.CreateScheduleInput{
			Name: aws.String(fmt.Sprintf("once-%d", i)), ScheduleExpression: aws.String("at(" + due.Format("2006-01-02T15:04:05") + ")"),
			FlexibleTimeWindow: off, Target: target})
		mustNoErr(t, "create one-time schedule", err)
	}

	count := func(names []string, prefix string) int {
		n := 0
		for _, name := range names {
			if strings.HasPrefix(name, prefix) {
				n++
			}
		}
		return n
	}
	var names []string
	waitFor(t, 30*time.Second, "the one-time schedules and the rate's first slot", func() bool {
		names = listAllExecutions(t, c, machine.StateMachineArn)
		return len(names) >= oneTime+1
	})
	if n := count(names, "every-minute_"); n != 1 {
		t.Fatalf("rate(1 minute) fired %d times in its first %s: %v", n, time.Since(rateCreated).Round(time.Second), names)
	}
	for i := range oneTime {
		if n := count(names, fmt.Sprintf("once-%d_%s_", i, due.Format("20060102T150405Z"))); n != 1 {
			t.Errorf("once-%d started %d executions: %v", i, n, names)
		}
	}
	waitFor(t, 75*time.Second, "the rate's second slot", func() bool {
		names = listAllExecutions(t, c, machine.StateMachineArn)
		return count(names, "every-minute_") >= 2
	})
	_, err = a.schedulerClient().DeleteSchedule(ctx, &awsscheduler.DeleteScheduleInput{Name: aws.String("every-minute")})
	mustNoErr(t, "delete rate schedule", err)
	var slots []time.Time
	for _, name := range names {
		if rest, ok := strings.CutPrefix(name, "every-minute_"); ok {
			slot, err := time.Parse("20060102T150405Z", rest[:16])
			mustNoErr(t, "slot of "+name, err)
			slots = append(slots, slot)
		}
	}
	if len(slots) != 2 {
		t.Fatalf("rate slots %v", slots)
	}
	if gap := slots[0].Sub(slots[1]); gap != time.Minute && gap != -time.Minute {
		t.Fatalf("rate slots %v are not a minute apart", slots)
	}
	firesA, firesB := counterSum(t, a, "stepflow_scheduler_fires_total"), counterSum(t, b, "stepflow_scheduler_fires_total")
	t.Logf("slots fired: %d by node-a, %d by node-b; test ran %s", firesA, firesB, time.Since(rateCreated).Round(time.Second))
	if firesA+firesB != oneTime+2 {
		t.Fatalf("%d + %d fires for %d slots", firesA, firesB, oneTime+2)
	}
}

// TestTwoServersRefuseAWebhookReplay: a webhook made through one server's API is served by
// both, and a signed request accepted by one is refused as a replay by the other.
func TestTwoServersRefuseAWebhookReplay(t *testing.T) {
	t.Parallel()
	a, b := twoServersOnPostgres(t, "two-server webhook test")
	const secret = "shared-secret-0123456789"
	status, answer := postJSON(t, a.URL+"/", map[string]string{"X-Amz-Target": "AWSEvents.CreateWebhook", "Content-Type": "application/x-amz-json-1.1"},
		`{"Name":"stock","Source":"shop.inventory","DetailType":"StockChanged","Secret":"`+secret+`"}`)
	if status != 200 {
		t.Fatalf("CreateWebhook: %d %s", status, answer)
	}
	for _, format := range []string{"stepflow", "github"} {
		body := []byte(`{"sku":"A-1","format":"` + format + `"}`)
		headers := map[string]string{webhook.SignatureHeader: webhook.Sign(secret, body, time.Now())}
		if format == "github" {
			status, answer := postJSON(t, a.URL+"/", map[string]string{"X-Amz-Target": "AWSEvents.CreateWebhook", "Content-Type": "application/x-amz-json-1.1"},
				`{"Name":"gh","Source":"github","DetailType":"push","SignatureFormat":"GITHUB","Secret":"`+secret+`"}`)
			if status != 200 {
				t.Fatalf("CreateWebhook: %d %s", status, answer)
			}
			headers = map[string]string{webhook.GitHubSignatureHeader: webhook.SignGitHub(secret, body)}
		}
		path := map[string]string{"stepflow": "/webhooks/stock", "github": "/webhooks/gh"}[format]
		if status, answer := postJSON(t, b.URL+path, headers, string(body)); status != 200 {
			t.Fatalf("%s: first request to node-b: %d %s", format, status, answer)
		}
		if status, answer := postJSON(t, a.URL+path, headers, string(body)); status != 409 || !strings.Contains(answer, "ReplayedRequestException") {
			t.Fatalf("%s: the same request to node-a: %d %s", format, status, answer)
		}
	}
}

func postJSON(t *testing.T, url string, headers map[string]string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	mustNoErr(t, "post "+url, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}
