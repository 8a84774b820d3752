package ui_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stepflow/stepflow/internal/oidc/oidctest"
	"github.com/stepflow/stepflow/store"
)

// In Chromium, a person presses "Sign in with Test IdP", passes the provider (on another
// site: 127.0.0.1 while the UI is reached as localhost) and lands on the page they asked for,
// signed in: the SameSite=Strict session cookie is sent although they came from the
// provider's site, and Stop works with the session's CSRF token.
func TestBrowserSignInWithOIDC(t *testing.T) {
	idp := oidctest.New(t, "RS256")
	s := startOIDCServer(t, idp)
	s.principal(t, store.PrincipalRole, "admin", adminPolicy)
	idp.SignInAs(map[string]any{"sub": "u-admin", "email": "admin@example.com", "groups": []string{"stepflow-admins"}})
	// The provider asks the person to approve: the way back is a navigation its page began.
	idp.AskToApprove(true)
	ctx := newBrowser(t)
	site := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	executionPage := site + "/ui/executions/" + esc(s.running)

	var who, location string
	run(t, ctx, "sign in through the provider",
		chromedp.Navigate(executionPage),
		chromedp.WaitVisible(chromedp.CSS(`#sign-in-oidc`)),
		chromedp.Click(chromedp.CSS(`#sign-in-oidc`)),
		chromedp.WaitVisible(chromedp.CSS(`#approve`)),
		chromedp.Click(chromedp.CSS(`#approve`)),
		chromedp.WaitVisible(chromedp.CSS(`#stop`)),
		into(chromedp.Location(), &location),
		chromedp.WaitVisible(chromedp.CSS(`#signed-in-as`)),
		into(chromedp.Text(chromedp.CSS(`#signed-in-as`)), &who),
	)
	if location != executionPage {
		t.Errorf("landed on %s, want %s", location, executionPage)
	}
	if who != "arn:aws:iam::123456789012:role/admin" {
		t.Errorf("signed in as %q", who)
	}
	screenshot(t, ctx, "signed-in-with-oidc")
	run(t, ctx, "stop the execution",
		chromedp.Click(chromedp.CSS(`#stop`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-status="ABORTED"]`)),
	)
	rec := s.lastAudit(t, "states:StopExecution")
	if rec["decision"] != "allow" || rec["principal"] != "arn:aws:iam::123456789012:role/admin" || rec["subject"] != "u-admin" {
		t.Errorf("stop audit = %v", rec)
	}
}
