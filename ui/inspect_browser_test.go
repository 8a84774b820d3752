package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chromedp/chromedp"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func TestBrowserIterations(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	arn := s.createStateMachine(t, "fan", fanMachine)
	ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{
		StateMachineARN: arn, Name: "five", Input: `{"items": [1, 2, 3, 4, 5]}`})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the execution to end", func() bool {
		e, err := s.eng.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: ex.ARN})
		return err == nil && e.Status != sfn.StatusRunning
	})
	rowStatuses := `[...document.querySelectorAll("#iteration-table tbody tr")].map(r => r.dataset.index + ":" + r.dataset.status)`
	var all, failed, branches []string
	var title, detailTitle, steps string
	run(t, ctx, "open the Map's iterations",
		chromedp.Navigate(s.URL+"/ui/executions/"+esc(ex.ARN)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-status="SUCCEEDED"]`)),
		chromedp.Click(chromedp.CSS(`#graph .sf-compound[data-state="Each"] > text`)),
		chromedp.WaitVisible(chromedp.CSS(`#iteration-table tbody tr[data-index="4"]`)),
		into(chromedp.Evaluate[[]string](rowStatuses), &all),
		into(chromedp.Text(chromedp.CSS(`#iterations-title`)), &title),
	)
	if strings.Join(all, " ") != "0:SUCCEEDED 1:FAILED 2:ABORTED 3:ABORTED 4:ABORTED" {
		t.Errorf("iterations = %v", all)
	}
	if title != "Iterations of Each" {
		t.Errorf("title = %q", title)
	}
	var changed bool
	run(t, ctx, "filter by FAILED and open the failed iteration",
		chromedp.SetValue(chromedp.CSS(`#iteration-status`), "FAILED"),
		into(chromedp.Evaluate[bool](`document.getElementById("iteration-status").dispatchEvent(new Event("change"))`), &changed),
		chromedp.WaitNotPresent(chromedp.CSS(`#iteration-table tbody tr[data-index="0"]`)),
		into(chromedp.Evaluate[[]string](rowStatuses), &failed),
		chromedp.Click(chromedp.CSS(`#iteration-table tbody tr[data-index="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#iteration-steps tbody tr[data-state="Bad"]`)),
		into(chromedp.Text(chromedp.CSS(`#iteration-detail-title`)), &detailTitle),
		into(chromedp.Text(chromedp.CSS(`#iteration-steps tbody`)), &steps),
	)
	if strings.Join(failed, " ") != "1:FAILED" {
		t.Errorf("FAILED iterations = %v", failed)
	}
	if detailTitle != "Iteration 1 · FAILED" {
		t.Errorf("detail title = %q", detailTitle)
	}
	for _, want := range []string{"Check", "Bad", "failed", "ItemTwo: two is not allowed"} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps of iteration 1 lack %q:\n%s", want, steps)
		}
	}
	screenshot(t, ctx, "ui-map-iterations")
	run(t, ctx, "open the Parallel's branches",
		chromedp.Click(chromedp.CSS(`#graph .sf-compound[data-state="Both"] > text`)),
		// The Map's filtered table is still up until the Parallel's arrives: wait for its title.
		into(chromedp.Poll[bool](`document.getElementById("iterations-title").textContent === "Branches of Both"`), new(bool)),
		chromedp.WaitVisible(chromedp.CSS(`#iteration-table tbody tr[data-index="1"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#iteration-table tbody tr[data-index="2"]`)),
		into(chromedp.Evaluate[[]string](rowStatuses), &branches),
		into(chromedp.Text(chromedp.CSS(`#iterations-title`)), &title),
	)
	if strings.Join(branches, " ") != "0:SUCCEEDED 1:SUCCEEDED" || title != "Branches of Both" {
		t.Errorf("branches = %v, title %q", branches, title)
	}
}

// TestBrowserDistributedMapChildren lists a Distributed Map's child executions, filters them by
// status and opens the failed one: its page draws the ItemProcessor and shows its states'
// inputs from the child's own history, and leads back to the parent.
func TestBrowserDistributedMapChildren(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	arn := s.createStateMachine(t, "distributed", distributedFan)
	ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: "three", Input: `[1, 2, 3]`})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the execution to end", func() bool {
		e, err := s.eng.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: ex.ARN})
		return err == nil && e.Status != sfn.StatusRunning
	})
	rowStatuses := `[...document.querySelectorAll("#iteration-table tbody tr")].map(r => r.dataset.index + ":" + r.dataset.status).sort()`
	var all, failed []string
	var note string
	run(t, ctx, "open the Distributed Map's children",
		chromedp.Navigate(s.URL+"/ui/executions/"+esc(ex.ARN)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-status="SUCCEEDED"]`)),
		chromedp.Click(chromedp.CSS(`#graph .sf-compound[data-state="Each"] > text`)),
		chromedp.WaitVisible(chromedp.CSS(`#iteration-table tbody tr[data-index="2"][data-execution]`)),
		into(chromedp.Evaluate[[]string](rowStatuses), &all),
		into(chromedp.Text(chromedp.CSS(`#iterations-note`)), &note),
	)
	if strings.Join(all, " ") != "0:SUCCEEDED 1:FAILED 2:SUCCEEDED" || !strings.Contains(note, "child execution") {
		t.Errorf("children = %v, note %q", all, note)
	}
	var changed bool
	run(t, ctx, "filter by FAILED",
		chromedp.SetValue(chromedp.CSS(`#iteration-status`), "FAILED"),
		into(chromedp.Evaluate[bool](`document.getElementById("iteration-status").dispatchEvent(new Event("change"))`), &changed),
		chromedp.WaitNotPresent(chromedp.CSS(`#iteration-table tbody tr[data-index="0"]`)),
		into(chromedp.Evaluate[[]string](rowStatuses), &failed),
	)
	if strings.Join(failed, " ") != "1:FAILED" {
		t.Errorf("FAILED children = %v", failed)
	}
	screenshot(t, ctx, "ui-distributed-map-children")
	var title, details, crumbs string
	run(t, ctx, "open the failed child and its Choice state",
		chromedp.Click(chromedp.CSS(`#iteration-table tbody tr[data-index="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-child="1"][data-status="FAILED"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Bad"]`)),
		chromedp.Click(chromedp.CSS(`#graph .sf-node[data-state="Check"] > rect`)),
		into(chromedp.Poll[bool](`document.getElementById("state-title").textContent === "Check"`), new(bool)),
		into(chromedp.Text(chromedp.CSS(`h1`)), &title),
		into(chromedp.Text(chromedp.CSS(`#state-details`)), &details),
		into(chromedp.Text(chromedp.CSS(`.crumbs`)), &crumbs),
	)
	if !strings.Contains(title, "FAILED") || !strings.Contains(details, "succeeded") || !strings.Contains(details, "2") ||
		!strings.Contains(crumbs, "three") || !strings.Contains(crumbs, "map run Each") {
		t.Errorf("child page: title %q, details %q, crumbs %q", title, details, crumbs)
	}
	var redriveHidden bool
	run(t, ctx, "no redrive of a child on its own",
		into(chromedp.Evaluate[bool](`document.getElementById("redrive").hidden`), &redriveHidden))
	if !redriveHidden {
		t.Error("the child page offers Redrive")
	}
	screenshot(t, ctx, "ui-distributed-map-child")
	var parentStatus string
	run(t, ctx, "back to the parent",
		chromedp.Click(chromedp.CSS(`#parent-execution`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-status="SUCCEEDED"]:not([data-child])`)),
		into(chromedp.Evaluate[string](`document.querySelector("main").dataset.arn`), &parentStatus),
	)
	if parentStatus != ex.ARN {
		t.Errorf("back at %q", parentStatus)
	}
}

func TestBrowserHome(t *testing.T) {
	s := startServer(t, nil)
	seedHome(t, s)
	ctx := newBrowser(t)
	var running, failed, waiting string
	var failures, found []string
	var location string
	run(t, ctx, "open the home page",
		chromedp.Navigate(s.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS(`#summary`)),
		into(chromedp.Text(chromedp.CSS(`#count-running strong`)), &running),
		into(chromedp.Text(chromedp.CSS(`#count-failed strong`)), &failed),
		into(chromedp.Text(chromedp.CSS(`#count-waiting strong`)), &waiting),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#recent-failures tbody tr")].map(r => r.innerText.replace(/\s+/g, " ").trim())`), &failures),
		chromedp.SendKeys(chromedp.CSS(`#search-q`), "review"),
		chromedp.Click(chromedp.CSS(`#search-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#search-results`)),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#search-results tbody tr td:first-child")].map(td => td.textContent)`), &found),
	)
	if running != "2" || failed != "2" || waiting != "2" {
		t.Errorf("running %s, failed %s, waiting %s; want 2, 2, 2", running, failed, waiting)
	}
	if len(failures) != 2 || !strings.Contains(failures[0], "checks") || !strings.Contains(failures[0], "NotOK") {
		t.Errorf("recent failures = %q", failures)
	}
	if strings.Join(found, ",") != "order-5-review,order-4-review" {
		t.Errorf("search for review = %v", found)
	}
	screenshot(t, ctx, "ui-home")
	run(t, ctx, "follow a failure",
		chromedp.Click(chromedp.CSS(`#recent-failures tbody tr:first-child a`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-page="execution"][data-status="FAILED"]`)),
		into(chromedp.Location(), &location),
	)
	if !strings.Contains(location, "/ui/executions/") {
		t.Errorf("the failure link led to %s", location)
	}
}

// TestBrowserInboxReturnsTask claims an activity task in the inbox, leaves the page (the task
// goes back to the queue at once), and sees a page whose task was given back lose it.
func TestBrowserInboxReturnsTask(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	bg := context.Background()
	activity, err := s.sdk().CreateActivity(bg, &awssfn.CreateActivityInput{Name: aws.String("sign")})
	if err != nil {
		t.Fatal(err)
	}
	arn := *activity.ActivityArn
	machine := s.createStateMachine(t, "signing", `{"StartAt": "Sign", "States": {"Sign": {"Type": "Task", "Resource": "`+arn+`", "End": true}}}`)
	ex, err := s.eng.StartExecution(bg, &engine.StartExecutionParams{StateMachineARN: machine, Name: "contract-1", Input: `{"contract": 1}`})
	if err != nil {
		t.Fatal(err)
	}
	waiting := func() int {
		n, err := s.eng.Store().DispatchCountWaiting(bg, &store.DispatchCountWaitingParams{Queue: arn, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, "the task to be queued", func() bool { return waiting() == 1 })
	row := `#activities tr[data-arn="` + arn + `"]`
	claim := func(worker string) {
		t.Helper()
		run(t, ctx, worker+" claims the task",
			chromedp.Navigate(s.URL+"/ui/activities"),
			chromedp.WaitVisible(chromedp.CSS(row+` .claim:not([disabled])`)),
			chromedp.SetValue(chromedp.CSS(`#worker-name`), worker),
			chromedp.Click(chromedp.CSS(row+` .claim`)),
			chromedp.WaitVisible(chromedp.CSS(`#task-panel`)),
		)
	}
	claim("alice")
	if n := waiting(); n != 0 {
		t.Fatalf("while alice's page holds the task, %d wait", n)
	}
	run(t, ctx, "alice leaves the page", chromedp.Navigate(s.URL+"/ui/"), chromedp.WaitVisible(chromedp.CSS(`#summary`)))
	waitFor(t, "the task to return to the queue", func() bool { return waiting() == 1 })

	// Bob takes it through the inbox's API and gives it back with a beacon-shaped release.
	status, got := s.post(t, "/ui/api/activities/claim", "application/json", `{"activityArn": "`+arn+`", "workerName": "bob"}`)
	token, _ := got["taskToken"].(string)
	if status != 200 || token == "" || got["input"] != `{"contract": 1}` && got["input"] != `{"contract":1}` || got["holdSeconds"] != 120.0 {
		t.Fatalf("bob's claim: %d %v", status, got)
	}
	if status, got := s.post(t, "/ui/api/activities/heartbeat", "application/json", `{"taskToken": "`+token+`", "workerName": "carol"}`); status != 409 || !strings.Contains(got["error"].(string), "no longer yours") {
		t.Errorf("carol's heartbeat on bob's task: %d %v", status, got)
	}
	if status, got := s.post(t, "/ui/api/activities/release", "text/plain;charset=UTF-8", `{"taskToken": "`+token+`", "workerName": "bob"}`); status != 200 || got["released"] != true {
		t.Fatalf("bob's release: %d %v", status, got)
	}
	if status, got := s.post(t, "/ui/api/activities/release", "application/x-www-form-urlencoded", `taskToken=`+token); status != 400 {
		t.Errorf("a form-encoded release: %d %v", status, got)
	}

	// Alice claims it again; when it goes back to the queue behind her page's back (as when
	// her hold runs out) and bob takes it, her next heartbeat tells her, and her answer is
	// not sent.
	claim("alice")
	if released, err := s.eng.ReleaseActivityTask(bg, token, "alice"); err != nil || !released {
		t.Fatalf("release alice's hold: %v %v", released, err)
	}
	if status, got := s.post(t, "/ui/api/activities/claim", "application/json", `{"activityArn": "`+arn+`", "workerName": "bob"}`); status != 200 || got["taskToken"] != token {
		t.Fatalf("bob's second claim: %d %v", status, got)
	}
	var problem string
	run(t, ctx, "alice's page learns the task is gone",
		chromedp.Click(chromedp.CSS(`#task-success`)),
		chromedp.WaitVisible(chromedp.CSS(`#task-lost`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#task-panel`)),
		into(chromedp.Text(chromedp.CSS(`#task-lost`)), &problem),
	)
	if !strings.Contains(problem, "no longer yours") {
		t.Errorf("alice's page says %q", problem)
	}
	if e, err := s.eng.Store().ExecutionGetByARN(bg, &store.ExecutionGetByARNParams{ARN: ex.ARN}); err != nil || e.Status != sfn.StatusRunning {
		t.Errorf("the execution after alice's refused answer: %v %v", e.Status, err)
	}
	if n := waiting(); n != 0 {
		t.Errorf("while bob holds the task, %d wait; want 0", n)
	}
}
