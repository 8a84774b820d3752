package ui_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chromedp/chromedp"

	"github.com/stepflow/stepflow/asl"
)

// nestedChoiceMachine's Choice has one comparison rule, with a Comment the form must keep.
const nestedChoiceMachine = `{
  "StartAt": "Pick",
  "States": {
    "Pick": {
      "Type": "Choice",
      "Comment": "routes orders",
      "Choices": [
        {"Variable": "$.x", "NumericEquals": 1, "Comment": "the first rule", "Next": "A"}
      ],
      "Default": "B"
    },
    "A": {"Type": "Pass", "End": true},
    "B": {"Type": "Pass", "End": true},
    "C": {"Type": "Succeed"}
  }
}`

// rule addresses a rule of the open Choice's form by its place: "0", "0/And/1", "1/Not".
func rule(path, control string) string {
	return `#state-form .rule-node[data-path="` + path + `"] > .rule-head ` + control
}

func TestBrowserChoiceRulesForm(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	var text string
	steps := append(openEditorWith(s.URL, nestedChoiceMachine),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"] #graph .sf-node[data-state="Pick"]`)), // C is not reachable yet
	)
	steps = append(steps, clickState("Pick")...)
	steps = append(steps,
		// Rule 1 becomes an And of its comparison and a new one.
		change(rule("0", `select[data-field="RuleKind"]`), "And"),
		chromedp.WaitVisible(chromedp.CSS(rule("0/And/0", `input[data-field="Variable"]`))),
		change(rule("0/And/0", `select[data-field="Operator"]`), "NumericGreaterThanPath"),
		change(rule("0/And/0", `input[data-field="Value"][data-kind="path"]`), "$.limit"),
		chromedp.Click(chromedp.CSS(`#state-form .rule-node[data-path="0"] > .rule-children > .row > [data-action="add-condition"]`)),
		chromedp.WaitVisible(chromedp.CSS(rule("0/And/1", `input[data-field="Variable"]`))),
		change(rule("0/And/1", `input[data-field="Variable"]`), "$.name"),
		change(rule("0/And/1", `select[data-field="Operator"]`), "StringMatches"),
		change(rule("0/And/1", `input[data-field="Value"][data-kind="string"]`), "order-*"),
		// A third condition, added and removed again.
		chromedp.Click(chromedp.CSS(`#state-form .rule-node[data-path="0"] > .rule-children > .row > [data-action="add-condition"]`)),
		chromedp.WaitVisible(chromedp.CSS(rule("0/And/2", `[data-action="remove-condition"]`))),
		chromedp.Click(chromedp.CSS(rule("0/And/2", `[data-action="remove-condition"]`))),
		chromedp.WaitNotPresent(chromedp.CSS(`#state-form .rule-node[data-path="0/And/2"]`)),
		// Rule 2: Not (an Or of two comparisons), leading to C.
		chromedp.Click(chromedp.CSS(`#state-form [data-action="add-rule"]`)),
		chromedp.WaitVisible(chromedp.CSS(rule("1", `select[data-field="RuleKind"]`))),
		change(rule("1", `select[data-field="RuleKind"]`), "Not"),
		chromedp.WaitVisible(chromedp.CSS(rule("1/Not", `select[data-field="RuleKind"]`))),
		change(rule("1/Not", `input[data-field="Variable"]`), "$.status"),
		change(rule("1/Not", `input[data-field="Value"]`), "cancelled"),
		change(rule("1/Not", `select[data-field="RuleKind"]`), "Or"),
		chromedp.WaitVisible(chromedp.CSS(rule("1/Not/Or/0", `input[data-field="Variable"]`))),
		chromedp.Click(chromedp.CSS(`#state-form .rule-node[data-path="1/Not"] > .rule-children > .row > [data-action="add-condition"]`)),
		chromedp.WaitVisible(chromedp.CSS(rule("1/Not/Or/1", `input[data-field="Variable"]`))),
		change(rule("1/Not/Or/1", `input[data-field="Variable"]`), "$.status"),
		change(rule("1/Not/Or/1", `select[data-field="Operator"]`), "IsNull"),
		change(rule("1/Not/Or/1", `select[data-field="Value"][data-kind="boolean"]`), "false"),
		change(rule("1", `select[data-field="Next"]`), "C"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		definitionText(&text),
	)
	run(t, ctx, "build nested rules by the form", steps...)
	run(t, ctx, "show the form", chromedp.Evaluate[chromedp.Void](`document.getElementById("state-form").scrollIntoView()`))
	screenshot(t, ctx, "ui-editor-choice-rules")

	// The rules, in the order the form wrote their keys; the rest of the state and of the
	// machine as it was.
	want := `{"StartAt":"Pick","States":{"Pick":{"Type":"Choice","Comment":"routes orders","Choices":[` +
		`{"And":[{"Variable":"$.x","NumericGreaterThanPath":"$.limit"},{"Variable":"$.name","StringMatches":"order-*"}],"Comment":"the first rule","Next":"A"},` +
		`{"Not":{"Or":[{"Variable":"$.status","StringEquals":"cancelled"},{"Variable":"$.status","IsNull":false}]},"Next":"C"}],` +
		`"Default":"B"},"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true},"C":{"Type":"Succeed"}}}`
	if got := compact(t, text); got != want {
		t.Errorf("text after the form:\n%s\nwant\n%s", got, want)
	}

	// The text edits the form: a value changed in the text shows in the open form.
	var shown string
	run(t, ctx, "the text edits the form",
		setDefinition(strings.Replace(text, `"cancelled"`, `"void"`, 1)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		into(chromedp.Evaluate[string](`document.querySelector(`+"`"+rule("1/Not/Or/0", `input[data-field="Value"]`)+"`"+`).value`), &shown),
	)
	if shown != "void" {
		t.Errorf("after the text changed, the form shows %q, want void", shown)
	}

	// A form edit that breaks the rule is marked at its line of the rewritten text.
	var lines []string
	run(t, ctx, "a bad Variable is marked at its line",
		change(rule("1/Not/Or/1", `input[data-field="Variable"]`), "status"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"]`)),
		definitionText(&text),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#problems li")].map(li => li.dataset.line)`), &lines),
	)
	wantLine := ""
	for i, line := range strings.Split(text, "\n") {
		if strings.Contains(line, `"Variable": "status"`) {
			wantLine = strconv.Itoa(i + 1)
		}
	}
	if wantLine == "" || strings.Join(lines, ",") != wantLine {
		t.Errorf("problems at lines %v, want the line of the bad Variable (%s) in\n%s", lines, wantLine, text)
	}

	// Unwrapping: the And becomes its first comparison again, keeping the rule's own keys.
	run(t, ctx, "convert an And back to a comparison",
		change(rule("0", `select[data-field="RuleKind"]`), "comparison"),
		chromedp.WaitVisible(chromedp.CSS(rule("0", `input[data-field="Variable"]`))),
		definitionText(&text),
	)
	if got := compact(t, text); !strings.Contains(got, `"Choices":[{"Variable":"$.x","NumericGreaterThanPath":"$.limit","Comment":"the first rule","Next":"A"},`) {
		t.Errorf("after unwrapping the And:\n%s", got)
	}
}

// inlineMap is an inline Map for the form to make distributed.
const inlineMap = `{
  "StartAt": "Each",
  "States": {
    "Each": {
      "Type": "Map",
      "ItemsPath": "$.items",
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Handle",
        "States": {"Handle": {"Type": "Pass", "End": true}}
      },
      "ResultPath": "$.handled",
      "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}`

// section addresses a control in a fieldset of the open form.
func section(name, control string) string {
	return `#state-form fieldset[data-section="` + name + `"] ` + control
}

func TestBrowserDistributedMapForm(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	sdk := s.sdk()
	var text string
	steps := append(openEditorWith(s.URL, inlineMap),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Each"]`)),
	)
	steps = append(steps,
		// A Map's box holds its processor: it is selected by its label.
		chromedp.Click(chromedp.CSS(`#graph .sf-compound[data-state="Each"] > text`)),
		chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Each"]`)),
	)
	steps = append(steps,
		change(`#state-form input[data-field="ItemsPath"]`, ""),
		change(`#state-form .grid select[data-field="MaxConcurrencyKind"]`, "MaxConcurrencyPath"),
		change(`#state-form .grid input[data-field="MaxConcurrency"]`, "$.limit"),
		change(section("ItemProcessor", `select[data-field="Mode"]`), "DISTRIBUTED"),
		chromedp.WaitVisible(chromedp.CSS(section("ItemReader", `select[data-field="Resource"]`))),
		change(section("ItemProcessor", `select[data-field="ExecutionType"]`), "EXPRESS"),
		change(section("Distributed", `input[data-field="Label"]`), "EachOrder"),
		change(section("Distributed", `input[data-field="ToleratedFailurePercentage"]`), "5"),
		// The reader: a CSV file with its headers given.
		change(section("ItemReader", `select[data-field="Resource"]`), "arn:aws:states:::s3:getObject"),
		chromedp.WaitVisible(chromedp.CSS(section("ItemReader", `textarea[data-field="Parameters"]`))),
		change(section("ItemReader", `textarea[data-field="Parameters"]`), `{"Bucket": "orders", "Key": "2026/orders.csv"}`),
		change(section("ItemReader", `select[data-field="InputType"]`), "CSV"),
		chromedp.WaitVisible(chromedp.CSS(section("ItemReader", `select[data-field="CSVHeaderLocation"]`))),
		change(section("ItemReader", `select[data-field="CSVHeaderLocation"]`), "GIVEN"),
		change(section("ItemReader", `input[data-field="CSVHeaders"]`), "id, amount"),
		change(section("ItemReader", `input[data-field="MaxItems"]`), "1000"),
		// The batcher.
		change(section("ItemBatcher", `input[data-field="MaxItemsPerBatch"]`), "10"),
		change(section("ItemBatcher", `input[data-field="MaxInputBytesPerBatch"]`), "262144"),
		change(section("ItemBatcher", `textarea[data-field="BatchInput"]`), `{"source": "orders"}`),
		// The writer: JSON lines, flattened, into a bucket.
		change(section("ResultWriter", `select[data-field="Resource"]`), "arn:aws:states:::s3:putObject"),
		chromedp.WaitVisible(chromedp.CSS(section("ResultWriter", `textarea[data-field="Parameters"]`))),
		change(section("ResultWriter", `select[data-field="OutputType"]`), "JSONL"),
		change(section("ResultWriter", `select[data-field="Transformation"]`), "FLATTEN"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		definitionText(&text),
	)
	run(t, ctx, "configure a Distributed Map by the form", steps...)
	run(t, ctx, "show the form", chromedp.Evaluate[chromedp.Void](`document.querySelector('#state-form fieldset[data-section="ItemProcessor"]').scrollIntoView()`))
	screenshot(t, ctx, "ui-editor-distributed-map")

	want := `{"StartAt":"Each","States":{"Each":{"Type":"Map",` +
		`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"Handle","States":{"Handle":{"Type":"Pass","End":true}}},` +
		`"ResultPath":"$.handled","Next":"Done","MaxConcurrencyPath":"$.limit","Label":"EachOrder","ToleratedFailurePercentage":5,` +
		`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"orders","Key":"2026/orders.csv"},` +
		`"ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["id","amount"],"MaxItems":1000}},` +
		`"ItemBatcher":{"MaxItemsPerBatch":10,"MaxInputBytesPerBatch":262144,"BatchInput":{"source":"orders"}},` +
		`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"amzn-s3-demo-bucket","Prefix":"results"},` +
		`"WriterConfig":{"OutputType":"JSONL","Transformation":"FLATTEN"}}},` +
		`"Done":{"Type":"Succeed"}}}`
	if got := compact(t, text); got != want {
		t.Errorf("text after the form:\n%s\nwant\n%s", got, want)
	}

	// Switching MaxItems to a path keeps its place in ReaderConfig.
	run(t, ctx, "MaxItems from the input",
		change(section("ItemReader", `select[data-field="MaxItemsKind"]`), "MaxItemsPath"),
		change(section("ItemReader", `input[data-field="MaxItems"]`), "$.maxItems"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		definitionText(&text),
	)
	if got := compact(t, text); !strings.Contains(got, `"CSVHeaders":["id","amount"],"MaxItemsPath":"$.maxItems"}`) {
		t.Errorf("after switching MaxItems to MaxItemsPath:\n%s", got)
	}

	run(t, ctx, "deploy it",
		chromedp.SetValue(chromedp.CSS(`#sm-name`), "distributed-orders"),
		chromedp.Click(chromedp.CSS(`#review`)),
		chromedp.WaitVisible(chromedp.CSS(`#review-pane`)),
		chromedp.Click(chromedp.CSS(`#deploy`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-deployed="created"]`)),
	)
	arn := s.eng.Scope().StateMachineARN("distributed-orders")
	described, err := sdk.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeStateMachine: %v", err)
	}
	if aws.ToString(described.Definition) != text {
		t.Errorf("deployed definition:\n%s\nwant the editor's text:\n%s", aws.ToString(described.Definition), text)
	}
}

// TestBrowserDistributedMapFormJSONata checks that a JSONata Map gets Arguments instead of
// Parameters and counts that may be expressions, without the ...Path choice.
func TestBrowserDistributedMapFormJSONata(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	jsonata := strings.Replace(strings.Replace(inlineMap, `"StartAt": "Each",`, `"QueryLanguage": "JSONata", "StartAt": "Each",`, 1),
		`"ItemsPath": "$.items",`, `"Items": "{% $states.input.items %}",`, 1)
	jsonata = strings.Replace(jsonata, `"ResultPath": "$.handled",`, ``, 1)
	var text string
	var kinds []string
	steps := append(openEditorWith(s.URL, jsonata),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Each"]`)),
		chromedp.Click(chromedp.CSS(`#graph .sf-compound[data-state="Each"] > text`)),
		chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Each"][data-query-language="JSONata"]`)),
		change(section("ItemProcessor", `select[data-field="Mode"]`), "DISTRIBUTED"),
		chromedp.WaitVisible(chromedp.CSS(section("ItemReader", `select[data-field="Resource"]`))),
		change(section("ItemReader", `select[data-field="Resource"]`), "arn:aws:states:::s3:listObjectsV2"),
		chromedp.WaitVisible(chromedp.CSS(section("ItemReader", `textarea[data-field="Arguments"]`))),
		change(section("ItemReader", `input[data-field="MaxItems"]`), "{% $states.input.max %}"),
		change(section("ItemBatcher", `input[data-field="MaxItemsPerBatch"]`), "5"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll('#state-form select[data-field="MaxItemsKind"] option')].map(o => o.value)`), &kinds),
		definitionText(&text),
	)
	run(t, ctx, "configure a JSONata Distributed Map", steps...)
	if strings.Join(kinds, ",") != "MaxItems" {
		t.Errorf("a JSONata MaxItems offers %v, want the value only", kinds)
	}
	want := `"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Arguments":{"Bucket":"amzn-s3-demo-bucket","Prefix":""},` +
		`"ReaderConfig":{"MaxItems":"{% $states.input.max %}"}},"ItemBatcher":{"MaxItemsPerBatch":5}}`
	if got := compact(t, text); !strings.Contains(got, want) {
		t.Errorf("text after the form:\n%s\nwant it to hold\n%s", got, want)
	}

	// Items may be an array instead of an expression: written as JSON, it stays an array.
	run(t, ctx, "Items as an array",
		change(`#state-form input[data-field="Items"]`, `[1, 2.50]`),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		definitionText(&text),
	)
	if got := compact(t, text); !strings.Contains(got, `"Items":[1,2.50],`) {
		t.Errorf("Items written as %s", got)
	}
}

// catchMachine has a Task without catchers and the states its errors may go to.
const catchMachine = `{
  "StartAt": "Work",
  "States": {
    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "work"}, "Next": "Done"},
    "Retry later": {"Type": "Pass", "Next": "Done"},
    "Failed": {"Type": "Fail", "Error": "WorkFailed"},
    "Done": {"Type": "Succeed"}
  }
}`

func TestBrowserCatchByDragging(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	var text string
	var catchHandles []string
	validated := chromedp.WaitVisible(chromedp.CSS(`main[data-validation]:not([data-validation="pending"]) #graph .sf-handle[data-state="Work"]`))
	run(t, ctx, "open the editor",
		chromedp.Navigate(s.URL+"/ui/editor"),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Hello"]`)),
		setDefinition(catchMachine),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Failed"]`)),
		validated,
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#graph .sf-catch-handle")].map(h => h.dataset.state)`), &catchHandles),
	)
	if got := strings.Join(catchHandles, ","); got != "Work" {
		t.Errorf("catch handles on %q, want the Task only", got)
	}

	// A new catcher by the catch handle, its errors then edited in the form.
	run(t, ctx, "drag Work's catch handle to Failed",
		chromedp.DragAndDrop(chromedp.CSS(`#graph .sf-catch-handle[data-state="Work"]`), chromedp.CSS(`#graph .sf-node[data-state="Failed"] > rect`)),
		chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Work"] .catch-row`)),
		change(`#state-form .catch-row input[data-field="ErrorEquals"]`, "States.Timeout, States.TaskFailed"),
		validated,
	)
	// A second one by the transition handle's menu.
	run(t, ctx, "drag Work's handle to Retry later, as a new catcher",
		dragTo("Work", "Retry later"),
		chromedp.WaitVisible(chromedp.CSS(`#connect-menu button[data-connect="new-catch"]`)),
		chromedp.Click(chromedp.CSS(`#connect-menu button[data-connect="new-catch"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#connect-menu`)),
		validated,
		definitionText(&text),
	)
	want := `"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"work"},"Next":"Done",` +
		`"Catch":[{"ErrorEquals":["States.Timeout","States.TaskFailed"],"Next":"Failed"},{"ErrorEquals":["States.ALL"],"Next":"Retry later"}]}`
	if got := compact(t, text); !strings.Contains(got, want) {
		t.Errorf("after two catchers:\n%s\nwant it to hold\n%s", got, want)
	}
	run(t, ctx, "settle", chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-edge-handle[data-state="Work"][data-catch="1"]`)))
	screenshot(t, ctx, "ui-editor-catch-drag")

	// Re-targeting: the arrow of catcher 2 dragged onto Done.
	run(t, ctx, "drag catcher 2's arrow to Done",
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-edge-handle[data-state="Work"][data-catch="1"]`)),
		chromedp.DragAndDrop(chromedp.CSS(`#graph .sf-edge-handle[data-state="Work"][data-catch="1"]`), chromedp.CSS(`#graph .sf-node[data-state="Done"] > rect`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"] #graph .sf-edge-handle[data-state="Work"][data-catch="1"][data-to="Done"]`)), // Retry later is left unreachable
		definitionText(&text),
	)
	want = `"Catch":[{"ErrorEquals":["States.Timeout","States.TaskFailed"],"Next":"Failed"},{"ErrorEquals":["States.ALL"],"Next":"Done"}]}`
	if got := compact(t, text); !strings.Contains(got, want) {
		t.Errorf("after re-targeting catcher 2:\n%s\nwant it to hold\n%s", got, want)
	}

	// A catch handle dropped on a state of another branch changes nothing.
	var before, problem string
	run(t, ctx, "a catcher cannot leave its branch",
		setDefinition(strings.Replace(catchMachine, `"Done": {"Type": "Succeed"}`,
			`"Done": {"Type": "Succeed"}, "Both": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}]}`, 1)),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Inner"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main:not([data-validation="pending"]) #graph .sf-catch-handle[data-state="Both"]`)),
		definitionText(&before),
		chromedp.DragAndDrop(chromedp.CSS(`#graph .sf-catch-handle[data-state="Work"]`), chromedp.CSS(`#graph .sf-node[data-state="Inner"] > rect`)),
		chromedp.WaitVisible(chromedp.CSS(`#studio-error`)),
		into(chromedp.Text(chromedp.CSS(`#studio-error`)), &problem),
		definitionText(&text),
	)
	if problem != "Work and Inner are in different branches: a transition can only lead to a state of its own branch or Map processor." || text != before {
		t.Errorf("a drag out of the branch says %q; text changed: %v", problem, text != before)
	}
}

// roundTripMachine has keys in an unusual order and numbers JavaScript would print
// differently (1.50, 1.0, 1e3, an integer beyond 2^53).
const roundTripMachine = `{
  "Comment": "round trip",
  "StartAt": "Pick",
  "TimeoutSeconds": 3600,
  "States": {
    "Pick": {"Choices": [{"Next": "Big", "Variable": "$.n", "NumericGreaterThan": 1.50}], "Type": "Choice", "Default": "Big", "OutputPath": "$"},
    "Big": {"Result": {"id": 12345678901234567890, "ratio": 1.0, "k": 1e3, "list": [1, 2.50]}, "Type": "Pass", "ResultPath": "$.r", "End": true, "Comment": "kept"}
  }
}`

// TestBrowserFormRoundTrip edits fields by the form and checks that the text keeps every
// other field, the order of keys and the text of numbers.
func TestBrowserFormRoundTrip(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	var text, result string
	steps := append(openEditorWith(s.URL, roundTripMachine),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Big"]`)),
	)
	steps = append(steps, clickState("Pick")...)
	steps = append(steps,
		change(rule("0", `input[data-field="Variable"]`), "$.m"),
		change(rule("0", `select[data-field="Operator"]`), "NumericLessThan"),
	)
	steps = append(steps, clickState("Big")...)
	steps = append(steps,
		change(`#state-form input[data-field="Comment"]`, "changed"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		into(chromedp.Evaluate[string](`document.querySelector('#state-form textarea[data-field="Result"]').value`), &result),
		definitionText(&text),
	)
	run(t, ctx, "edit by the form", steps...)
	want := strings.NewReplacer(`"$.n"`, `"$.m"`, `"NumericGreaterThan": 1.50`, `"NumericLessThan": 1.50`, `"kept"`, `"changed"`).Replace(roundTripMachine)
	if got := compact(t, text); got != compact(t, want) {
		t.Errorf("text after the form:\n%s\nwant\n%s", got, compact(t, want))
	}
	if compact(t, result) != `{"id":12345678901234567890,"ratio":1.0,"k":1e3,"list":[1,2.50]}` {
		t.Errorf("the form shows Result as\n%s", result)
	}
}

// choiceOperators are the comparison operators of AWS's Choice state page (And, Or and Not
// aside).
var choiceOperators = []string{
	"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals", "StringMatches",
	"StringEqualsPath", "StringLessThanPath", "StringGreaterThanPath", "StringLessThanEqualsPath", "StringGreaterThanEqualsPath",
	"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
	"NumericEqualsPath", "NumericLessThanPath", "NumericGreaterThanPath", "NumericLessThanEqualsPath", "NumericGreaterThanEqualsPath",
	"BooleanEquals", "BooleanEqualsPath",
	"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals",
	"TimestampEqualsPath", "TimestampLessThanPath", "TimestampGreaterThanPath", "TimestampLessThanEqualsPath", "TimestampGreaterThanEqualsPath",
	"IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
}

// TestBrowserChoiceOperators picks every operator of the form in turn, types a value into the
// control the operator gets, and checks the text is a valid definition with the operand of
// the operator's type.
func TestBrowserChoiceOperators(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	machine := `{"StartAt": "Pick", "States": {"Pick": {"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "a", "Next": "A"}], "Default": "A"}, "A": {"Type": "Succeed"}}}`
	var offered []string
	steps := append(openEditorWith(s.URL, machine),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Pick"]`)),
	)
	steps = append(steps, clickState("Pick")...)
	steps = append(steps, into(chromedp.Evaluate[[]string](`[...document.querySelectorAll(`+"`"+rule("0", `select[data-field="Operator"] option`)+"`"+`)].map(o => o.value)`), &offered))
	run(t, ctx, "open the Choice", steps...)
	sortedOffered, sortedWant := slices.Sorted(slices.Values(offered)), slices.Sorted(slices.Values(choiceOperators))
	if !slices.Equal(sortedOffered, sortedWant) {
		t.Errorf("the form offers %v\nwant AWS's %v", offered, choiceOperators)
	}
	for _, op := range choiceOperators {
		var kind, text string
		run(t, ctx, op,
			change(rule("0", `select[data-field="Operator"]`), op),
			into(chromedp.Evaluate[string](`document.querySelector(`+"`"+rule("0", `[data-field="Value"]`)+"`"+`).dataset.kind`), &kind),
		)
		value := map[string]string{"number": "3.5", "boolean": "false", "path": "$.other", "string": "abc"}[kind]
		if strings.HasPrefix(op, "Timestamp") && kind == "string" {
			value = "2026-01-01T00:00:00Z"
		}
		run(t, ctx, op+" value", change(rule("0", `[data-field="Value"]`), value), definitionText(&text))
		operand := map[string]string{"number": "3.5", "boolean": "false", "path": `"$.other"`, "string": strconv.Quote(value)}[kind]
		if got := compact(t, text); !strings.Contains(got, `{"Variable":"$.x","`+op+`":`+operand+`,"Next":"A"}`) {
			t.Errorf("%s with a %s control wrote %s", op, kind, got)
		}
		if _, diags := asl.Parse([]byte(text), asl.ParseOptions{}); diags.HasErrors() {
			t.Errorf("%s: the form's text is not valid: %v", op, diags)
		}
	}
}

// indexKeyMachine has a state and a Result key that are whole numbers, which JavaScript puts
// before the other keys of their objects.
const indexKeyMachine = `{
  "StartAt": "Pick",
  "States": {
    "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "1"}], "Default": "Last"},
    "1": {"Type": "Pass", "Result": {"b": 1, "10": 2}, "Next": "Last"},
    "Last": {"Type": "Succeed"}
  }
}`

// TestBrowserFormKeepsIndexKeyOrder edits, renames and inserts states of a machine with
// whole-number keys and checks that the text keeps them where they were written.
func TestBrowserFormKeepsIndexKeyOrder(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	var text string
	steps := append(openEditorWith(s.URL, indexKeyMachine),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="1"]`)),
	)
	steps = append(steps, clickState("1")...)
	steps = append(steps,
		change(`#state-form input[data-field="Comment"]`, "one"),
		change(`#state-form input[data-field="Name"]`, "2"),
		chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="2"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="2"]`)),
	)
	steps = append(steps, clickState("Pick")...)
	steps = append(steps,
		chromedp.Click(chromedp.CSS(`#palette .add-state[data-type="Pass"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="Pass"]`)),
		definitionText(&text),
	)
	run(t, ctx, "edit, rename and insert", steps...)
	want := `{"StartAt":"Pick","States":{"Pick":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"2"}],"Default":"Last"},` +
		`"Pass":{"Type":"Pass","End":true},` +
		`"2":{"Type":"Pass","Result":{"b":1,"10":2},"Next":"Last","Comment":"one"},"Last":{"Type":"Succeed"}}}`
	if got := compact(t, text); got != want {
		t.Errorf("text after the edits:\n%s\nwant\n%s", got, want)
	}
}
