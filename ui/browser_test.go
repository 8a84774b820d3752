package ui_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/task"
)

// These tests drive the UI in a real headless Chromium against a real server, engine and
// SQLite store. Screenshots go to $STEPFLOW_SCREENSHOT_DIR when set, else to the test's
// temporary directory. Without Chromium they skip, except on CI (CI=true), where they fail.

// chromiumPath finds Debian's chromium (apt-get install -y chromium) or another Chrome.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium for the test and returns a context bound to one tab.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; CI must run the browser tests (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium); skipping the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1300),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot saves the visible page as NAME.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("STEPFLOW_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	// One step waiting for something that never happens must not use up the browser's time.
	stepCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(stepCtx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// into makes a step of an action with a value: the step stores the value in dst.
func into[T any](a chromedp.Action[T], dst *T) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

// orderMachine has a Choice, a Parallel with two branches, and a Map.
const orderMachine = `{
  "Comment": "Checks an order, charges and reserves in parallel, then ships each item",
  "StartAt": "CheckOrder",
  "States": {
    "CheckOrder": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.priority", "BooleanEquals": true, "Next": "ChargeAndReserve"}],
      "Default": "Queue"
    },
    "Queue": {"Type": "Wait", "Seconds": 1, "Next": "ChargeAndReserve"},
    "ChargeAndReserve": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Charge", "States": {"Charge": {"Type": "Pass", "Result": {"charged": true}, "End": true}}},
        {"StartAt": "Reserve", "States": {
          "Reserve": {"Type": "Choice", "Choices": [{"And": [{"Variable": "$.outOfStock", "IsPresent": true}, {"Variable": "$.outOfStock", "BooleanEquals": true}], "Next": "OutOfStock"}], "Default": "Reserved"},
          "OutOfStock": {"Type": "Fail", "Error": "OutOfStock", "Cause": "nothing left"},
          "Reserved": {"Type": "Pass", "Result": {"reserved": true}, "End": true}
        }}
      ],
      "ResultPath": "$.payment",
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Cancelled"}],
      "Next": "ShipItems"
    },
    "ShipItems": {
      "Type": "Map",
      "ItemsPath": "$.items",
      "ItemProcessor": {"StartAt": "Ship", "States": {"Ship": {"Type": "Pass", "End": true}}},
      "ResultPath": "$.shipped",
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"},
    "Cancelled": {"Type": "Fail", "Error": "OrderCancelled"}
  }
}`

// workMachine runs one Lambda task that the test releases.
const workMachine = `{
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Result": {"job": 7}, "Next": "Work"},
    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"job.$": "$.job"}, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

// approvalMachine waits for a human to approve through the task token.
const approvalMachine = `{
  "StartAt": "Approve",
  "States": {
    "Approve": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters": {"QueueUrl": "https://sqs.example/approvals", "MessageBody": {"order.$": "$.order", "token.$": "$$.Task.Token"}},
      "Next": "Approved"
    },
    "Approved": {"Type": "Succeed"}
  }
}`

func TestBrowser(t *testing.T) {
	// Subtests share one Chromium and run one after another: the machine has two cores.
	release := make(chan struct{})
	router := task.NewRouter()
	router.HandleService("lambda", task.InvokerFunc(func(ctx context.Context, req *task.Request) (any, error) {
		select {
		case <-release:
			return map[string]any{"done": true, "job": req.Input.(map[string]any)["job"]}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}))
	router.HandleService("sqs", task.InvokerFunc(func(ctx context.Context, req *task.Request) (any, error) {
		return map[string]any{"MessageId": "m-1"}, nil // the message "went out"; the token waits
	}))
	s := startServer(t, router)
	ctx := newBrowser(t)

	t.Run("graph of a Parallel, Map and Choice machine", func(t *testing.T) {
		arn := s.createStateMachine(t, "order-processing", orderMachine)
		var names []string
		var choiceLabels []string
		var parallelLabel string
		run(t, ctx, "open the state machine page",
			chromedp.Navigate(s.URL+"/ui/state-machines/"+esc(arn)),
			chromedp.WaitVisible(chromedp.CSS(`#graph svg`)),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#graph .sf-node[data-state]")].map(n => n.dataset.state)`), &names),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#graph .sf-label-choice > title")].map(t => t.textContent).sort()`), &choiceLabels),
			into(chromedp.TextContent(chromedp.CSS(`#graph .sf-compound[data-state="ChargeAndReserve"] > text`)), &parallelLabel),
		)
		sort.Strings(names)
		want := []string{"Cancelled", "Charge", "ChargeAndReserve", "CheckOrder", "Done", "OutOfStock", "Queue", "Reserve", "Reserved", "Ship", "ShipItems"}
		if strings.Join(names, ",") != strings.Join(want, ",") {
			t.Errorf("graph states = %v, want %v", names, want)
		}
		if got, want := strings.Join(choiceLabels, ", "), "$.outOfStock is present && $.outOfStock == true, $.priority == true"; got != want {
			t.Errorf("choice labels = %s, want %s", got, want)
		}
		if parallelLabel != "ChargeAndReserve Parallel" {
			t.Errorf("parallel cluster label = %q, want %q", parallelLabel, "ChargeAndReserve Parallel")
		}
		var branches int
		run(t, ctx, "count the branches", into(chromedp.Evaluate[int](`document.querySelectorAll("#graph .sf-machine").length`), &branches))
		if branches != 3 { // two Parallel branches and the Map's item processor
			t.Errorf("nested machines drawn = %d, want 3", branches)
		}
		screenshot(t, ctx, "state-machine")
	})

	t.Run("Parallel and Map states coloured by status", func(t *testing.T) {
		arn := s.eng.Scope().StateMachineARN("order-processing")
		tests := []struct {
			name, input, status string
			want                map[string]string // state → status class
		}{
			{"shipped", `{"priority": true, "items": [1, 2, 3]}`, "SUCCEEDED", map[string]string{
				"CheckOrder": "succeeded", "ChargeAndReserve": "succeeded", "Charge": "succeeded", "Reserve": "succeeded",
				"Reserved": "succeeded", "ShipItems": "succeeded", "Ship": "succeeded", "Done": "succeeded",
				"Queue": "", "OutOfStock": "", "Cancelled": "",
			}},
			{"cancelled", `{"priority": false, "outOfStock": true, "items": []}`, "FAILED", map[string]string{
				"CheckOrder": "succeeded", "Queue": "succeeded", "ChargeAndReserve": "caught", "Charge": "succeeded",
				"Reserve": "succeeded", "OutOfStock": "failed", "Cancelled": "failed",
				"Reserved": "", "ShipItems": "", "Ship": "", "Done": "",
			}},
		}
		for _, tt := range tests {
			ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: tt.name, Input: tt.input})
			if err != nil {
				t.Fatalf("StartExecution: %v", err)
			}
			var got map[string]string
			run(t, ctx, "watch "+tt.name,
				chromedp.Navigate(s.URL+"/ui/executions/"+esc(ex.ARN)),
				chromedp.WaitVisible(chromedp.CSS(`main[data-status="`+tt.status+`"]`)),
				into(chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll("#graph .sf-node[data-state]")].map(n =>
					[n.dataset.state, [...n.classList].filter(c => c.startsWith("sf-status-")).map(c => c.slice(10)).join(" ")]))`), &got),
			)
			for state, want := range tt.want {
				if got[state] != want {
					t.Errorf("%s: state %s is %q, want %q", tt.name, state, got[state], want)
				}
			}
			screenshot(t, ctx, "execution-order-"+tt.name)
		}
	})

	t.Run("execution goes from running to succeeded", func(t *testing.T) {
		arn := s.createStateMachine(t, "work", workMachine)
		var location, runningStatus string
		run(t, ctx, "start an execution from the form",
			chromedp.Navigate(s.URL+"/ui/state-machines/"+esc(arn)),
			chromedp.WaitVisible(chromedp.CSS(`#start-form`)),
			chromedp.SetValue(chromedp.CSS(`#start-name`), "nightly-run"),
			chromedp.SetValue(chromedp.CSS(`#start-input`), `{"requestedBy": "ui-test"}`),
			chromedp.Click(chromedp.CSS(`#start-button`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-page="execution"]`)),
			into(chromedp.Location(), &location),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Work"].sf-status-running`)),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Prepare"].sf-status-succeeded`)),
			into(chromedp.Text(chromedp.CSS(`#execution-status`)), &runningStatus),
		)
		if page, err := url.PathUnescape(location); err != nil || !strings.HasSuffix(page, "/ui/executions/"+s.eng.Scope().ExecutionARN("work", "nightly-run")) {
			t.Errorf("after starting, the page is %s", location)
		}
		if runningStatus != "RUNNING" {
			t.Errorf("status while the task runs = %q, want RUNNING", runningStatus)
		}
		screenshot(t, ctx, "execution-running")

		close(release)
		var finalStatus, details string
		var types []string
		run(t, ctx, "watch it succeed",
			chromedp.WaitVisible(chromedp.CSS(`main[data-status="SUCCEEDED"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Work"].sf-status-succeeded`)),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Done"].sf-status-succeeded`)),
			chromedp.WaitVisible(chromedp.CSS(`#events tr[data-type="ExecutionSucceeded"]`)),
			into(chromedp.Text(chromedp.CSS(`#execution-status`)), &finalStatus),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#events tbody tr")].map(r => r.dataset.type)`), &types),
			chromedp.Click(chromedp.CSS(`#graph .sf-node[data-state="Work"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Work"].sf-selected`)),
			into(chromedp.Text(chromedp.CSS(`#state-details`)), &details),
		)
		if finalStatus != "SUCCEEDED" {
			t.Errorf("final status = %q, want SUCCEEDED", finalStatus)
		}
		if len(types) < 2 || types[0] != "ExecutionStarted" || types[len(types)-1] != "ExecutionSucceeded" {
			t.Errorf("event table = %v, want ExecutionStarted ... ExecutionSucceeded", types)
		}
		for _, want := range []string{"succeeded", `"job": 7`, `"done": true`} {
			if !strings.Contains(details, want) {
				t.Errorf("state panel for Work lacks %q:\n%s", want, details)
			}
		}
		screenshot(t, ctx, "execution-succeeded")
	})

	t.Run("approve a waiting task", func(t *testing.T) {
		arn := s.createStateMachine(t, "approval", approvalMachine)
		ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: "order-42", Input: `{"order": 42}`})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		run(t, ctx, "open the waiting execution",
			chromedp.Navigate(s.URL+"/ui/executions/"+esc(ex.ARN)),
			chromedp.WaitVisible(chromedp.CSS(`.waiting-task[data-state="Approve"] button[data-action="approve"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Approve"].sf-status-running`)),
		)
		screenshot(t, ctx, "execution-waiting-for-approval")
		var status string
		run(t, ctx, "approve it",
			chromedp.SetValue(chromedp.CSS(`.waiting-task[data-state="Approve"] textarea`), `{"approved": true, "by": "ui-test"}`),
			chromedp.Click(chromedp.CSS(`.waiting-task[data-state="Approve"] button[data-action="approve"]`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-status="SUCCEEDED"]`)),
			chromedp.WaitNotVisible(chromedp.CSS(`#waiting`)),
			into(chromedp.Text(chromedp.CSS(`#execution-status`)), &status),
		)
		if status != "SUCCEEDED" {
			t.Errorf("status after approval = %q, want SUCCEEDED", status)
		}
		_, _, body := s.get(t, "/ui/api/executions/"+esc(ex.ARN))
		if !strings.Contains(body, `"output":{"approved":true,"by":"ui-test"}`) {
			t.Errorf("execution output after approval: %s", body)
		}
	})

	t.Run("reject a waiting task", func(t *testing.T) {
		arn := s.eng.Scope().StateMachineARN("approval")
		ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: "order-43", Input: `{"order": 43}`})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		var status, details string
		run(t, ctx, "reject it",
			chromedp.Navigate(s.URL+"/ui/executions/"+esc(ex.ARN)),
			chromedp.WaitVisible(chromedp.CSS(`.waiting-task[data-state="Approve"] button[data-action="reject"]`)),
			chromedp.SetValue(chromedp.CSS(`.waiting-task[data-state="Approve"] input[aria-label="Cause"]`), "out of stock"),
			chromedp.Click(chromedp.CSS(`.waiting-task[data-state="Approve"] button[data-action="reject"]`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-status="FAILED"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Approve"].sf-status-failed`)),
			chromedp.WaitVisible(chromedp.CSS(`#redrive`)),
			into(chromedp.Text(chromedp.CSS(`#execution-status`)), &status),
			into(chromedp.Text(chromedp.CSS(`#state-details`)), &details),
		)
		if status != "FAILED" {
			t.Errorf("status after rejection = %q, want FAILED", status)
		}
		if !strings.Contains(details, "Rejected") || !strings.Contains(details, "out of stock") {
			t.Errorf("execution panel lacks the error and cause:\n%s", details)
		}
		screenshot(t, ctx, "execution-rejected")
	})

	t.Run("redrive a failed execution", func(t *testing.T) {
		arn := s.eng.Scope().ExecutionARN("approval", "order-43") // rejected above
		var problem string
		run(t, ctx, "redrive it",
			chromedp.Navigate(s.URL+"/ui/executions/"+esc(arn)),
			chromedp.WaitVisible(chromedp.CSS(`#redrive`)),
			chromedp.Click(chromedp.CSS(`#redrive`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-status="RUNNING"], #action-error:not([hidden])`)),
			into(chromedp.TextContent(chromedp.CSS(`#action-error`)), &problem),
		)
		if problem != "" {
			t.Fatalf("redrive failed: %s", problem)
		}
		run(t, ctx, "answer the redriven task",
			chromedp.WaitVisible(chromedp.CSS(`.waiting-task[data-state="Approve"] button[data-action="approve"]`)),
			chromedp.Click(chromedp.CSS(`.waiting-task[data-state="Approve"] button[data-action="approve"]`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-status="SUCCEEDED"]`)),
		)
	})

	t.Run("stop a running execution", func(t *testing.T) {
		arn := s.eng.Scope().StateMachineARN("approval")
		ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: "order-44", Input: `{"order": 44}`})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		var status string
		run(t, ctx, "stop it",
			chromedp.Navigate(s.URL+"/ui/executions/"+esc(ex.ARN)),
			chromedp.WaitVisible(chromedp.CSS(`#stop`)),
			chromedp.Click(chromedp.CSS(`#stop`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-status="ABORTED"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Approve"].sf-status-aborted`)),
			into(chromedp.Text(chromedp.CSS(`#execution-status`)), &status),
		)
		if status != "ABORTED" {
			t.Errorf("status after Stop = %q, want ABORTED", status)
		}
	})

	t.Run("executions list filters by status and name", func(t *testing.T) {
		arn := s.eng.Scope().StateMachineARN("approval")
		var all, aborted, searched []string
		var dispatched bool
		list := `[...document.querySelectorAll("#executions tbody tr td:first-child")].map(td => td.textContent)`
		run(t, ctx, "filter the list",
			chromedp.Navigate(s.URL+"/ui/state-machines/"+esc(arn)),
			chromedp.WaitVisible(chromedp.CSS(`#executions tbody tr`)),
			into(chromedp.Evaluate[[]string](list), &all),
			chromedp.SetValue(chromedp.CSS(`#status-filter`), "ABORTED"),
			into(chromedp.Evaluate[bool](`document.getElementById("status-filter").dispatchEvent(new Event("change"))`), &dispatched),
			chromedp.WaitNotPresent(chromedp.CSS(`#executions tbody tr[data-arn$=":order-42"]`)),
			into(chromedp.Evaluate[[]string](list), &aborted),
			chromedp.SetValue(chromedp.CSS(`#status-filter`), ""),
			chromedp.SendKeys(chromedp.CSS(`#search`), "42"),
			chromedp.WaitVisible(chromedp.CSS(`#executions tbody tr[data-arn$=":order-42"]`)),
			chromedp.WaitNotPresent(chromedp.CSS(`#executions tbody tr[data-arn$=":order-44"]`)),
			into(chromedp.Evaluate[[]string](list), &searched),
		)
		if strings.Join(all, ",") != "order-44,order-43,order-42" {
			t.Errorf("all executions = %v, want newest first order-44,order-43,order-42", all)
		}
		if strings.Join(aborted, ",") != "order-44" {
			t.Errorf("ABORTED executions = %v, want order-44", aborted)
		}
		if strings.Join(searched, ",") != "order-42" {
			t.Errorf("executions matching 42 = %v, want order-42", searched)
		}
	})
}
