package ui_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chromedp/chromedp"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/function"
	"github.com/stepflow/stepflow/ui"
)

// clickState clicks a state's box in the editor's graph and waits for its form.
func clickState(name string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`#graph .sf-node[data-state="` + name + `"] > rect`)),
		chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="` + name + `"]`)),
	}
}

// change sets a form control's value and fires its change event, as picking from a list or
// leaving a field does.
func change(selector, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const n = document.querySelector(` + strconv.Quote(selector) + `);
		if (!n) throw new Error("no " + ` + strconv.Quote(selector) + `);
		n.value = ` + strconv.Quote(value) + `; n.dispatchEvent(new Event("change", {bubbles: true})); })()`)
}

// definitionText reads the editor's text.
func definitionText(dst *string) chromedp.Action[chromedp.Void] {
	return into(chromedp.Evaluate[string](`document.getElementById("definition").value`), dst)
}

type machineJSON struct {
	QueryLanguage string                    `json:"QueryLanguage"`
	StartAt       string                    `json:"StartAt"`
	States        map[string]map[string]any `json:"States"`
}

func decodeMachine(t *testing.T, text string) machineJSON {
	t.Helper()
	var m machineJSON
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("the editor's text is not JSON: %v\n%s", err, text)
	}
	return m
}

func TestBrowserVisualEditor(t *testing.T) {
	registry := function.NewRegistry(sfn.DefaultScope)
	registry.Register("double", function.GoFunc(func(ctx context.Context, input any) (any, error) {
		in, _ := input.(map[string]any)
		n, ok := in["n"].(float64)
		if !ok {
			return nil, errors.New("no number n")
		}
		return map[string]any{"n": n * 2}, nil
	}))
	router := task.NewRouter()
	router.HandleLambda(registry)
	router.HandleService("lambda", registry)
	s := startServerWith(t, router, ui.WithTaskCatalog(ui.TaskCatalog{Functions: []string{"double"}}))
	ctx := newBrowser(t)
	sdk := s.sdk()

	t.Run("a workflow built by clicks runs", func(t *testing.T) {
		var text string
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(s.URL + "/ui/editor"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Hello"]`)),
			chromedp.WaitReady(chromedp.CSS(`#task-template option[value="0"]`)),
		}
		steps = append(steps, clickState("Hello")...)
		steps = append(steps,
			change(`#state-form textarea[data-field="Result"]`, `{"n": 21}`),
			// A Task from the configured function, after Hello.
			change(`#task-template`, "0"),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="double"]`)),
			change(`#state-form input[data-field="Name"]`, "Double"),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Double"]`)),
			change(`#state-form input[data-field="TimeoutSeconds"]`, "30"),
			chromedp.Click(chromedp.CSS(`#state-form [data-action="add-retry"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form .retry-row`)),
			change(`#state-form .retry-row input[data-field="MaxAttempts"]`, "2"),
			// A Succeed after Double, renamed.
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Succeed"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Succeed"]`)),
			change(`#state-form input[data-field="Name"]`, "Done"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Done"]`)),
		)
		steps = append(steps, clickState("Hello")...)
		steps = append(steps,
			// A Choice between Hello and Double, with a rule to a Fail state added next.
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Choice"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Choice"]`)),
			change(`#state-form input[data-field="Name"]`, "Check"),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Check"]`)),
			change(`#state-form .choice-rule input[data-field="Variable"]`, "$.n"),
			change(`#state-form .choice-rule select[data-field="Operator"]`, "NumericGreaterThan"),
			change(`#state-form .choice-rule input[data-field="Value"]`, "100"),
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Fail"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Fail"]`)),
			change(`#state-form input[data-field="Name"]`, "TooBig"),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="TooBig"]`)),
			change(`#state-form input[data-field="Error"]`, "TooBig"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"] #problems li[data-state="TooBig"]`)), // not reachable yet
		)
		steps = append(steps, clickState("Check")...)
		steps = append(steps, change(`#state-form .choice-rule select[data-field="Next"]`, "TooBig"))
		steps = append(steps, clickState("Double")...)
		steps = append(steps,
			chromedp.Click(chromedp.CSS(`#state-form [data-action="add-catch"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form .catch-row`)),
			change(`#state-form .catch-row select[data-field="Next"]`, "TooBig"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="TooBig"]`)),
			definitionText(&text),
		)
		run(t, ctx, "build by clicks", steps...)
		run(t, ctx, "show the graph and the form", chromedp.Evaluate[chromedp.Void](`document.querySelector(".editor-graph h2").scrollIntoView()`))
		screenshot(t, ctx, "editor-visual")

		m := decodeMachine(t, text)
		if m.StartAt != "Hello" || m.States["Hello"]["Next"] != "Check" {
			t.Errorf("Hello: StartAt %q, state %v", m.StartAt, m.States["Hello"])
		}
		if r, _ := json.Marshal(m.States["Hello"]["Result"]); string(r) != `{"n":21}` {
			t.Errorf("Hello's Result = %s", r)
		}
		check, _ := json.Marshal(m.States["Check"])
		if want := `{"Choices":[{"Next":"TooBig","NumericGreaterThan":100,"Variable":"$.n"}],"Default":"Double","Type":"Choice"}`; string(check) != want {
			t.Errorf("Check = %s\nwant %s", check, want)
		}
		double, _ := json.Marshal(m.States["Double"])
		want := `{"Catch":[{"ErrorEquals":["States.ALL"],"Next":"TooBig"}],"Next":"Done",` +
			`"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:double","Payload.$":"$"},` +
			`"Resource":"arn:aws:states:::lambda:invoke","Retry":[{"BackoffRate":2,"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":2}],` +
			`"TimeoutSeconds":30,"Type":"Task"}`
		if string(double) != want {
			t.Errorf("Double = %s\nwant %s", double, want)
		}
		if m.States["TooBig"]["Error"] != "TooBig" || m.States["Done"]["Type"] != "Succeed" || len(m.States) != 5 {
			t.Errorf("states: %v", m.States)
		}

		// Undo and redo, by keys and by buttons, step through the states of the text.
		var undone, redone, undoneByButton, redoneByButton string
		run(t, ctx, "undo and redo",
			chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`),
			chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			definitionText(&undone),
			chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl, chromedp.ModifierShift)),
			definitionText(&redone),
			chromedp.Click(chromedp.CSS(`#undo`)),
			definitionText(&undoneByButton),
			chromedp.Click(chromedp.CSS(`#redo`)),
			definitionText(&redoneByButton),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		)
		if c := decodeMachine(t, undone).States["Double"]["Catch"]; c == nil || !strings.Contains(undone, `"Next": ""`) {
			t.Errorf("Ctrl-Z did not take back the catcher's Next:\n%s", undone)
		}
		if redone != text || redoneByButton != text || undoneByButton != undone {
			t.Errorf("redo does not restore the text: key %v, buttons %v %v", redone == text, undoneByButton == undone, redoneByButton == text)
		}

		// Deleting a state leaves the transitions to it, flagged; undo brings it back.
		var problems []string
		steps = clickState("TooBig")
		steps = append(steps,
			chromedp.Click(chromedp.CSS(`#delete-state`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"]`)),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#problems li")].map(li => li.textContent)`), &problems),
			chromedp.Click(chromedp.CSS(`#undo`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="TooBig"]`)),
		)
		run(t, ctx, "delete a state", steps...)
		joined := strings.Join(problems, "\n")
		if strings.Count(joined, "Missing 'Next' target: TooBig") != 2 {
			t.Errorf("deleting TooBig flags %q, want its two dangling transitions", problems)
		}

		// The text edits the form: a changed TimeoutSeconds shows in the open form.
		steps = clickState("Double")
		steps = append(steps,
			setDefinition(strings.Replace(text, `"TimeoutSeconds": 30`, `"TimeoutSeconds": 45`, 1)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Double"] input[data-field="TimeoutSeconds"][value="45"]`)),
			chromedp.SetValue(chromedp.CSS(`#sm-name`), "built-by-clicks"),
			chromedp.Click(chromedp.CSS(`#review`)),
			chromedp.WaitVisible(chromedp.CSS(`#review-pane`)),
			chromedp.Click(chromedp.CSS(`#deploy`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-deployed="created"]`)),
		)
		run(t, ctx, "the text edits the form, then deploy", steps...)

		arn := s.eng.Scope().StateMachineARN("built-by-clicks")
		started, err := sdk.StartExecution(context.Background(), &awssfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		var out *awssfn.DescribeExecutionOutput
		waitFor(t, "the execution to end", func() bool {
			out, err = sdk.DescribeExecution(context.Background(), &awssfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
			return err == nil && out.Status != "RUNNING"
		})
		var result struct{ Payload struct{ N float64 } }
		if out.Status != "SUCCEEDED" || json.Unmarshal([]byte(aws.ToString(out.Output)), &result) != nil || result.Payload.N != 42 {
			t.Errorf("execution %s with output %s, want SUCCEEDED with Payload.n 42", out.Status, aws.ToString(out.Output))
		}
	})

	t.Run("states go into branches and processors", func(t *testing.T) {
		var text string
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(s.URL + "/ui/editor"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Hello"]`)),
		}
		steps = append(steps, clickState("Hello")...)
		steps = append(steps,
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Parallel"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Parallel"]`)),
			chromedp.Click(chromedp.CSS(`#state-form [data-action="add-branch"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form .branch[data-index="1"]`)),
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Map"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Map"]`)),
			chromedp.WaitReady(chromedp.CSS(`#insert-target option[value="scope:3"]`)),
			change(`#insert-target`, "scope:2"), // Parallel branch 2
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Wait"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Wait"]`)),
			change(`#state-form select[data-field="WaitKind"]`, "SecondsPath"),
			change(`#state-form input[data-field="WaitValue"]`, "$.delay"),
			change(`#insert-target`, "scope:3"), // Map processor
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Pass"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Pass"]`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Pass"]`)),
			definitionText(&text),
		)
		run(t, ctx, "insert into a branch and a processor", steps...)
		screenshot(t, ctx, "editor-nested")
		m := decodeMachine(t, text)
		if m.States["Hello"]["Next"] != "Parallel" || m.States["Parallel"]["Next"] != "Map" || m.States["Map"]["End"] != true {
			t.Errorf("top level: %v", m.States)
		}
		branches, _ := json.Marshal(m.States["Parallel"]["Branches"])
		want := `[{"StartAt":"Branch 1 Pass","States":{"Branch 1 Pass":{"End":true,"Type":"Pass"}}},` +
			`{"StartAt":"Wait","States":{"Branch 2 Pass":{"End":true,"Type":"Pass"},"Wait":{"Next":"Branch 2 Pass","SecondsPath":"$.delay","Type":"Wait"}}}]`
		if string(branches) != want {
			t.Errorf("branches = %s\nwant %s", branches, want)
		}
		processor, _ := json.Marshal(m.States["Map"]["ItemProcessor"])
		want = `{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Pass","States":{"Pass":{"Next":"Process item","Type":"Pass"},"Process item":{"End":true,"Type":"Pass"}}}`
		if string(processor) != want {
			t.Errorf("processor = %s\nwant %s", processor, want)
		}
	})

	t.Run("JSONata states get JSONata fields", func(t *testing.T) {
		jsonata := `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`
		var text string
		var fields []string
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(s.URL + "/ui/editor"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
			chromedp.WaitReady(chromedp.CSS(`#task-template option[value="0"]`)),
			setDefinition(jsonata),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="A"]`)),
		}
		steps = append(steps, clickState("A")...)
		steps = append(steps,
			change(`#task-template`, "0"),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="double"][data-query-language="JSONata"]`)),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#state-form .grid [data-field]")].map(n => n.dataset.field)`), &fields),
			chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Choice"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Choice"] .choice-rule input[data-field="Condition"]`)),
			change(`#state-form .choice-rule input[data-field="Condition"]`, "{% $states.input.Payload.n > 1 %}"),
			definitionText(&text),
		)
		run(t, ctx, "JSONata", steps...)
		if got := strings.Join(fields, ","); got != "Name,Comment,QueryLanguage,Next,Resource,TimeoutSeconds,HeartbeatSeconds,Arguments,Output,Assign" {
			t.Errorf("a JSONata Task's form has %s", got)
		}
		m := decodeMachine(t, text)
		args, _ := json.Marshal(m.States["double"]["Arguments"])
		if string(args) != `{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:double","Payload":"{% $states.input %}"}` || m.States["double"]["Parameters"] != nil {
			t.Errorf("the template as JSONata: %v", m.States["double"])
		}
		rules, _ := json.Marshal(m.States["Choice"]["Choices"])
		if string(rules) != `[{"Condition":"{% $states.input.Payload.n \u003e 1 %}","Next":""}]` {
			t.Errorf("Choice rules = %s", rules)
		}
	})

	t.Run("odd fields do not break the form", func(t *testing.T) {
		odd := `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "Retry": [null, {"ErrorEquals": "x"}], "Catch": 5, "Choices": 1, "End": true}}}`
		var rows int
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(s.URL + "/ui/editor"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
			setDefinition(odd),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"] #graph .sf-node[data-state="A"]`)),
		}
		steps = append(steps, clickState("A")...)
		steps = append(steps,
			chromedp.WaitVisible(chromedp.CSS(`#state-form [data-action="add-catch"]`)),
			into(chromedp.Evaluate[int](`document.querySelectorAll("#state-form .retry-row").length`), &rows),
		)
		run(t, ctx, "a Task with a null retrier and a numeric Catch", steps...)
		if rows != 2 {
			t.Errorf("the form shows %d retry rows, want 2", rows)
		}
	})

	t.Run("YAML in and out", func(t *testing.T) {
		var yamlText, text, undone, yamlProblem string
		run(t, ctx, "edit as YAML",
			chromedp.Navigate(s.URL+"/ui/editor"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
			chromedp.Click(chromedp.CSS(`#show-yaml`)),
			chromedp.WaitVisible(chromedp.CSS(`#yaml-pane`)),
			into(chromedp.Evaluate[string](`document.getElementById("yaml-text").value`), &yamlText),
		)
		want := "Comment: A new state machine\nStartAt: Hello\nStates:\n  Hello:\n    Type: Pass\n    Result:\n      hello: world\n    End: true\n"
		if yamlText != want {
			t.Fatalf("YAML of the new machine:\n%s\nwant\n%s", yamlText, want)
		}
		run(t, ctx, "apply YAML",
			chromedp.Evaluate[chromedp.Void](`document.getElementById("yaml-text").value = `+strconv.Quote(strings.Replace(yamlText, "hello: world", "hello: [1, 2]", 1))),
			chromedp.Click(chromedp.CSS(`#apply-yaml`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-yaml="applied"][data-validation="OK"]`)),
			definitionText(&text),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("yaml-text").value = "StartAt: A\nStates: [\n"`),
			chromedp.Click(chromedp.CSS(`#apply-yaml`)),
			chromedp.WaitVisible(chromedp.CSS(`#yaml-error:not([hidden])`)),
			into(chromedp.Text(chromedp.CSS(`#yaml-error`)), &yamlProblem),
			chromedp.Click(chromedp.CSS(`#undo`)),
			definitionText(&undone),
		)
		if compact(t, text) != `{"Comment":"A new state machine","StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":{"hello":[1,2]},"End":true}}}` {
			t.Errorf("text after applying YAML:\n%s", text)
		}
		if !strings.HasPrefix(yamlProblem, "line 2: ") {
			t.Errorf("bad YAML shows %q, want its line", yamlProblem)
		}
		if !strings.Contains(undone, `"hello": "world"`) {
			t.Errorf("undo after applying YAML:\n%s", undone)
		}

		file := filepath.Join(t.TempDir(), "waiter.asl.yaml")
		if err := os.WriteFile(file, []byte("StartAt: Nap\nStates:\n  Nap:\n    Type: Wait\n    Seconds: 1\n    End: true\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "open a YAML file",
			chromedp.SetUploadFiles(chromedp.CSS(`#open-file`), []string{file}),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Nap"]`)),
			definitionText(&text),
		)
		if compact(t, text) != `{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":1,"End":true}}}` {
			t.Errorf("text after opening a YAML file:\n%s", text)
		}
	})
}
