package oidc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/oidc"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"groups=stepflow-admins:role/admin": "groups=stepflow-admins|role/admin",
		"email=*@example.com:user/*":        "email=*@example.com|user/*",
		"email=alice@example.com":           "email=alice@example.com|",
		"sub=urn:example:42:user/alice":     "sub=urn:example:42|user/alice",
		"sub=urn:example:42":                "sub=urn:example:42|",
		"groups=/admins:role/admin":         "groups=/admins|role/admin",
		"hd=example.com:group/x":            "hd=example.com:group/x|",
		"email:user/alice":                  "error",
		"=x:user/alice":                     "error",
		"email=:user/alice":                 "error",
	} {
		r, err := oidc.ParseRule(in)
		got := r.Claim + "=" + r.Value + "|" + r.Principal
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("ParseRule(%q) = %s (%v), want %s", in, got, err, want)
		}
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	var rules []oidc.Rule
	for _, s := range []string{
		"groups=stepflow-admins:role/admin",
		"email=*@example.com:user/*",
		"preferred_username=bob:user/robert",
	} {
		r, err := oidc.ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	for _, tc := range []struct {
		claims    string
		principal string
		index     int
	}{
		{`{"groups":["ops","stepflow-admins"],"email":"carol@example.com"}`, "role/admin", 0},
		{`{"groups":["ops"],"email":"carol@example.com","email_verified":true}`, "user/carol@example.com", 1},
		{`{"email":"carol@example.com","email_verified":false}`, "", -1},
		{`{"email":"carol@example.com","email_verified":"false"}`, "", -1},
		{`{"email":"mallory@example.com.evil.org"}`, "", -1},
		{`{"email":"we ird@example.com"}`, "", -1}, // not an IAM user name
		{`{"preferred_username":"bob"}`, "user/robert", 2},
		{`{"sub":"42"}`, "", -1},
	} {
		var claims map[string]any
		dec := json.NewDecoder(stringReader(tc.claims))
		dec.UseNumber()
		if err := dec.Decode(&claims); err != nil {
			t.Fatal(err)
		}
		principal, index, ok := oidc.Match(rules, claims)
		if principal != tc.principal || index != tc.index || ok != (tc.index >= 0) {
			t.Errorf("Match(%s) = %q, %d, %v; want %q, %d", tc.claims, principal, index, ok, tc.principal, tc.index)
		}
	}
	// A rule without a principal admits without naming one.
	allow, _ := oidc.ParseRule("email=alice@example.com")
	if p, i, ok := oidc.Match([]oidc.Rule{allow}, map[string]any{"email": "alice@example.com"}); p != "" || i != 0 || !ok {
		t.Errorf("allow-list rule: %q %d %v", p, i, ok)
	}
}

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }
