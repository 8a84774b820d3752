package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signInSteps fill the login page and send it.
func signInSteps(url, keyID, secret string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(url + "/ui/"),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
		chromedp.SetValue(chromedp.CSS(`#access-key-id`), keyID),
		chromedp.SetValue(chromedp.CSS(`#secret-access-key`), secret),
		chromedp.Click(chromedp.CSS(`#sign-in`)),
	}
}

func TestBrowserSignIn(t *testing.T) {
	s := startSignInServer(t, false)
	admin := s.user(t, "admin", adminPolicy)
	reader := s.user(t, "reader", readOnlyPolicy)
	ctx := newBrowser(t)
	executionPage := s.URL + "/ui/executions/" + esc(s.running)

	var message string
	run(t, ctx, "a wrong secret is refused", append(signInSteps(s.URL, admin.ID, "wrong"),
		chromedp.WaitVisible(chromedp.CSS(`#login-error`)),
		into(chromedp.Text(chromedp.CSS(`#login-error`)), &message))...)
	if message != "The access key ID or the secret access key is not right, or the key is not active." {
		t.Errorf("login error = %q", message)
	}
	screenshot(t, ctx, "login-refused")

	var who, list string
	run(t, ctx, "the admin signs in and sees the list", append(signInSteps(s.URL, admin.ID, admin.Secret),
		chromedp.WaitVisible(chromedp.CSS(`main[data-page="state-machines"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#signed-in-as`)),
		into(chromedp.Text(chromedp.CSS(`#signed-in-as`)), &who),
		into(chromedp.Text(chromedp.CSS(`main`)), &list))...)
	if who != "arn:aws:iam::123456789012:user/admin" {
		t.Errorf("signed in as %q", who)
	}
	if !strings.Contains(list, "Hold") {
		t.Errorf("the list lacks the state machine Hold: %s", list)
	}
	screenshot(t, ctx, "signed-in-list")

	// The admin's Stop goes through: the page's script sends the session's CSRF token.
	run(t, ctx, "the admin stops the execution",
		chromedp.Navigate(executionPage),
		chromedp.WaitVisible(chromedp.CSS(`#stop`)),
		chromedp.Click(chromedp.CSS(`#stop`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-status="ABORTED"]`)),
	)
	// The editor's deploy goes through the API as the admin, with the token too.
	run(t, ctx, "the admin creates a state machine in the editor",
		chromedp.Navigate(s.URL+"/ui/editor"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-validation="OK"]`)),
		chromedp.SetValue(chromedp.CSS(`#sm-name`), "from-ui"),
		chromedp.Click(chromedp.CSS(`#review`)),
		chromedp.WaitVisible(chromedp.CSS(`#review-pane`)),
		chromedp.Click(chromedp.CSS(`#deploy`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-deployed="created"]`)),
	)
	created := false
	for _, rec := range s.auditLines(t) {
		if rec["action"] == "states:CreateStateMachine" && rec["principal"] == "arn:aws:iam::123456789012:user/admin" &&
			rec["decision"] == "allow" && rec["resource"] == "arn:aws:states:us-east-1:123456789012:stateMachine:from-ui" {
			created = true
		}
	}
	if !created {
		t.Errorf("no audit record of the admin's CreateStateMachine from the editor")
	}
	run(t, ctx, "the admin signs out",
		chromedp.Click(chromedp.CSS(`#sign-out`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
		chromedp.Navigate(s.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
	)

	// The reader sees the list and a running execution, without Stop or Start.
	var started struct{ ExecutionArn string }
	if err := s.api.Call(context.Background(), "StartExecution", map[string]any{"stateMachineArn": s.machine, "name": "held-again"}, &started); err != nil {
		t.Fatal(err)
	}
	var stopDisplay, startDisplay, newLinkDisplay string
	run(t, ctx, "the reader signs in", append(signInSteps(s.URL, reader.ID, reader.Secret),
		chromedp.WaitVisible(chromedp.CSS(`main[data-page="state-machines"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#signed-in-as`)),
		into(chromedp.Text(chromedp.CSS(`main`)), &list))...)
	if !strings.Contains(list, "Hold") {
		t.Errorf("the reader's list lacks the state machine Hold: %s", list)
	}
	run(t, ctx, "the reader opens the running execution",
		chromedp.Navigate(s.URL+"/ui/executions/"+esc(started.ExecutionArn)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-status="RUNNING"]`)),
		chromedp.WaitReady(chromedp.CSS(`#session-hide`)),
		into(chromedp.Evaluate[string](`getComputedStyle(document.getElementById("stop")).display`), &stopDisplay),
		into(chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.topbar a[href="/ui/editor"]')).display`), &newLinkDisplay),
	)
	if stopDisplay != "none" {
		t.Errorf("the reader's Stop button has display %q, want none", stopDisplay)
	}
	if newLinkDisplay != "none" {
		t.Errorf("the reader's New state machine link has display %q, want none", newLinkDisplay)
	}
	screenshot(t, ctx, "read-only-execution")
	run(t, ctx, "the reader opens the state machine",
		chromedp.Navigate(s.URL+"/ui/state-machines/"+esc(s.machine)),
		chromedp.WaitReady(chromedp.CSS(`#session-hide`)),
		into(chromedp.Evaluate[string](`getComputedStyle(document.getElementById("start-form")).display`), &startDisplay),
	)
	if startDisplay != "none" {
		t.Errorf("the reader's start form has display %q, want none", startDisplay)
	}
	var reviewDisplay string
	run(t, ctx, "the reader opens the editor",
		chromedp.Navigate(s.URL+"/ui/state-machines/"+esc(s.machine)+"/edit"),
		chromedp.WaitReady(chromedp.CSS(`#session-hide`)),
		into(chromedp.Evaluate[string](`getComputedStyle(document.getElementById("review")).display`), &reviewDisplay),
	)
	if reviewDisplay != "none" {
		t.Errorf("the reader's Review and update button has display %q, want none", reviewDisplay)
	}

	// Through the JSON endpoint, with the session's token, the stop is refused by policy.
	var answer string
	run(t, ctx, "the reader tries to stop through the JSON endpoint",
		into(chromedp.Evaluate[string](`fetch("/ui/api/executions/`+esc(started.ExecutionArn)+`/stop", {method: "POST",
			headers: {"Content-Type": "application/json"}, body: "{}"}).then(async r => r.status + " " + (await r.json()).error)`, chromedp.EvalAwaitPromise), &answer),
	)
	want := "403 AccessDeniedException: User: arn:aws:iam::123456789012:user/reader is not authorized to perform: states:StopExecution on resource: " +
		started.ExecutionArn + " because no identity-based policy allows the states:StopExecution action"
	if answer != want {
		t.Errorf("the reader's stop through fetch answered %q, want %q", answer, want)
	}
	var status struct{ Status string }
	if err := s.api.Call(context.Background(), "DescribeExecution", map[string]any{"executionArn": started.ExecutionArn}, &status); err != nil || status.Status != "RUNNING" {
		t.Errorf("after the reader's stop: %v %s, want RUNNING", err, status.Status)
	}
}
