package ui_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/chromedp/chromedp"
)

// waitExecution polls DescribeExecution until the execution leaves RUNNING.
func waitExecution(t *testing.T, sdk *awssfn.Client, arn string) *awssfn.DescribeExecutionOutput {
	t.Helper()
	var out *awssfn.DescribeExecutionOutput
	waitFor(t, "execution "+arn+" to end", func() bool {
		var err error
		out, err = sdk.DescribeExecution(context.Background(), &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("describe execution: %v", err)
		}
		return out.Status != types.ExecutionStatusRunning
	})
	return out
}

func TestBrowserActivityInbox(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	sdk := s.sdk()
	bg := context.Background()

	activity, err := sdk.CreateActivity(bg, &awssfn.CreateActivityInput{Name: aws.String("approve-order")})
	if err != nil {
		t.Fatalf("create activity: %v", err)
	}
	if _, err := sdk.CreateActivity(bg, &awssfn.CreateActivityInput{Name: aws.String("idle")}); err != nil {
		t.Fatalf("create activity: %v", err)
	}
	machine, err := sdk.CreateStateMachine(bg, &awssfn.CreateStateMachineInput{
		Name: aws.String("Approval"), RoleArn: aws.String("arn:aws:iam::123456789012:role/ui"),
		Definition: aws.String(`{"StartAt": "Approve", "States": {"Approve": {"Type": "Task", "Resource": "` +
			*activity.ActivityArn + `", "HeartbeatSeconds": 60, "End": true}}}`),
	})
	if err != nil {
		t.Fatalf("create state machine: %v", err)
	}
	start := func(input string) string {
		t.Helper()
		out, err := sdk.StartExecution(bg, &awssfn.StartExecutionInput{StateMachineArn: machine.StateMachineArn, Input: aws.String(input)})
		if err != nil {
			t.Fatalf("start execution: %v", err)
		}
		return *out.ExecutionArn
	}
	approved := start(`{"order": 1, "total": 250}`)
	rejected := start(`{"order": 2, "total": 9000}`)
	waitFor(t, "both tasks to be queued", func() bool {
		var out struct {
			Activities []struct {
				Name    string `json:"name"`
				Waiting int    `json:"waiting"`
			} `json:"activities"`
		}
		s.getJSON(t, "/ui/api/activities", &out)
		return len(out.Activities) == 2 && out.Activities[0].Name == "approve-order" && out.Activities[0].Waiting == 2
	})
	row := `#activities tr[data-arn="` + *activity.ActivityArn + `"]`
	idleRow := `#activities tr[data-arn$=":activity:idle"]`

	var waiting, idleWaiting, input, beats string
	var idleDisabled bool
	run(t, ctx, "claim the first task",
		chromedp.Navigate(s.URL+"/ui/activities"),
		chromedp.WaitVisible(chromedp.CSS(row+` .claim`)),
		into(chromedp.Text(chromedp.CSS(row+` .waiting`)), &waiting),
		into(chromedp.Text(chromedp.CSS(idleRow+` .waiting`)), &idleWaiting),
		into(chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote(idleRow+` .claim`)+`).disabled`), &idleDisabled),
		chromedp.SetValue(chromedp.CSS(`#worker-name`), "alice"),
		chromedp.Click(chromedp.CSS(row+` .claim`)),
		chromedp.WaitVisible(chromedp.CSS(`#task-panel`)),
		into(chromedp.Text(chromedp.CSS(`#task-input`)), &input),
		chromedp.Click(chromedp.CSS(`#task-heartbeat`)),
		chromedp.WaitVisible(chromedp.CSS(`#heartbeats`)),
	)
	if waiting != "2" || idleWaiting != "0" || !idleDisabled {
		t.Errorf("inbox shows %s waiting (want 2) and %s for idle (want 0, claim disabled: %v)", waiting, idleWaiting, idleDisabled)
	}
	if want := "{\n  \"order\": 1,\n  \"total\": 250\n}"; input != want {
		t.Errorf("task input = %q, want %q", input, want)
	}
	waitFor(t, "the heartbeat to be counted", func() bool {
		run(t, ctx, "read heartbeats", into(chromedp.Text(chromedp.CSS(`#heartbeats`)), &beats))
		return beats == "1"
	})
	screenshot(t, ctx, "activity-inbox")

	// The history records the person as the worker who started the task.
	history, err := sdk.GetExecutionHistory(bg, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(approved)})
	if err != nil {
		t.Fatalf("get history: %v", err)
	}
	worker := ""
	for _, e := range history.Events {
		if e.ActivityStartedEventDetails != nil {
			worker = aws.ToString(e.ActivityStartedEventDetails.WorkerName)
		}
	}
	if worker != "alice" {
		t.Errorf("ActivityStarted worker = %q, want alice", worker)
	}

	var result string
	run(t, ctx, "send success",
		chromedp.SetValue(chromedp.CSS(`#task-output`), `{"approved": true}`),
		chromedp.Click(chromedp.CSS(`#task-success`)),
		chromedp.WaitVisible(chromedp.CSS(`#task-result`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#task-panel`)),
		into(chromedp.Text(chromedp.CSS(`#task-result`)), &result),
	)
	if !strings.Contains(result, "Sent the output") {
		t.Errorf("result = %q", result)
	}
	if out := waitExecution(t, sdk, approved); out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != `{"approved":true}` {
		t.Errorf("approved execution: %s with output %s", out.Status, aws.ToString(out.Output))
	}

	var badOutput string
	run(t, ctx, "claim the second task and fail it",
		chromedp.WaitVisible(chromedp.CSS(row+` .claim:not([disabled])`)),
		chromedp.Click(chromedp.CSS(row+` .claim`)),
		chromedp.WaitVisible(chromedp.CSS(`#task-panel`)),
		chromedp.SetValue(chromedp.CSS(`#task-output`), `{not json`),
		chromedp.Click(chromedp.CSS(`#task-success`)),
		chromedp.WaitVisible(chromedp.CSS(`#task-error-text`)),
		into(chromedp.Text(chromedp.CSS(`#task-error-text`)), &badOutput),
		chromedp.SetValue(chromedp.CSS(`#task-error`), "Rejected"),
		chromedp.SetValue(chromedp.CSS(`#task-cause`), "total over the limit"),
		chromedp.Click(chromedp.CSS(`#task-failure`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#task-panel`)),
	)
	if !strings.HasPrefix(badOutput, "The output is not JSON") {
		t.Errorf("malformed output answered %q", badOutput)
	}
	out := waitExecution(t, sdk, rejected)
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "Rejected" || aws.ToString(out.Cause) != "total over the limit" {
		t.Errorf("rejected execution: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	run(t, ctx, "nothing waits any more",
		chromedp.Click(chromedp.CSS(`#refresh`)),
		chromedp.WaitVisible(chromedp.CSS(row+` .claim[disabled]`)),
		// Read in one go: a load still under way may replace the row between two queries.
		into(chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(row+` .waiting`)+`).textContent`), &waiting),
	)
	if waiting != "0" {
		t.Errorf("after both tasks, %s waiting", waiting)
	}

	// An action the UI does not offer is refused, and the list is the only way in.
	if status, body := s.post(t, "/ui/api/call/DeleteStateMachine", "application/json", `{"stateMachineArn": "`+*machine.StateMachineArn+`"}`); status != 404 || !strings.Contains(body["error"].(string), "does not offer") {
		t.Errorf("DeleteStateMachine through the UI: %d %v", status, body)
	}
	// A claim with nothing waiting comes back empty (after a short wait, not a worker's minute).
	if status, body := s.post(t, "/ui/api/call/GetActivityTask", "application/json", `{"activityArn": "`+*activity.ActivityArn+`", "workerName": "bob"}`); status != 200 || body["taskToken"] != nil {
		t.Errorf("empty claim: %d %v", status, body)
	}
}

func TestBrowserAliases(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	sdk := s.sdk()
	bg := context.Background()

	created, err := sdk.CreateStateMachine(bg, &awssfn.CreateStateMachineInput{
		Name: aws.String("Routed"), RoleArn: aws.String("arn:aws:iam::123456789012:role/ui"), Publish: true,
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}}`),
	})
	if err != nil {
		t.Fatalf("create state machine: %v", err)
	}
	updated, err := sdk.UpdateStateMachine(bg, &awssfn.UpdateStateMachineInput{
		StateMachineArn: created.StateMachineArn, Publish: true,
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 2, "End": true}}}`),
	})
	if err != nil {
		t.Fatalf("update state machine: %v", err)
	}
	v1, v2 := *created.StateMachineVersionArn, *updated.StateMachineVersionArn
	page := s.URL + "/ui/state-machines/" + esc(*created.StateMachineArn)

	var routes, badWeights string
	run(t, ctx, "create an alias to version 1",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`main[data-aliases-loaded="0"]`)),
		chromedp.SetValue(chromedp.CSS(`#alias-name`), "live"),
		chromedp.SetValue(chromedp.CSS(`#alias-version-1`), v1),
		chromedp.SetValue(chromedp.CSS(`#alias-description`), "what customers run"),
		chromedp.Click(chromedp.CSS(`#alias-save`)),
		chromedp.WaitVisible(chromedp.CSS(`#aliases tr[data-alias="live"]`)),
		into(chromedp.Text(chromedp.CSS(`#aliases tr[data-alias="live"] .routes`)), &routes),
	)
	if routes != "version 1 100%" {
		t.Errorf("alias routes shown as %q", routes)
	}
	run(t, ctx, "weights that do not add up to 100 are refused by the API",
		chromedp.Click(chromedp.CSS(`#aliases tr[data-alias="live"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#alias-save`)),
		chromedp.SetValue(chromedp.CSS(`#alias-version-2`), v2),
		chromedp.SetValue(chromedp.CSS(`#alias-weight-1`), "80"),
		chromedp.SetValue(chromedp.CSS(`#alias-weight-2`), "30"),
		chromedp.Click(chromedp.CSS(`#alias-save`)),
		chromedp.WaitVisible(chromedp.CSS(`#alias-error`)),
		into(chromedp.Text(chromedp.CSS(`#alias-error`)), &badWeights),
	)
	if !strings.Contains(badWeights, "ValidationException") {
		t.Errorf("weights of 110 answered %q", badWeights)
	}
	var button string
	run(t, ctx, "split the alias 80/20 between the two versions",
		into(chromedp.Text(chromedp.CSS(`#alias-save`)), &button),
		chromedp.SetValue(chromedp.CSS(`#alias-weight-2`), "20"),
		chromedp.Click(chromedp.CSS(`#alias-save`)),
		chromedp.WaitVisible(chromedp.CSS(`#alias-result`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#alias-error`)),
		into(chromedp.Text(chromedp.CSS(`#aliases tr[data-alias="live"] .routes`)), &routes),
	)
	if button != "Update alias" {
		t.Errorf("editing an existing alias offers %q", button)
	}
	screenshot(t, ctx, "aliases")
	aliasARN := *created.StateMachineArn + ":live"
	alias, err := sdk.DescribeStateMachineAlias(bg, &awssfn.DescribeStateMachineAliasInput{StateMachineAliasArn: aws.String(aliasARN)})
	if err != nil {
		t.Fatalf("describe alias: %v", err)
	}
	var got []string
	for _, r := range alias.RoutingConfiguration {
		got = append(got, *r.StateMachineVersionArn+"="+strconv.Itoa(int(r.Weight)))
	}
	if want := []string{v1 + "=80", v2 + "=20"}; strings.Join(got, " ") != strings.Join(want, " ") || aws.ToString(alias.Description) != "what customers run" {
		t.Errorf("alias routes %v (%q), want %v", got, aws.ToString(alias.Description), want)
	}
	if routes != "version 1 80%, version 2 20%" {
		t.Errorf("page shows routes %q", routes)
	}
}

// testedMachine has a Pass state that reshapes its input and a Task whose result is mocked.
const testedMachine = `{
  "StartAt": "Shape",
  "States": {
    "Shape": {
      "Type": "Pass", "InputPath": "$.order",
      "Parameters": {"id.$": "$.id", "doubled.$": "States.MathAdd($.total, $.total)"},
      "ResultPath": "$.shaped", "Next": "Charge"
    },
    "Charge": {
      "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
      "ResultSelector": {"paid.$": "$.Payload.ok"}, "ResultPath": "$.charge", "End": true
    }
  }
}`

func TestBrowserEditorTestState(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)

	steps := func(dst *map[string]string) chromedp.Action[chromedp.Void] {
		return into(chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll("#test-inspection-data tbody tr")].map(r => [r.dataset.step, r.querySelector("td").textContent.replace(/\s+/g, "")]))`), dst)
	}
	var shape map[string]string
	var status, next string
	run(t, ctx, "test the Pass state at DEBUG",
		chromedp.Navigate(s.URL+"/ui/editor"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		setDefinition(testedMachine),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Charge"]`)),
		chromedp.SetValue(chromedp.CSS(`#test-state-name`), "Shape"),
		chromedp.SetValue(chromedp.CSS(`#test-input`), `{"order": {"id": 7, "total": 5}}`),
		chromedp.Click(chromedp.CSS(`#test-run`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-tested="SUCCEEDED"] #test-result`)),
		into(chromedp.Text(chromedp.CSS(`#test-status`)), &status),
		into(chromedp.Text(chromedp.CSS(`#test-next`)), &next),
		steps(&shape),
	)
	want := map[string]string{
		"input":           `{"order":{"id":7,"total":5}}`,
		"afterInputPath":  `{"id":7,"total":5}`,
		"afterParameters": `{"doubled":10,"id":7}`,
		"afterResultPath": `{"order":{"id":7,"total":5},"shaped":{"doubled":10,"id":7}}`,
		"output":          `{"order":{"id":7,"total":5},"shaped":{"doubled":10,"id":7}}`,
	}
	for step, v := range want {
		if shape[step] != v {
			t.Errorf("Shape %s = %s, want %s", step, shape[step], v)
		}
	}
	if status != "SUCCEEDED" || next != "next state: Charge" {
		t.Errorf("Shape: %q %q", status, next)
	}

	var charge map[string]string
	run(t, ctx, "test the Task with a mocked result at TRACE",
		chromedp.SetValue(chromedp.CSS(`#test-state-name`), "Charge"),
		chromedp.SetValue(chromedp.CSS(`#test-inspection`), "TRACE"),
		chromedp.SetValue(chromedp.CSS(`#test-input`), `{"id": 7}`),
		chromedp.SetValue(chromedp.CSS(`#test-mock`), `{"Payload": {"ok": true}}`),
		chromedp.Evaluate[chromedp.Void](`delete document.querySelector("main").dataset.tested`),
		chromedp.Click(chromedp.CSS(`#test-run`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-tested="SUCCEEDED"] #test-result`)),
		steps(&charge),
	)
	if charge["afterResultSelector"] != `{"paid":true}` || charge["result"] != `{"Payload":{"ok":true}}` || charge["output"] != `{"id":7,"charge":{"paid":true}}` {
		t.Errorf("Charge: %v", charge)
	}
	screenshot(t, ctx, "editor-test-state")

	var failed map[string]string
	var badVariables string
	run(t, ctx, "a state that fails shows its error",
		chromedp.SetValue(chromedp.CSS(`#test-state-name`), "Shape"),
		chromedp.SetValue(chromedp.CSS(`#test-input`), `{"no order": true}`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("test-mock").value = ""`),
		chromedp.Evaluate[chromedp.Void](`delete document.querySelector("main").dataset.tested`),
		chromedp.Click(chromedp.CSS(`#test-run`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-tested="FAILED"] #test-result`)),
		steps(&failed),
		chromedp.SetValue(chromedp.CSS(`#test-variables`), `{oops`),
		chromedp.Click(chromedp.CSS(`#test-run`)),
		chromedp.WaitVisible(chromedp.CSS(`#test-error`)),
		into(chromedp.Text(chromedp.CSS(`#test-error`)), &badVariables),
	)
	if !strings.HasPrefix(failed["error"], "States.Runtime:") {
		t.Errorf("failed Shape: %v", failed)
	}
	if !strings.HasPrefix(badVariables, "Variables is not JSON") {
		t.Errorf("malformed variables answered %q", badVariables)
	}
}
