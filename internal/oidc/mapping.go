package oidc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Rule admits the people whose ID token has a claim with a value, and names the principal
// they act as: "CLAIM=VALUE:KIND/NAME", such as "groups=stepflow-admins:role/admin" or
// "email=*@example.com:user/*". VALUE may hold the wildcards * (any run of characters) and ?
// (one character); NAME "*" is the claim's value itself (the user of the same name). Without
// ":KIND/NAME" ("email=alice@example.com") the rule admits people without naming a principal,
// for a server where every signed-in caller may do everything (--auth sigv4).
type Rule struct {
	Claim     string
	Value     string
	Principal string // "user/NAME", "role/NAME" or ""
}

// String is the rule as written.
func (r Rule) String() string {
	s := r.Claim + "=" + r.Value
	if r.Principal != "" {
		s += ":" + r.Principal
	}
	return s
}

// principalRE is a rule's KIND/NAME: IAM's user and role names are 1 to 64 of [\w+=,.@-].
var principalRE = regexp.MustCompile(`^(user|role)/([\w+=,.@-]{1,64}|\*)$`)

// iamNameRE is what a claim's value must look like to be a NAME "*".
var iamNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// ParseRule reads "CLAIM=VALUE[:KIND/NAME]".
func ParseRule(s string) (Rule, error) {
	var r Rule
	body := s
	if i := strings.LastIndex(s, ":"); i >= 0 && principalRE.MatchString(s[i+1:]) {
		body, r.Principal = s[:i], s[i+1:]
	}
	claim, value, ok := strings.Cut(body, "=")
	if !ok || claim == "" || value == "" {
		return Rule{}, fmt.Errorf("must be CLAIM=VALUE or CLAIM=VALUE:user/NAME or CLAIM=VALUE:role/NAME (NAME * for the claim's value), not %q", s)
	}
	r.Claim, r.Value = claim, value
	return r, nil
}

// Match returns the principal ("user/NAME", "role/NAME" or "" for a rule without one) and the
// index of the first rule the claims match; ok is false when none does. A rule on "email"
// does not match an address the provider says it has not verified (email_verified false).
func Match(rules []Rule, claims map[string]any) (principal string, index int, ok bool) {
	for i, r := range rules {
		if r.Claim == "email" && unverified(claims["email_verified"]) {
			continue
		}
		for _, v := range claimValues(claims[r.Claim]) {
			if !wildcardMatch(r.Value, v) {
				continue
			}
			kind, name, _ := strings.Cut(r.Principal, "/")
			if name == "*" {
				if !iamNameRE.MatchString(v) {
					continue
				}
				name = v
			}
			if kind == "" {
				return "", i, true
			}
			return kind + "/" + name, i, true
		}
	}
	return "", -1, false
}

func unverified(v any) bool {
	switch v := v.(type) {
	case bool:
		return !v
	case string:
		// Some providers (AWS Cognito) send it as a string.
		return v == "false"
	}
	return false
}

// claimValues is a claim as strings: a string, a number or a boolean, or each of a list of them.
func claimValues(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case json.Number:
		return []string{v.String()}
	case bool:
		return []string{fmt.Sprint(v)}
	case []any:
		var all []string
		for _, e := range v {
			if _, nested := e.([]any); !nested {
				all = append(all, claimValues(e)...)
			}
		}
		return all
	}
	return nil
}

// wildcardMatch matches s against a pattern of * (any run, possibly empty) and ? (any one
// character), without backtracking blow-up.
func wildcardMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
