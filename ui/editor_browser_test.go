package ui_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chromedp/chromedp"
)

// editorMachine is valid; typing after "Done" on line 5 breaks its Next.
const editorMachine = `{
  "StartAt": "Start",
  "States": {
    "Start": {
      "Type": "Pass", "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}`

// setDefinition replaces the editor's text as a paste would, firing its input event.
func setDefinition(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const t = document.getElementById("definition"); t.value = ` +
		strconv.Quote(text) + `; t.dispatchEvent(new Event("input")); })()`)
}

// openEditorWith opens the editor at url and pastes definition over its new machine.
func openEditorWith(url, definition string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(url + "/ui/editor"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Hello"]`)),
		setDefinition(definition),
	}
}

func TestBrowserEditorAndPerformance(t *testing.T) {
	s := startServer(t, nil)
	ctx := newBrowser(t)
	sdk := s.sdk()

	t.Run("typing an invalid definition marks its line and state", func(t *testing.T) {
		caret := strings.Index(editorMachine, `"Next": "Done`) + len(`"Next": "Done`)
		var problems []string
		var markedLines []string
		var markedStates []string
		run(t, ctx, "type a Next to a missing state",
			chromedp.Navigate(s.URL+"/ui/editor"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Hello"]`)),
			setDefinition(editorMachine),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"] #graph .sf-node[data-state="Start"]`)),
			chromedp.Evaluate[chromedp.Void](`(() => { const t = document.getElementById("definition"); t.focus(); t.setSelectionRange(`+strconv.Itoa(caret)+`, `+strconv.Itoa(caret)+`); })()`),
			chromedp.KeyEvent("Later"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="FAIL"]`)),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#problems li")].map(li => li.textContent)`), &problems),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#gutter .problem")].map(n => n.dataset.line)`), &markedLines),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#graph .sf-problem")].map(n => n.dataset.state)`), &markedStates),
		)
		// Done, no longer the target of a Next, is unreachable too.
		want := []string{
			"line 5 MISSING_TRANSITION_TARGET Missing 'Next' target: DoneLater (state Start)",
			`line 7 MISSING_TRANSITION_TARGET State "Done" is not reachable. (state Done)`,
		}
		if strings.Join(problems, "\n") != strings.Join(want, "\n") {
			t.Errorf("problems = %q, want %q", problems, want)
		}
		if strings.Join(markedLines, ",") != "5,7" {
			t.Errorf("gutter marks lines %v, want 5 and 7", markedLines)
		}
		if strings.Join(markedStates, ",") != "Start,Done" {
			t.Errorf("graph marks states %v, want Start and Done", markedStates)
		}
		screenshot(t, ctx, "editor-problem")

		var parseProblem []string
		run(t, ctx, "malformed JSON",
			setDefinition("{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}"),
			chromedp.WaitVisible(chromedp.CSS(`#problems li[data-code="INVALID_JSON_DESCRIPTION"]`)),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#gutter .problem")].map(n => n.dataset.line)`), &parseProblem),
		)
		if strings.Join(parseProblem, ",") != "3" {
			t.Errorf("a parse error marks lines %v, want 3", parseProblem)
		}
	})

	t.Run("deploy creates, updates and publishes", func(t *testing.T) {
		var diff, result string
		run(t, ctx, "create from the editor",
			chromedp.Navigate(s.URL+"/ui/editor"),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
			setDefinition(editorMachine),
			chromedp.SetValue(chromedp.CSS(`#sm-name`), "from-editor"),
			chromedp.Click(chromedp.CSS(`#review`)),
			chromedp.WaitVisible(chromedp.CSS(`#review-pane`)),
			into(chromedp.Text(chromedp.CSS(`#diff`)), &diff),
			chromedp.Click(chromedp.CSS(`#deploy`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-deployed="created"]`)),
			into(chromedp.Text(chromedp.CSS(`#deploy-result`)), &result),
		)
		if !strings.Contains(diff, `+   "StartAt": "Start",`) {
			t.Errorf("diff of a new machine lacks its lines as added:\n%s", diff)
		}
		arn := s.eng.Scope().StateMachineARN("from-editor")
		if !strings.Contains(result, "Created "+arn) {
			t.Errorf("deploy result = %q", result)
		}
		described, err := sdk.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribeStateMachine after create: %v", err)
		}
		if aws.ToString(described.Definition) != editorMachine {
			t.Errorf("deployed definition = %q", aws.ToString(described.Definition))
		}

		changed := strings.Replace(editorMachine, `"Type": "Pass", "Next": "Done"`, `"Type": "Pass", "Result": {"v": 2}, "Next": "Done"`, 1)
		run(t, ctx, "update and publish from the editor",
			setDefinition(changed),
			chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
			chromedp.Click(chromedp.CSS(`#publish`)),
			chromedp.SetValue(chromedp.CSS(`#version-description`), "adds a result"),
			chromedp.Click(chromedp.CSS(`#review`)),
			chromedp.WaitVisible(chromedp.CSS(`#review-pane`)),
			into(chromedp.Text(chromedp.CSS(`#diff`)), &diff),
			chromedp.Click(chromedp.CSS(`#deploy`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-deployed="published"]`)),
		)
		if !strings.Contains(diff, `-       "Type": "Pass", "Next": "Done"`) || !strings.Contains(diff, `+       "Type": "Pass", "Result": {"v": 2}, "Next": "Done"`) ||
			!strings.Contains(diff, `"Done": {"Type": "Succeed"}`) {
			t.Errorf("diff of the update:\n%s", diff)
		}
		screenshot(t, ctx, "editor-deployed")
		versions, err := sdk.ListStateMachineVersions(context.Background(), &awssfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(arn)})
		if err != nil || len(versions.StateMachineVersions) != 1 {
			t.Fatalf("versions after publishing: %v %v", versions, err)
		}
		v := versions.StateMachineVersions[0]
		version, err := sdk.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: v.StateMachineVersionArn})
		if err != nil || aws.ToString(version.Definition) != changed || aws.ToString(version.Description) != "adds a result" {
			t.Errorf("published version: %v, description %q, definition %q", err, aws.ToString(version.Description), aws.ToString(version.Definition))
		}

		// Someone else updates the machine; saving the page's older revision is refused.
		if _, err := sdk.UpdateStateMachine(context.Background(), &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(editorMachine)}); err != nil {
			t.Fatalf("UpdateStateMachine: %v", err)
		}
		var conflict string
		run(t, ctx, "a concurrent edit is detected",
			setDefinition(strings.Replace(changed, `"v": 2`, `"v": 3`, 1)),
			chromedp.Click(chromedp.CSS(`#publish`)), // publish off again
			chromedp.Click(chromedp.CSS(`#review`)),
			chromedp.WaitVisible(chromedp.CSS(`#review-pane`)),
			chromedp.Click(chromedp.CSS(`#deploy`)),
			chromedp.WaitVisible(chromedp.CSS(`#deploy-error:not([hidden])`)),
			into(chromedp.Text(chromedp.CSS(`#deploy-error`)), &conflict),
		)
		if !strings.Contains(conflict, "changed by someone else") {
			t.Errorf("saving over a concurrent edit: %q", conflict)
		}
		var diffTitle string
		var removed, added []string
		lines := func(class string) chromedp.Action[chromedp.Void] {
			dst := &removed
			if class == "diff-add" {
				dst = &added
			}
			return into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#diff .`+class+`")].map(s => s.textContent.trim())`), dst)
		}
		run(t, ctx, "the conflict shows their definition against the page's text",
			chromedp.WaitVisible(chromedp.CSS(`main[data-conflict] #rebase`)),
			into(chromedp.Text(chromedp.CSS(`#diff-title`)), &diffTitle),
			lines("diff-del"), lines("diff-add"),
		)
		if !strings.HasPrefix(diffTitle, "Nothing was saved. Someone else's definition (revision ") {
			t.Errorf("conflict title = %q", diffTitle)
		}
		if len(removed) == 0 || len(added) == 0 || !strings.Contains(strings.Join(added, "\n"), `"v": 3`) {
			t.Errorf("conflict diff: removed %q, added %q", removed, added)
		}
		if d, err := sdk.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil || aws.ToString(d.Definition) != editorMachine {
			t.Errorf("after the refused save, the deployed definition is %q (%v)", aws.ToString(d.Definition), err)
		}
		screenshot(t, ctx, "ui-editor-conflict")
		run(t, ctx, "update over their revision, knowingly",
			chromedp.Click(chromedp.CSS(`#rebase`)),
			chromedp.WaitVisible(chromedp.CSS(`#deploy`)),
			chromedp.Click(chromedp.CSS(`#deploy`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-deployed="updated"] #deploy-result:not([hidden])`)),
		)
		if d, err := sdk.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil || !strings.Contains(aws.ToString(d.Definition), `"v": 3`) {
			t.Errorf("after updating over their revision: %q (%v)", aws.ToString(d.Definition), err)
		}
	})

	t.Run("dashboard counts the executions run", func(t *testing.T) {
		arn := runOutcomes(t, s, "outcomes")
		totals := map[string]string{}
		var barsStarted, barsEnded, durationDots int
		var errorRows, stateRows []string
		read := []chromedp.Action[chromedp.Void]{
			into(chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll("#totals [data-count]")].map(td => [td.dataset.count, td.textContent]))`), &totals),
			into(chromedp.Evaluate[int](`[...document.querySelectorAll("#count-chart g.bar")].reduce((n, g) => n + Number(g.dataset.started), 0)`), &barsStarted),
			into(chromedp.Evaluate[int](`[...document.querySelectorAll("#count-chart g.bar")].reduce((n, g) => n + Number(g.dataset.ended), 0)`), &barsEnded),
			into(chromedp.Evaluate[int](`document.querySelectorAll("#duration-chart circle[data-series=p50Ms]").length`), &durationDots),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#errors tbody tr")].map(r => r.innerText.replace(/\s+/g, " ").trim())`), &errorRows),
			into(chromedp.Evaluate[[]string](`[...document.querySelectorAll("#slowest-states tbody tr")].map(r => r.dataset.state + " " + r.children[1].textContent)`), &stateRows),
		}
		check := func(rng string) {
			t.Helper()
			for k, want := range map[string]string{"started": "7", "succeeded": "3", "failed": "2", "timedOut": "0", "aborted": "1"} {
				if totals[k] != want {
					t.Errorf("%s: %s = %q, want %s", rng, k, totals[k], want)
				}
			}
			// Started is drawn by start, the outcomes by end: the one still waiting has not ended.
			if barsStarted != 7 || barsEnded != 6 {
				t.Errorf("%s: the bars add up to %d started and %d ended, want 7 and 6", rng, barsStarted, barsEnded)
			}
			if durationDots == 0 {
				t.Errorf("%s: no p50 drawn", rng)
			}
			if strings.Join(errorRows, "|") != "Boom 2 run-3" {
				t.Errorf("%s: error rows %q, want Boom 2 run-3", rng, errorRows)
			}
			states := strings.Join(stateRows, ",")
			for _, want := range []string{"Check 6", "Work 3", "Done 3"} {
				if !strings.Contains(states, want) {
					t.Errorf("%s: slowest states %q lack %q", rng, states, want)
				}
			}
		}
		steps := append([]chromedp.Action[chromedp.Void]{
			chromedp.Navigate(s.URL + "/ui/state-machines/" + esc(arn)),
			chromedp.WaitVisible(chromedp.CSS(`#performance-link`)),
			chromedp.Click(chromedp.CSS(`#performance-link`)),
			chromedp.WaitVisible(chromedp.CSS(`main[data-loaded="day"]`)),
		}, read...)
		run(t, ctx, "open the dashboard", steps...)
		check("day")
		screenshot(t, ctx, "performance")
		var dispatched bool
		steps = append([]chromedp.Action[chromedp.Void]{
			chromedp.SetValue(chromedp.CSS(`#range`), "hour"),
			into(chromedp.Evaluate[bool](`document.getElementById("range").dispatchEvent(new Event("change"))`), &dispatched),
			chromedp.WaitVisible(chromedp.CSS(`main[data-loaded="hour"]`)),
		}, read...)
		run(t, ctx, "the last hour", steps...)
		check("hour")
	})
}
