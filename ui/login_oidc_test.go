package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/internal/oidc"
	"github.com/stepflow/stepflow/internal/oidc/oidctest"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/ui"
)

// The rules of the OpenID Connect tests: the group stepflow-admins acts as the role admin,
// anyone else of example.com as the IAM user named by their email address.
var oidcRules = []string{"groups=stepflow-admins:role/admin", "email=*@example.com:user/*"}

// startOIDCServer is startSignInServer with sign-in through idp too, as stepflow server
// --auth iam --ui on --oidc-issuer ... mounts it.
func startOIDCServer(t *testing.T, idp *oidctest.Provider) *signInServer {
	t.Helper()
	return newSignInServer(t, false, func(directory *iam.Directory) *ui.OIDC {
		provider, err := oidc.New(oidc.Config{Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret})
		if err != nil {
			t.Fatal(err)
		}
		var rules []oidc.Rule
		for _, s := range oidcRules {
			r, err := oidc.ParseRule(s)
			if err != nil {
				t.Fatal(err)
			}
			rules = append(rules, r)
		}
		principalARN := func(kindAndName string) string {
			kind, name, _ := strings.Cut(kindAndName, "/")
			if kind == "role" {
				return directory.RoleARN(name)
			}
			return directory.UserARN(name)
		}
		return &ui.OIDC{Provider: provider, Name: "Test IdP", Rules: rules, PrincipalARN: principalARN}
	})
}

// principal makes a user or role with a policy.
func (s *signInServer) principal(t *testing.T, kind store.PrincipalKind, name, policy string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.dir.CreatePrincipal(ctx, kind, name, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.dir.PutPolicy(ctx, kind, name, "p", policy); err != nil {
		t.Fatal(err)
	}
}

// get follows one step of the flow: a GET of an absolute URL (the provider's) or a path of the UI.
func (b *browser) get(where string) (*http.Response, string) {
	b.t.Helper()
	if strings.HasPrefix(where, b.srv.URL) {
		where = strings.TrimPrefix(where, b.srv.URL)
	}
	if strings.HasPrefix(where, "/") {
		return b.do("GET", where, "", "", nil)
	}
	resp, err := b.client.Get(where)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp, ""
}

// toProvider begins a sign-in and follows the UI to the provider and the provider back: it
// returns the callback URL the provider sent the browser to.
func (b *browser) toProvider(next string) string {
	b.t.Helper()
	resp, body := b.get("/ui/login/oidc?next=" + url.QueryEscape(next))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("begin sign-in: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("provider's authorization endpoint: %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// signInOIDC goes through the whole sign-in; it returns the callback's answer.
func (b *browser) signInOIDC(next string) (*http.Response, string) {
	b.t.Helper()
	return b.get(b.toProvider(next))
}

// lastAudit is the audit log's last record of an action.
func (s *signInServer) lastAudit(t *testing.T, action string) map[string]any {
	t.Helper()
	lines := s.auditLines(t)
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i]["action"] == action {
			return lines[i]
		}
	}
	t.Fatalf("no audit record of %s in %v", action, lines)
	return nil
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "RS256")
	s := startOIDCServer(t, idp)
	s.principal(t, store.PrincipalRole, "admin", adminPolicy)
	s.principal(t, store.PrincipalUser, "reader@example.com", readOnlyPolicy)

	b := s.browser(t)
	resp, body := b.do("GET", "/ui/login", "", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="sign-in-oidc" href="/ui/login/oidc?next=%2Fui%2F">Sign in with Test IdP</a>`) {
		t.Fatalf("login page: %d, want a Sign in with Test IdP button in %s", resp.StatusCode, body)
	}

	// A reader of example.com signs in and acts as the user of their address: the page they
	// asked for is kept across the provider's sign-in.
	idp.SignInAs(map[string]any{"sub": "u-reader", "email": "reader@example.com", "email_verified": true})
	page := "/ui/state-machines/" + esc(s.machine)
	resp, body = b.signInOIDC(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `content="0;url=`+page+`"`) {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "stepflow_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/ui/" {
		t.Fatalf("session cookie = %+v", session)
	}
	info := b.session(page)
	if info.Principal != s.dir.UserARN("reader@example.com") {
		t.Fatalf("principal = %q", info.Principal)
	}
	if code, body := b.stop(info.CSRFToken); code != http.StatusForbidden || !strings.Contains(body,
		"User: arn:aws:iam::123456789012:user/reader@example.com is not authorized to perform: states:StopExecution on resource: "+s.running) {
		t.Fatalf("reader's stop: %d %s", code, body)
	}
	rec := s.lastAudit(t, "stepflow:SignIn")
	if rec["decision"] != "allow" || rec["reason"] != "signedIn" || rec["principal"] != s.dir.UserARN("reader@example.com") ||
		rec["subject"] != "u-reader" || rec["identityProvider"] != idp.Issuer || rec["accessKeyId"] != nil {
		t.Errorf("sign-in audit = %v", rec)
	}
	rec = s.lastAudit(t, "states:StopExecution")
	if rec["decision"] != "deny" || rec["subject"] != "u-reader" || rec["principal"] != s.dir.UserARN("reader@example.com") {
		t.Errorf("denied stop audit = %v", rec)
	}

	// The provider rotates its key between two sign-ins; an admin of the group acts as the
	// role and may stop. The new key is fetched when a token names it.
	idp.Rotate(oidctest.NewKey(t, "RS256", "key-2"))
	admin := s.browser(t)
	idp.SignInAs(map[string]any{"sub": "u-admin", "email": "admin@example.com", "groups": []string{"stepflow-admins"}})
	if resp, body := admin.signInOIDC("/ui/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin's sign-in after the key rotation: %d %s", resp.StatusCode, body)
	}
	if n := idp.KeyReads(); n != 2 {
		t.Errorf("keys read %d times, want 2 (once, then after the rotation)", n)
	}
	info = admin.session("/ui/executions/" + esc(s.running))
	if info.Principal != s.dir.RoleARN("admin") {
		t.Fatalf("admin principal = %q", info.Principal)
	}
	if code, body := admin.stop(""); code != http.StatusForbidden || !strings.Contains(body, "CSRF") {
		t.Fatalf("stop without the CSRF token: %d %s", code, body)
	}
	if code, body := admin.stop(info.CSRFToken); code != http.StatusOK {
		t.Fatalf("admin's stop: %d %s", code, body)
	}
	rec = s.lastAudit(t, "states:StopExecution")
	if rec["decision"] != "allow" || rec["principal"] != s.dir.RoleARN("admin") || rec["subject"] != "u-admin" {
		t.Errorf("allowed stop audit = %v", rec)
	}

	// The reader's user is deleted: their session ends at the next request.
	if err := s.dir.DeletePrincipal(context.Background(), store.PrincipalUser, "reader@example.com"); err != nil {
		t.Fatal(err)
	}
	resp, body = b.do("GET", "/ui/api/state-machines", "", "", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The IAM user or role you acted as no longer exists: sign in again.") {
		t.Fatalf("after the user was deleted: %d %s", resp.StatusCode, body)
	}
}

func TestOIDCRefusals(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "ES256")
	s := startOIDCServer(t, idp)
	s.principal(t, store.PrincipalUser, "alice@example.com", readOnlyPolicy)
	idp.SignInAs(map[string]any{"sub": "u-alice", "email": "alice@example.com"})
	stranger := oidctest.NewKey(t, "ES256", "key-1")
	unpublished := oidctest.NewKey(t, "ES256", "key-7")

	// refused checks a callback's answer, that no session came of it, and its audit record.
	refused := func(t *testing.T, b *browser, resp *http.Response, body string, status int, reason, message, subject string) {
		t.Helper()
		if resp.StatusCode != status || !strings.Contains(body, message) {
			t.Fatalf("callback: %d %s, want %d with %q", resp.StatusCode, body, status, message)
		}
		if resp, _ := b.do("GET", "/ui/api/session", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a refused sign-in left a session: %d", resp.StatusCode)
		}
		rec := s.lastAudit(t, "stepflow:SignIn")
		if rec["decision"] != "deny" || rec["reason"] != reason || rec["errorCode"] != "AccessDeniedException" ||
			rec["identityProvider"] != idp.Issuer || (rec["subject"] != nil && rec["subject"] != subject) || (subject != "" && rec["subject"] != subject) {
			t.Fatalf("audit = %v, want a denial for %s", rec, reason)
		}
	}

	t.Run("wrong state", func(t *testing.T) {
		b := s.browser(t)
		callback := b.toProvider("/ui/")
		u, _ := url.Parse(callback)
		q := u.Query()
		q.Set("state", "not-this-one")
		u.RawQuery = q.Encode()
		resp, body := b.get(u.String())
		refused(t, b, resp, body, http.StatusBadRequest, "badState", "This sign-in is not one this browser began, has expired, or was finished already.", "")
	})
	t.Run("replayed callback", func(t *testing.T) {
		b := s.browser(t)
		callback := b.toProvider("/ui/")
		if resp, body := b.get(callback); resp.StatusCode != http.StatusOK {
			t.Fatalf("first use: %d %s", resp.StatusCode, body)
		}
		other := s.browser(t) // the URL is good once, in the browser that began it
		resp, body := other.get(callback)
		refused(t, other, resp, body, http.StatusBadRequest, "badState", "was finished already", "")
		b.client.Jar.SetCookies(mustURL(s.URL+"/ui/"), []*http.Cookie{{Name: "stepflow_session", Value: "", Path: "/ui/", MaxAge: -1}})
		resp, body = b.get(callback)
		refused(t, b, resp, body, http.StatusBadRequest, "badState", "was finished already", "")
	})
	t.Run("callback in another browser", func(t *testing.T) {
		callback := s.browser(t).toProvider("/ui/")
		other := s.browser(t)
		resp, body := other.get(callback)
		refused(t, other, resp, body, http.StatusBadRequest, "badState", "not one this browser began", "")
	})
	t.Run("replayed code", func(t *testing.T) {
		b := s.browser(t)
		first := mustURL(b.toProvider("/ui/"))
		if resp, body := b.get(first.String()); resp.StatusCode != http.StatusOK {
			t.Fatalf("first use: %d %s", resp.StatusCode, body)
		}
		b.client.Jar.SetCookies(mustURL(s.URL+"/ui/"), []*http.Cookie{{Name: "stepflow_session", Value: "", Path: "/ui/", MaxAge: -1}})
		// A new sign-in whose callback carries the code already spent.
		second := mustURL(b.toProvider("/ui/"))
		q := second.Query()
		q.Set("code", first.Query().Get("code"))
		second.RawQuery = q.Encode()
		resp, body := b.get(second.String())
		refused(t, b, resp, body, http.StatusUnauthorized, oidc.ReasonCodeRefused, "the provider refused the sign-in code: invalid_grant", "")
	})
	for _, tc := range []struct {
		name    string
		bend    func(claims, header map[string]any)
		signer  *oidctest.Key
		reason  string
		message string
	}{
		{name: "wrong audience", bend: func(c, h map[string]any) { c["aud"] = "another-app" },
			reason: oidc.ReasonWrongAudience, message: "The provider&#39;s answer was refused: the ID token is for [another-app], not for this client (stepflow-ui)."},
		{name: "expired token", bend: func(c, h map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() },
			reason: oidc.ReasonExpiredToken, message: "The provider&#39;s answer was refused: the ID token expired at "},
		{name: "bad signature", signer: stranger,
			reason: oidc.ReasonBadSignature, message: "the ID token&#39;s signature is not the provider&#39;s (key &#34;key-1&#34;)"},
		{name: "unknown kid", signer: unpublished,
			reason: oidc.ReasonUnknownKey, message: "the ID token is signed with key &#34;key-7&#34; (ES256), which is not among the provider&#39;s keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idp.Bend(tc.bend)
			if tc.signer != nil {
				idp.SignWith(tc.signer)
			}
			b := s.browser(t)
			resp, body := b.signInOIDC("/ui/")
			idp.Bend(nil)
			idp.SignWith(idp.Published())
			refused(t, b, resp, body, http.StatusUnauthorized, tc.reason, tc.message, "")
		})
	}
	t.Run("unmapped subject", func(t *testing.T) {
		idp.SignInAs(map[string]any{"sub": "u-mallory", "email": "mallory@elsewhere.org"})
		defer idp.SignInAs(map[string]any{"sub": "u-alice", "email": "alice@example.com"})
		b := s.browser(t)
		resp, body := b.signInOIDC("/ui/")
		refused(t, b, resp, body, http.StatusForbidden, "unmappedIdentity",
			"You (mallory@elsewhere.org) signed in at the provider, but are not allowed into Stepflow: no rule of the server&#39;s --oidc-principal admits you.", "u-mallory")
	})
	t.Run("unverified email", func(t *testing.T) {
		idp.SignInAs(map[string]any{"sub": "u-eve", "email": "alice@example.com", "email_verified": false})
		defer idp.SignInAs(map[string]any{"sub": "u-alice", "email": "alice@example.com"})
		b := s.browser(t)
		resp, body := b.signInOIDC("/ui/")
		refused(t, b, resp, body, http.StatusForbidden, "unmappedIdentity", "are not allowed into Stepflow", "u-eve")
	})
	t.Run("principal that does not exist", func(t *testing.T) {
		idp.SignInAs(map[string]any{"sub": "u-bob", "email": "bob@example.com"})
		defer idp.SignInAs(map[string]any{"sub": "u-alice", "email": "alice@example.com"})
		b := s.browser(t)
		resp, body := b.signInOIDC("/ui/")
		refused(t, b, resp, body, http.StatusForbidden, "noSuchPrincipal", "You (bob@example.com) are to act as user/bob@example.com, which does not exist on this server.", "u-bob")
	})
	t.Run("provider refuses", func(t *testing.T) {
		idp.SignInAs(nil)
		defer idp.SignInAs(map[string]any{"sub": "u-alice", "email": "alice@example.com"})
		b := s.browser(t)
		resp, body := b.signInOIDC("/ui/")
		refused(t, b, resp, body, http.StatusUnauthorized, "providerRefused", "The provider did not sign you in (access_denied: The person declined to sign in.).", "")
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
