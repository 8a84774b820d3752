package ui_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// connectMachine has three states none of which leads anywhere yet but A.
const connectMachine = `{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Pass", "End": true},
    "B": {"Type": "Pass", "End": true},
    "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "A"}], "Default": "A"},
    "Both": {"Type": "Parallel", "End": true, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "A"}], "Branches": [
      {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}
    ]}
  }
}`

// dragTo drags from a state's handle onto another state's box with real mouse events (onto
// the label of a Parallel or Map, whose middle is its branches).
func dragTo(from, to string) chromedp.Action[chromedp.Void] {
	target := `#graph .sf-node[data-state="` + to + `"]:not(.sf-compound) > rect, #graph .sf-compound[data-state="` + to + `"] > text`
	return chromedp.DragAndDrop(chromedp.CSS(`#graph .sf-handle[data-state="`+from+`"]`), chromedp.CSS(target))
}

func TestBrowserConnectByDragging(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	var text string
	validated := func(state string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(`main[data-validation]:not([data-validation="pending"]) #graph .sf-handle[data-state="` + state + `"]`))
	}
	run(t, ctx, "open the editor",
		chromedp.Navigate(s.URL+"/ui/editor"),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Hello"]`)),
		setDefinition(connectMachine),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Pick"]`)),
		validated("Pick"),
	)
	var handles []string
	run(t, ctx, "read the handles", into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#graph .sf-handle")].map(h => h.dataset.state).sort()`), &handles))
	if got := strings.Join(handles, ","); got != "A,B,Both,Inner,Pick" {
		t.Errorf("handles on %s, want every state but Succeed and Fail", got)
	}

	run(t, ctx, "connect A to B", dragTo("A", "B"), chromedp.WaitVisible(chromedp.CSS(`#state-form[data-state="A"]`)), definitionText(&text))
	m := decodeMachine(t, text)
	if m.States["A"]["Next"] != "B" || m.States["A"]["End"] != nil {
		t.Errorf("after dragging A to B, A is %v", m.States["A"])
	}
	run(t, ctx, "re-connect A to Pick", validated("A"), dragTo("A", "Pick"), definitionText(&text))
	if got := decodeMachine(t, text).States["A"]["Next"]; got != "Pick" {
		t.Errorf("after dragging A to Pick, A's Next is %v", got)
	}

	run(t, ctx, "connect Pick's rule to B",
		validated("Pick"), dragTo("Pick", "B"),
		chromedp.WaitVisible(chromedp.CSS(`#connect-menu button[data-connect="rule-0"]`)),
		chromedp.Click(chromedp.CSS(`#connect-menu button[data-connect="rule-0"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#connect-menu`)),
		definitionText(&text),
	)
	rules := decodeMachine(t, text).States["Pick"]["Choices"].([]any)
	if rules[0].(map[string]any)["Next"] != "B" || decodeMachine(t, text).States["Pick"]["Default"] != "A" {
		t.Errorf("after connecting rule 1 to B, Pick is %v", decodeMachine(t, text).States["Pick"])
	}
	run(t, ctx, "connect Pick's Default to Both",
		validated("Pick"), dragTo("Pick", "Both"),
		chromedp.WaitVisible(chromedp.CSS(`#connect-menu button[data-connect="default"]`)),
		chromedp.Click(chromedp.CSS(`#connect-menu button[data-connect="default"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#connect-menu`)),
		definitionText(&text),
	)
	if got := decodeMachine(t, text).States["Pick"]["Default"]; got != "Both" {
		t.Errorf("Pick's Default = %v, want Both", got)
	}
	run(t, ctx, "connect Both's catcher to B",
		validated("Both"), dragTo("Both", "B"),
		chromedp.WaitVisible(chromedp.CSS(`#connect-menu button[data-connect="catch-0"]`)),
		chromedp.Click(chromedp.CSS(`#connect-menu button[data-connect="catch-0"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#connect-menu`)),
		definitionText(&text),
	)
	both := decodeMachine(t, text).States["Both"]
	if both["Catch"].([]any)[0].(map[string]any)["Next"] != "B" || both["End"] != true {
		t.Errorf("after connecting Both's catcher to B, Both is %v", both)
	}
	run(t, ctx, "connect Both's Next to A",
		validated("Both"), dragTo("Both", "A"),
		chromedp.WaitVisible(chromedp.CSS(`#connect-menu button[data-connect="next"]`)),
		chromedp.Click(chromedp.CSS(`#connect-menu button[data-connect="next"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#connect-menu`)),
		definitionText(&text),
	)
	both = decodeMachine(t, text).States["Both"]
	if both["Next"] != "A" || both["End"] != nil || both["Catch"].([]any)[0].(map[string]any)["Next"] != "B" {
		t.Errorf("after connecting Both's Next to A, Both is %v", both)
	}
	run(t, ctx, "redraw", validated("Pick"))
	screenshot(t, ctx, "ui-editor-connect")

	var problem, before string
	run(t, ctx, "a transition out of a branch is refused",
		validated("Inner"), definitionText(&before), dragTo("Inner", "B"),
		chromedp.WaitVisible(chromedp.CSS(`#studio-error`)),
		into(chromedp.Text(chromedp.CSS(`#studio-error`)), &problem),
		definitionText(&text),
	)
	if problem != "Inner and B are in different branches: a transition can only lead to a state of its own branch or Map processor." {
		t.Errorf("cross-branch drag says %q", problem)
	}
	if text != before {
		t.Errorf("the text changed after a refused drag:\n%s", text)
	}
}

// TestBrowserLargeDefinitionCollapses pastes 5,050 states in Parallel branches: the graph
// draws the 50 Parallels only, marks a problem inside a branch on its Parallel, and draws
// every state when asked.
func TestBrowserLargeDefinitionCollapses(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	definition := strings.Replace(wideMachine(50, 25), `"Next":"P7B2S4"`, `"Next":"Nowhere"`, 1)
	if definition == wideMachine(50, 25) {
		t.Fatal("the test's definition has no P7B2S3 → P7B2S4 transition to break")
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(definition), "", "  "); err != nil {
		t.Fatal(err)
	}
	definition = indented.String()
	var note string
	var nodes, expanded int
	var marked []string
	count := `document.querySelectorAll("#graph .sf-node").length`
	run(t, ctx, "paste a large definition",
		chromedp.Navigate(s.URL+"/ui/editor"),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="Hello"]`)),
		setDefinition(definition),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"] #graph .sf-node[data-state="P49"]`)),
		into(chromedp.Text(chromedp.CSS(`#graph-note`)), &note),
		into(chromedp.Evaluate[int](count), &nodes),
		into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#graph .sf-problem")].map(n => n.dataset.state)`), &marked),
	)
	if note != "5050 states: branches collapsed" || nodes != 52 {
		t.Errorf("graph note %q with %d boxes; want 5050 states collapsed into 50 Parallels, Start and End", note, nodes)
	}
	if strings.Join(marked, ",") != "P7" {
		t.Errorf("problem marked on %v, want the Parallel P7 that holds P7B2S3", marked)
	}
	screenshot(t, ctx, "ui-editor-large")
	run(t, ctx, "draw every branch",
		chromedp.Click(chromedp.CSS(`#expand-graph`)),
		chromedp.WaitVisible(chromedp.CSS(`#graph .sf-node[data-state="P49B3S24"]`)),
		into(chromedp.Evaluate[int](count), &expanded),
	)
	if expanded != 5052 {
		t.Errorf("expanded graph has %d boxes, want 5052", expanded)
	}
}
