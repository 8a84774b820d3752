package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// seedHome runs, on two state machines, executions that succeed, fail and wait for an
// activity worker, and returns the activity's ARN.
func seedHome(t *testing.T, s *uiServer) string {
	t.Helper()
	bg := context.Background()
	activity, err := s.sdk().CreateActivity(bg, &awssfn.CreateActivityInput{Name: aws.String("review")})
	if err != nil {
		t.Fatal(err)
	}
	checks := s.createStateMachine(t, "checks", choiceMachine)
	reviews := s.createStateMachine(t, "reviews", `{"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": "`+
		*activity.ActivityArn+`", "End": true}}}`)
	start := func(machine, name, input string) {
		t.Helper()
		ex, err := s.eng.StartExecution(bg, &engine.StartExecutionParams{StateMachineARN: machine, Name: name, Input: input})
		if err != nil {
			t.Fatal(err)
		}
		if machine == checks {
			waitFor(t, name+" to end", func() bool {
				e, err := s.eng.Store().ExecutionGetByARN(bg, &store.ExecutionGetByARNParams{ARN: ex.ARN})
				return err == nil && e.Status != sfn.StatusRunning
			})
		}
	}
	start(checks, "order-1-ok", `{"ok": true}`)
	start(checks, "order-2-bad", `{"ok": false}`)
	start(checks, "order-3-bad", `{"ok": false}`)
	start(reviews, "order-4-review", `{}`)
	start(reviews, "order-5-review", `{}`)
	waitFor(t, "two review tasks to wait", func() bool {
		n, err := s.eng.Store().DispatchCountWaiting(bg, &store.DispatchCountWaitingParams{Queue: *activity.ActivityArn, Now: time.Now()})
		return err == nil && n == 2
	})
	return *activity.ActivityArn
}

func TestHome(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	activityARN := seedHome(t, s)

	var home struct {
		Running  struct{ Count int } `json:"running"`
		Failed   struct{ Count int } `json:"failed"`
		TimedOut struct{ Count int } `json:"timedOut"`
		Failures []struct {
			Name, StateMachine, Error string
		} `json:"recentFailures"`
		Activities []struct {
			ARN     string `json:"activityArn"`
			Waiting int    `json:"waiting"`
		} `json:"waitingActivities"`
		WaitingTasks int `json:"waitingTasks"`
	}
	if status := s.getJSON(t, "/ui/api/home", &home); status != 200 {
		t.Fatalf("status %d", status)
	}
	if home.Running.Count != 2 || home.Failed.Count != 2 || home.TimedOut.Count != 0 || home.WaitingTasks != 2 {
		t.Errorf("home = %+v", home)
	}
	if len(home.Failures) != 2 || home.Failures[0].StateMachine != "checks" || home.Failures[0].Error != "NotOK" {
		t.Errorf("recent failures = %+v", home.Failures)
	}
	if len(home.Activities) != 1 || home.Activities[0].ARN != activityARN || home.Activities[0].Waiting != 2 {
		t.Errorf("waiting activities = %+v", home.Activities)
	}

	scope := s.eng.Scope()
	for _, tt := range []struct{ query, want string }{
		{"", "order-5-review order-4-review order-3-bad order-2-bad order-1-ok"},
		{"?status=FAILED", "order-3-bad order-2-bad"},
		{"?q=REVIEW", "order-5-review order-4-review"},
		{"?q=bad&status=RUNNING", ""},
		{"?q=" + esc(scope.ExecutionARN("checks", "order-")), "order-3-bad order-2-bad order-1-ok"},
		{"?q=" + esc(scope.ExecutionARN("checks", "order-2")), "order-2-bad"},
		{"?q=" + esc(scope.ExecutionARN("reviews", "order-4-review")), "order-4-review"},
		{"?q=" + esc(strings.TrimSuffix(scope.ExecutionARN("re", "x"), ":x")), "order-5-review order-4-review"},
	} {
		var res struct {
			Executions []struct{ Name, StateMachine string } `json:"executions"`
		}
		if status := s.getJSON(t, "/ui/api/executions"+tt.query, &res); status != 200 {
			t.Errorf("%s: status %d", tt.query, status)
		}
		var names []string
		for _, e := range res.Executions {
			names = append(names, e.Name)
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("search %s = %q, want %q", tt.query, got, tt.want)
		}
	}
	if status, _, body := s.get(t, "/ui/api/executions?status=DONE"); status != 400 || !strings.Contains(body, `status \"DONE\" is not an execution status`) {
		t.Errorf("bad status filter = %d %s", status, body)
	}

	status, _, page := s.get(t, "/ui/?q=bad")
	for _, want := range []string{`id="count-running" href="/ui/?status=RUNNING"><strong>2</strong> running`,
		`<strong>2</strong> failed`, `<strong>2</strong> activity tasks waiting`, `<strong>NotOK</strong>`,
		`<td class="waiting-count">2</td>`, `>order-2-bad</a>`, `2 found among the 5 most recent executions read`} {
		if !strings.Contains(page, want) {
			t.Errorf("home page (%d) lacks %s", status, want)
		}
	}
}
