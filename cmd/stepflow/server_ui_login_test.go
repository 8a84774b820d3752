package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// With --auth sigv4 and --ui on, the UI asks for one of the --access-key pairs and then lets
// the person in; the API still takes only signed requests.
func TestServerUISignInWithAccessKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "s.db"),
		"--auth", "sigv4", "--access-key", "AKIDOPS:ops-secret", "--ui", "on")
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	signIn := func(id, secret string) *http.Response {
		t.Helper()
		resp, err := client.PostForm(base+"/ui/login", url.Values{"access_key_id": {id}, "secret_access_key": {secret}, "next": {"/ui/"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	if resp, _ := get("/ui/"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
		t.Fatalf("GET /ui/ before sign-in: %d %q, want 303 to the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := signIn("AKIDOPS", "not-the-secret"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with a wrong secret: %d, want 401", resp.StatusCode)
	}
	if resp := signIn("AKIDOPS", "ops-secret"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d, want 303", resp.StatusCode)
	}
	if resp, body := get("/ui/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "State machines") {
		t.Errorf("GET /ui/ after sign-in: %d", resp.StatusCode)
	}
	// The session cookie is the UI's, not a credential of the API.
	resp, err := client.Post(base+"/", "application/x-amz-json-1.0", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned API call from the signed-in browser: %d, want 403", resp.StatusCode)
	}
}
