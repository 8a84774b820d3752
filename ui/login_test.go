package ui_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/ui"
)

// Policies of the two people of the login tests.
const (
	adminPolicy    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["states:*","events:*","scheduler:*"],"Resource":"*"}]}`
	readOnlyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["states:List*","states:Describe*","states:Get*","states:ValidateStateMachineDefinition"],"Resource":"*"}]}`
)

// waitingMachine waits an hour: its executions stay RUNNING for the test.
const waitingMachine = `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":3600,"End":true}}}`

// signInServer is the UI with sign-in in front of an API that authorizes with IAM, as
// stepflow server --auth iam --ui on mounts them, over real HTTP on a real SQLite file.
type signInServer struct {
	*httptest.Server
	api      *api.Server
	dir      *iam.Directory
	clock    *testClock
	auditLog string
	machine  string // a state machine's ARN
	running  string // a RUNNING execution of it
}

// testClock is the sessions' clock, moved by the test to see a session expire.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func startSignInServer(t *testing.T, tls bool) *signInServer {
	t.Helper()
	return newSignInServer(t, tls, nil)
}

// newSignInServer starts the server of startSignInServer; withOIDC, when not nil, gives the
// sign-in through an OpenID Connect provider for the server's IAM directory.
func newSignInServer(t *testing.T, tls bool, withOIDC func(*iam.Directory) *ui.OIDC) *signInServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "stepflow.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.New(engine.Config{Store: st, Invoker: task.NewRouter(), Scope: sfn.DefaultScope})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		eng.Close(ctx)
	})
	box, err := iam.NewSecretBox([]byte("an AES-256 server key, 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	directory := iam.NewDirectory(st, box, sfn.DefaultScope, nil)
	auditPath := filepath.Join(dir, "audit.log")
	auditFile, err := os.Create(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auditFile.Close() })
	apiServer, err := api.New(api.Config{Engine: eng, IAM: directory, AuditLog: auditFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(apiServer.Close)
	clock := &testClock{t: time.Now()}
	login := ui.Login{Authority: apiServer, Now: clock.now}
	if withOIDC != nil {
		login.OIDC = withOIDC(directory)
	}
	mux := http.NewServeMux()
	mux.Handle("/", apiServer)
	mux.Handle(ui.Prefix, ui.Handler(eng, ui.WithOperations(apiServer), ui.WithLogin(login)))
	srv := httptest.NewUnstartedServer(mux)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)

	// The machine and its execution are made by the operator, in process, as nobody.
	var created struct{ StateMachineArn string }
	if err := apiServer.Call(ctx, "CreateStateMachine", map[string]any{"name": "Hold", "definition": waitingMachine,
		"roleArn": "arn:aws:iam::123456789012:role/r"}, &created); err != nil {
		t.Fatal(err)
	}
	var started struct{ ExecutionArn string }
	if err := apiServer.Call(ctx, "StartExecution", map[string]any{"stateMachineArn": created.StateMachineArn, "name": "held"}, &started); err != nil {
		t.Fatal(err)
	}
	return &signInServer{Server: srv, api: apiServer, dir: directory, clock: clock, auditLog: auditPath,
		machine: created.StateMachineArn, running: started.ExecutionArn}
}

// user makes a user with a policy and an access key of it.
func (s *signInServer) user(t *testing.T, name, policy string) *iam.NewAccessKey {
	t.Helper()
	ctx := context.Background()
	if _, err := s.dir.CreatePrincipal(ctx, store.PrincipalUser, name, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.dir.PutPolicy(ctx, store.PrincipalUser, name, "policy", policy); err != nil {
		t.Fatal(err)
	}
	key, err := s.dir.CreateAccessKey(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// browser is an HTTP client with a cookie jar that does not follow redirects, so that each
// answer can be looked at.
type browser struct {
	t      *testing.T
	srv    *signInServer
	client *http.Client
}

func (s *signInServer) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := *s.Client() // a copy: each browser has its own cookies
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, srv: s, client: &client}
}

// do sends a request and returns the answer with its body read.
func (b *browser) do(method, path, contentType, body string, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(data)
}

func (b *browser) signIn(keyID, secret string) (*http.Response, string) {
	b.t.Helper()
	form := url.Values{"access_key_id": {keyID}, "secret_access_key": {secret}, "next": {"/ui/"}}
	return b.do("POST", "/ui/login", "application/x-www-form-urlencoded", form.Encode(), nil)
}

// session is what the pages' script learns of the session for a page.
type sessionInfo struct {
	Principal string   `json:"principal"`
	CSRFToken string   `json:"csrfToken"`
	Hide      []string `json:"hide"`
}

func (b *browser) session(page string) sessionInfo {
	b.t.Helper()
	resp, body := b.do("GET", "/ui/api/session?page="+url.QueryEscape(page), "", "", nil)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /ui/api/session: %d %s", resp.StatusCode, body)
	}
	var info sessionInfo
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		b.t.Fatal(err)
	}
	return info
}

func (b *browser) stop(csrf string) (int, string) {
	b.t.Helper()
	header := map[string]string{}
	if csrf != "" {
		header["X-CSRF-Token"] = csrf
	}
	resp, body := b.do("POST", "/ui/api/executions/"+esc(b.srv.running)+"/stop", "application/json", `{"error":"E","cause":"by hand"}`, header)
	return resp.StatusCode, body
}

// auditLines are the audit log's records.
func (s *signInServer) auditLines(t *testing.T) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(s.auditLog)
	if err != nil {
		t.Fatal(err)
	}
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		records = append(records, rec)
	}
	return records
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	s := startSignInServer(t, false)
	admin := s.user(t, "admin", adminPolicy)
	b := s.browser(t)

	// Nobody signed in: pages send to the login page, JSON answers 401.
	resp, _ := b.do("GET", "/ui/state-machines/"+esc(s.machine), "", "", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login?next="+url.QueryEscape("/ui/state-machines/"+esc(s.machine)) {
		t.Errorf("page without a session: %d Location %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.do("GET", "/ui/api/state-machines", "", "", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Sign in first.") {
		t.Errorf("JSON without a session: %d %s, want 401", resp.StatusCode, body)
	}
	if st, body := b.stop(""); st != http.StatusUnauthorized {
		t.Errorf("stop without a session: %d %s, want 401", st, body)
	}
	resp, body = b.do("GET", "/ui/login", "", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="login-form"`) {
		t.Errorf("login page: %d %s", resp.StatusCode, body)
	}
	if resp, _ := b.do("GET", "/ui/assets/ui.css", "", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("assets without a session: %d, want 200 (the login page uses them)", resp.StatusCode)
	}

	// A wrong secret is refused, slowly, and audited without the secret.
	began := time.Now()
	resp, body = b.signIn(admin.ID, "not-"+admin.Secret)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The access key ID or the secret access key is not right, or the key is not active.") {
		t.Errorf("wrong secret: %d %s", resp.StatusCode, body)
	}
	if took := time.Since(began); took < time.Second {
		t.Errorf("a failed sign-in was answered after %v, want at least 1s", took)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("a failed sign-in set cookies %v", resp.Cookies())
	}
	resp, _ = b.signIn("AKIANOSUCHKEY0000000", "whatever")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown key: %d, want 401", resp.StatusCode)
	}

	// The right secret: a session cookie, HttpOnly, SameSite=Strict, under /ui/, not Secure
	// over plain HTTP.
	resp, _ = b.signIn(admin.ID, admin.Secret)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Fatalf("sign-in: %d Location %q, want 303 to /ui/", resp.StatusCode, resp.Header.Get("Location"))
	}
	setCookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"stepflow_session=", "Path=/ui/", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %s", setCookie, want)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP", setCookie)
	}
	if id := resp.Cookies()[0].Value; len(id) != 43 { // 256 bits, base64url without padding
		t.Errorf("session id %q has %d characters, want 43 (256 bits)", id, len(id))
	}
	resp, body = b.do("GET", "/ui/", "", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Hold") {
		t.Errorf("list after sign-in: %d", resp.StatusCode)
	}
	info := b.session("/ui/executions/" + esc(s.running))
	if info.Principal != "arn:aws:iam::123456789012:user/admin" || len(info.Hide) != 0 {
		t.Errorf("session of admin: %+v, want the admin's ARN and nothing hidden", info)
	}

	records := s.auditLines(t)
	data, _ := os.ReadFile(s.auditLog)
	if strings.Contains(string(data), admin.Secret) {
		t.Errorf("the audit log holds the secret: %s", data)
	}
	var denied, allowed int
	for _, rec := range records {
		if rec["action"] != "stepflow:SignIn" {
			continue
		}
		if rec["accessKeyId"] == admin.ID && rec["decision"] == "deny" && rec["reason"] == "badCredentials" &&
			rec["errorCode"] == "UnrecognizedClientException" && rec["sourceIp"] == "127.0.0.1" && rec["operation"] == "POST /ui/login" {
			denied++
		}
		if rec["accessKeyId"] == admin.ID && rec["decision"] == "allow" && rec["principal"] == "arn:aws:iam::123456789012:user/admin" {
			allowed++
		}
	}
	if denied != 1 || allowed != 1 {
		t.Errorf("audit log has %d refused and %d accepted sign-ins of the admin's key, want 1 and 1:\n%s", denied, allowed, data)
	}

	// Sign out: the session ends, its cookie with it.
	resp, body = b.do("POST", "/ui/logout", "application/x-www-form-urlencoded", "csrf_token=wrong", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign out with a wrong token: %d %s, want 403", resp.StatusCode, body)
	}
	resp, _ = b.do("POST", "/ui/logout", "application/x-www-form-urlencoded", "csrf_token="+info.CSRFToken, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Errorf("sign out: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := b.do("GET", "/ui/api/state-machines", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", resp.StatusCode)
	}
}

func TestSignInCookieSecureOverTLS(t *testing.T) {
	t.Parallel()
	s := startSignInServer(t, true)
	admin := s.user(t, "admin", adminPolicy)
	resp, _ := s.browser(t).signIn(admin.ID, admin.Secret)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in over TLS: %d", resp.StatusCode)
	}
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") {
		t.Errorf("Set-Cookie over TLS %q, want Secure and HttpOnly", c)
	}
}

func TestSignInCSRF(t *testing.T) {
	t.Parallel()
	s := startSignInServer(t, false)
	admin := s.user(t, "admin", adminPolicy)
	b := s.browser(t)
	b.signIn(admin.ID, admin.Secret)
	info := b.session("/ui/")

	if st, body := b.stop(""); st != http.StatusForbidden || !strings.Contains(body, "this request lacks the session's CSRF token (header X-CSRF-Token)") {
		t.Errorf("stop without a CSRF token: %d %s", st, body)
	}
	wrong := info.CSRFToken[:42] + "A"
	if wrong == info.CSRFToken {
		wrong = info.CSRFToken[:42] + "B" // one token in 64 ends in "A"
	}
	if st, body := b.stop(wrong); st != http.StatusForbidden || !strings.Contains(body, "this request's CSRF token is not the session's") {
		t.Errorf("stop with a wrong CSRF token: %d %s", st, body)
	}
	resp, body := b.do("POST", "/ui/api/deploy", "application/json", `{"name":"X","definition":"{}"}`, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
		t.Errorf("deploy without a CSRF token: %d %s", resp.StatusCode, body)
	}
	var ex struct{ Status string }
	if err := s.api.Call(context.Background(), "DescribeExecution", map[string]any{"executionArn": s.running}, &ex); err != nil || ex.Status != "RUNNING" {
		t.Fatalf("execution after refused stops: %v %s, want RUNNING", err, ex.Status)
	}
	// Another person's token is not this session's.
	other := s.browser(t)
	other.signIn(admin.ID, admin.Secret)
	if st, _ := b.stop(other.session("/ui/").CSRFToken); st != http.StatusForbidden {
		t.Errorf("stop with another session's token: %d, want 403", st)
	}
	if st, body := b.stop(info.CSRFToken); st != http.StatusOK {
		t.Errorf("stop with the token: %d %s", st, body)
	}
	// An action the access rules do not know is refused, token or not.
	resp, body = b.do("POST", "/ui/api/not-a-route", "application/json", "{}", map[string]string{"X-CSRF-Token": info.CSRFToken})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AccessDeniedException: the UI has no access rule for POST /ui/api/not-a-route") {
		t.Errorf("unknown action: %d %s", resp.StatusCode, body)
	}

	// Stops are audited with the principal that made them.
	found := false
	for _, rec := range s.auditLines(t) {
		if rec["action"] == "states:StopExecution" && rec["principal"] == "arn:aws:iam::123456789012:user/admin" &&
			rec["resource"] == s.running && rec["decision"] == "allow" {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit record of the admin's stop")
	}
}

func TestSignInReadOnly(t *testing.T) {
	t.Parallel()
	s := startSignInServer(t, false)
	reader := s.user(t, "reader", readOnlyPolicy)
	b := s.browser(t)
	if resp, body := b.signIn(reader.ID, reader.Secret); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	// The reader sees the list and the execution...
	for _, path := range []string{"/ui/", "/ui/executions/" + esc(s.running), "/ui/api/executions/" + esc(s.running)} {
		if resp, body := b.do("GET", path, "", "", nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	// ... without its Stop and Redrive buttons, nor those of the other pages' actions ...
	info := b.session("/ui/executions/" + esc(s.running))
	for _, want := range []string{"#stop", "#redrive", `[data-action="approve"]`, `.topbar a[href="/ui/editor"]`} {
		if !strings.Contains(strings.Join(info.Hide, "\n"), want) {
			t.Errorf("session of the reader on the execution page hides %q, want %s among them", info.Hide, want)
		}
	}
	if hide := b.session("/ui/state-machines/" + esc(s.machine)).Hide; !strings.Contains(strings.Join(hide, " "), "#start-form") {
		t.Errorf("session of the reader on the state machine page hides %q, want #start-form", hide)
	}

	// ... and cannot stop it, start one, or deploy through the JSON endpoints.
	user := "arn:aws:iam::123456789012:user/reader"
	st, body := b.stop(info.CSRFToken)
	want := "AccessDeniedException: User: " + user + " is not authorized to perform: states:StopExecution on resource: " + s.running +
		" because no identity-based policy allows the states:StopExecution action"
	if st != http.StatusForbidden || !strings.Contains(body, want) {
		t.Errorf("reader's stop: %d %s, want 403 %s", st, body, want)
	}
	csrf := map[string]string{"X-CSRF-Token": info.CSRFToken}
	resp, body := b.do("POST", "/ui/api/state-machines/"+esc(s.machine)+"/executions", "application/json", `{"name":"x"}`, csrf)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "states:StartExecution on resource: "+s.machine) {
		t.Errorf("reader's start: %d %s", resp.StatusCode, body)
	}
	resp, body = b.do("POST", "/ui/api/deploy", "application/json",
		`{"action":"update","stateMachineArn":"`+s.machine+`","definition":`+jsonString(waitingMachine)+`,"roleArn":"arn:aws:iam::123456789012:role/r"}`, csrf)
	if !strings.Contains(body, "AccessDeniedException: User: "+user+" is not authorized to perform: states:UpdateStateMachine") {
		t.Errorf("reader's deploy: %d %s", resp.StatusCode, body)
	}
	resp, body = b.do("POST", "/ui/api/call/SendTaskSuccess", "application/json", `{"taskToken":"t","output":"{}"}`, csrf)
	if !strings.Contains(body, "AccessDeniedException: User: "+user+" is not authorized to perform: states:SendTaskSuccess") {
		t.Errorf("reader's SendTaskSuccess: %d %s", resp.StatusCode, body)
	}
	// A page the policies do not allow is refused with the API's message.
	resp, body = b.do("GET", "/ui/rules", "", "", nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "events:ListRules") {
		t.Errorf("reader's rules page: %d %s", resp.StatusCode, body)
	}
	var ex struct{ Status string }
	if err := s.api.Call(context.Background(), "DescribeExecution", map[string]any{"executionArn": s.running}, &ex); err != nil || ex.Status != "RUNNING" {
		t.Fatalf("execution after the reader's stop: %v %s, want RUNNING", err, ex.Status)
	}
	denials := 0
	for _, rec := range s.auditLines(t) {
		if rec["principal"] == user && rec["decision"] == "deny" {
			denials++
		}
	}
	if denials < 4 {
		t.Errorf("audit log has %d denials of the reader, want at least 4 (stop, start, deploy, task success)", denials)
	}

	// Policies apply as they are now: granted StopExecution, the reader may stop.
	if err := s.dir.PutPolicy(context.Background(), store.PrincipalUser, "reader", "stop",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:StopExecution","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	if st, body := b.stop(info.CSRFToken); st != http.StatusOK {
		t.Errorf("reader's stop once allowed: %d %s", st, body)
	}
}

func jsonString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

func TestSignInDisabledKeyAndExpiry(t *testing.T) {
	t.Parallel()
	s := startSignInServer(t, false)
	admin := s.user(t, "admin", adminPolicy)
	ctx := context.Background()
	b := s.browser(t)
	b.signIn(admin.ID, admin.Secret)
	if resp, _ := b.do("GET", "/ui/api/state-machines", "", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	// Disabling the key ends the session at its next request, and refuses signing in.
	if err := s.dir.UpdateAccessKey(ctx, "admin", admin.ID, store.AccessKeyInactive); err != nil {
		t.Fatal(err)
	}
	resp, body := b.do("GET", "/ui/api/state-machines", "", "", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Your access key is no longer active") {
		t.Errorf("with the key disabled: %d %s, want 401", resp.StatusCode, body)
	}
	if resp, _ := b.signIn(admin.ID, admin.Secret); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with a disabled key: %d, want 401", resp.StatusCode)
	}
	if err := s.dir.UpdateAccessKey(ctx, "admin", admin.ID, store.AccessKeyActive); err != nil {
		t.Fatal(err)
	}
	// Re-enabled: the old session stays ended, a new sign-in works.
	if resp, _ := b.do("GET", "/ui/api/state-machines", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the ended session came back: %d", resp.StatusCode)
	}
	b.signIn(admin.ID, admin.Secret)
	if resp, _ := b.do("GET", "/ui/api/state-machines", "", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in again: %d", resp.StatusCode)
	}

	// A session used within the idle timeout lives on; one left idle longer ends.
	s.clock.advance(ui.SessionIdleTimeout - time.Minute)
	if resp, _ := b.do("GET", "/ui/", "", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("used within the idle timeout: %d, want 200", resp.StatusCode)
	}
	s.clock.advance(ui.SessionIdleTimeout + time.Second)
	if resp, _ := b.do("GET", "/ui/", "", "", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
		t.Errorf("after the idle timeout: %d %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Deleting the key is the same as disabling it.
	b.signIn(admin.ID, admin.Secret)
	if err := s.dir.DeleteAccessKey(ctx, "admin", admin.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := b.do("GET", "/ui/api/state-machines", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("with the key deleted: %d, want 401", resp.StatusCode)
	}
}

func TestSignInFailuresLimited(t *testing.T) {
	t.Parallel()
	s := startSignInServer(t, false)
	admin := s.user(t, "admin", adminPolicy)
	b := s.browser(t)
	for i := 0; i < 10; i++ {
		if resp, _ := b.signIn(admin.ID, "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	// The eleventh attempt from the address is refused, even with the right secret.
	resp, body := b.signIn(admin.ID, admin.Secret)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins from your address.") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("after 10 failures: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Once the window has passed, the right secret signs in.
	s.clock.advance(5*time.Minute + time.Second)
	if resp, _ := b.signIn(admin.ID, admin.Secret); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", resp.StatusCode)
	}
}
