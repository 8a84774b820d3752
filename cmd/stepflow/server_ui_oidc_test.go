package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/oidc/oidctest"
)

// oidcBrowser is a browser with its cookies that goes through a provider's sign-in.
type oidcBrowser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newOIDCBrowser(t *testing.T, base string) *oidcBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &oidcBrowser{t: t, base: base, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *oidcBrowser) get(where string) (*http.Response, string) {
	b.t.Helper()
	if strings.HasPrefix(where, "/") {
		where = b.base + where
	}
	resp, err := b.client.Get(where)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// signIn presses "Sign in with" on the login page and follows the browser to the provider
// and back; it returns the callback's answer.
func (b *oidcBrowser) signIn() (*http.Response, string) {
	b.t.Helper()
	resp, body := b.get("/ui/login")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="sign-in-oidc"`) {
		b.t.Fatalf("login page: %d, no provider's button: %s", resp.StatusCode, body)
	}
	resp, body = b.get("/ui/login/oidc?next=%2Fui%2F")
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("begin sign-in: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("provider: %d", resp.StatusCode)
	}
	return b.get(resp.Header.Get("Location"))
}

func (b *oidcBrowser) principal() string {
	b.t.Helper()
	resp, body := b.get("/ui/api/session?page=%2Fui%2F")
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	var view struct{ Principal, IdentityProvider string }
	if err := json.Unmarshal([]byte(body), &view); err != nil {
		b.t.Fatal(err)
	}
	return view.Principal
}

// With --auth sigv4, --oidc-principal rules are an allow-list: people of example.com sign in
// (and may do everything, as every key may), others are refused. The client's secret comes
// from the environment variable --oidc-client-secret-env names.
func TestServerUISignInWithOIDC(t *testing.T) {
	idp := oidctest.New(t, "RS256")
	t.Setenv("STEPFLOW_TEST_OIDC_SECRET", idp.ClientSecret)
	dir := t.TempDir()
	base, stdout, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "s.db"),
		"--auth", "sigv4", "--access-key", "AKIDOPS:ops-secret", "--ui", "on",
		"--oidc-issuer", idp.Issuer, "--oidc-client-id", idp.ClientID, "--oidc-client-secret-env", "STEPFLOW_TEST_OIDC_SECRET",
		"--oidc-name", "Keycloak", "--oidc-principal", "email=*@example.com")

	idp.SignInAs(map[string]any{"sub": "u-1", "email": "alice@example.com"})
	b := newOIDCBrowser(t, base)
	if resp, body := b.signIn(); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Signed in.") {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	if p := b.principal(); p != "alice@example.com" {
		t.Fatalf("principal = %q", p)
	}
	if resp, body := b.get("/ui/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "State machines") {
		t.Errorf("GET /ui/ after sign-in: %d", resp.StatusCode)
	}

	idp.SignInAs(map[string]any{"sub": "u-2", "email": "mallory@example.org"})
	other := newOIDCBrowser(t, base)
	if resp, body := other.signIn(); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "not allowed into Stepflow") {
		t.Fatalf("sign-in of someone no rule admits: %d %s", resp.StatusCode, body)
	}
	if p := other.principal(); p != "" {
		t.Fatalf("a refused person has a session as %q", p)
	}
	// Printed at start, after the address (so after startServerCommand returned).
	if want := "web UI sign-in through " + idp.Issuer + " (Keycloak), callback HOST/ui/login/oidc/callback"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q: %s", want, stdout.String())
	}
}

// With --auth iam and the config file's "oidc" object, people act as the IAM user their
// rule names, with its policies.
func TestServerUISignInWithOIDCUnderIAM(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "ES256")
	dir := t.TempDir()
	db := filepath.Join(dir, "stepflow.db")
	keyFile := filepath.Join(dir, "server.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	iamCLI(t, "create-user", "--user-name", "alice@example.com", "--db", db)
	iamCLI(t, "put-user-policy", "--user-name", "alice@example.com", "--policy-name", "read", "--db", db, "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["states:List*","states:Describe*"],"Resource":"*"}}`)
	config := filepath.Join(dir, "config.json")
	settings := map[string]any{"oidc": map[string]any{"issuer": idp.Issuer, "clientId": idp.ClientID, "clientSecretEnv": "",
		"principals": []string{"email=*@example.com:user/*"}}}
	data, _ := json.Marshal(settings)
	if err := os.WriteFile(config, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A public client: the test provider still wants the secret, so this one is refused at
	// the token endpoint, which shows the secret is not sent when none is configured.
	base, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", db, "--auth", "iam", "--iam-key-file", keyFile, "--ui", "on", "--config", config)
	idp.SignInAs(map[string]any{"sub": "u-1", "email": "alice@example.com", "email_verified": true})
	b := newOIDCBrowser(t, base)
	resp, body := b.signIn()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "invalid_client: client authentication failed") {
		t.Fatalf("public client's sign-in: %d %s", resp.StatusCode, body)
	}
	idp.SetClientSecret("")
	resp, body = b.signIn()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	if p := b.principal(); p != "arn:aws:iam::123456789012:user/alice@example.com" {
		t.Fatalf("principal = %q", p)
	}
	if resp, _ := b.get("/ui/"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /ui/: %d", resp.StatusCode)
	}
}

func TestServerConfigValidateOIDC(t *testing.T) {
	t.Setenv("STEPFLOW_TEST_EMPTY_SECRET", "")
	base := func(auth string, o oidcSettings) serverConfig {
		c := serverConfig{Region: "us-east-1", Account: "123456789012", Auth: auth, UI: "on", DB: "x.db", OIDC: o}
		if auth == "sigv4" {
			c.AccessKeys = []string{"a:b"}
		}
		return c
	}
	good := func(rules ...string) oidcSettings {
		return oidcSettings{Issuer: "https://idp.example.com", ClientID: "stepflow", Principals: rules}
	}
	for _, tc := range []struct {
		name string
		cfg  serverConfig
		want string
	}{
		{"iam", base("iam", good("groups=ops:role/ops")), ""},
		{"sigv4", base("sigv4", good("email=*@example.com")), ""},
		{"no issuer", base("iam", oidcSettings{ClientID: "x"}), "oidc-issuer: the other --oidc-* settings need --oidc-issuer"},
		{"http issuer", base("iam", oidcSettings{Issuer: "http://idp.example.com", ClientID: "x"}), `oidc-issuer: must be an https URL (http only on a loopback address), not "http://idp.example.com"`},
		{"without auth", base("none", good("sub=1")), "oidc-issuer: sign-in through a provider needs --auth sigv4 or iam: without authentication the UI asks nobody to sign in"},
		{"ui auto", func() serverConfig { c := base("iam", good("sub=1:user/a")); c.UI = "auto"; return c }(), "oidc-issuer: sign-in through a provider is the UI's: it needs --ui on"},
		{"no client id", base("iam", oidcSettings{Issuer: "https://idp.example.com", Principals: []string{"sub=1:user/a"}}), "oidc-client-id: must be given with --oidc-issuer"},
		{"empty secret", base("iam", oidcSettings{Issuer: "https://idp.example.com", ClientID: "x", ClientSecretEnv: "STEPFLOW_TEST_EMPTY_SECRET", Principals: []string{"sub=1:user/a"}}), "oidc-client-secret-env: the environment variable STEPFLOW_TEST_EMPTY_SECRET is empty or not set"},
		{"no rules", base("iam", good()), "oidc-principal: give at least one rule of who may sign in (CLAIM=VALUE:user/NAME under --auth iam, CLAIM=VALUE under --auth sigv4)"},
		{"iam rule without principal", base("iam", good("email=a@example.com")), `oidc-principal: under --auth iam a rule names the user or role people act as: email=a@example.com:user/NAME or email=a@example.com:role/NAME, not "email=a@example.com"`},
		{"sigv4 rule with principal", base("sigv4", good("email=a@example.com:user/a")), `oidc-principal: under --auth sigv4 there are no users or roles (every signed-in person may do everything): give CLAIM=VALUE, not "email=a@example.com:user/a"`},
		{"malformed rule", base("iam", good("email")), `oidc-principal: must be CLAIM=VALUE or CLAIM=VALUE:user/NAME or CLAIM=VALUE:role/NAME (NAME * for the claim's value), not "email"`},
		{"bad redirect", base("iam", oidcSettings{Issuer: "https://idp.example.com", ClientID: "x", RedirectURL: "https://stepflow.example.com/callback", Principals: []string{"sub=1:user/a"}}), `oidc-redirect-url: must be http(s)://HOST/ui/login/oidc/callback, not "https://stepflow.example.com/callback"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.Validate()
			var cfgErr *serverConfigError
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if !errors.As(err, &cfgErr) || err.Error() != tc.want {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
