package ui

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every route Handler serves has its access rule: a route added without one would be refused
// (an action) or shown unchecked (a page) once people sign in.
func TestEveryRouteHasAnAccessRule(t *testing.T) {
	t.Parallel()
	route := regexp.MustCompile(`(?m)^\s*mux\.Handle(?:Func)?\("([^"]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	ruled := map[string]bool{}
	for _, r := range accessRules {
		ruled[r.pattern] = true
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range route.FindAllStringSubmatch(string(src), -1) {
			found++
			if m[1] == "GET /ui/assets/" {
				continue // the login page needs them before sign-in
			}
			if !ruled[m[1]] {
				t.Errorf("%s: route %q has no row in accessRules (ui/access.go)", f, m[1])
			}
		}
	}
	if found < 20 {
		t.Fatalf("found %d routes in the package's files, want Handler's (20 and more)", found)
	}
}

// ruleInput reads the ARN of a rule's route from the escaped path, as Handler's PathValue would.
func TestRuleInput(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:states:us-east-1:123456789012:execution:Hold:a b/c"
	tests := []struct {
		pattern, path string
		want          map[string]any
	}{
		{"GET /ui/executions/{arn}", "/ui/executions/" + url.PathEscape(arn), map[string]any{"executionArn": arn}},
		{"POST /ui/api/executions/{arn}/stop", "/ui/api/executions/" + url.PathEscape(arn) + "/stop", map[string]any{"executionArn": arn}},
		{"GET /ui/state-machines/{arn}/edit", "/ui/state-machines/x%3Ay/edit", map[string]any{"stateMachineArn": "x:y"}},
		{"GET /ui/api/executions/{arn}/iterations/{state}", "/ui/api/executions/" + url.PathEscape(arn) + "/iterations/Map%20A", map[string]any{"executionArn": arn}},
		{"GET /ui/{$}", "/ui/", nil},
	}
	for _, tt := range tests {
		var rule *accessRule
		for i := range accessRules {
			if accessRules[i].pattern == tt.pattern {
				rule = &accessRules[i]
			}
		}
		if rule == nil {
			t.Fatalf("no rule %q", tt.pattern)
		}
		got := ruleInput(rule, tt.path)
		if len(got) != len(tt.want) || (tt.want != nil && got[rule.arnField] != tt.want[rule.arnField]) {
			t.Errorf("ruleInput(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
		method, _, _ := strings.Cut(tt.pattern, " ")
		req, _ := http.NewRequest(method, "http://x"+tt.path, nil)
		if h, _ := accessRouter.Handler(req); h.(ruleHandler).rule != rule {
			t.Errorf("accessRouter sends %s %s to %q, want %q", req.Method, tt.path, h.(ruleHandler).rule.pattern, tt.pattern)
		}
	}
}
