package iam

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePolicy checks that any document either parses into a policy that evaluates without
// panicking, or is refused with a MalformedPolicyError; never anything else.
func FuzzParsePolicy(f *testing.F) {
	seeds := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:states:*:*:stateMachine:${aws:username}"}]}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*"]},"NumericLessThan":{"x:y":1},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Null":{"aws:username":"false"}}}}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThanIfExists":{"aws:CurrentTime":"2020-01-01"}}}}`,
		`{"Statement":{"Effect":"Deny","Effect":"Allow"}}`,
		`[]`, `{}`, `null`, `{"Statement":[1]}`,
	}
	for _, s := range seeds {
		f.Add(s, "states:StartExecution", machineA)
	}
	f.Fuzz(func(t *testing.T, doc, action, resource string) {
		p, err := ParsePolicy(doc)
		if err != nil {
			var mp *MalformedPolicyError
			if !errors.As(err, &mp) || mp.Message == "" {
				t.Fatalf("ParsePolicy(%q): error %v is not a MalformedPolicyError", doc, err)
			}
			return
		}
		ctx := Context{}
		ctx.Set(KeyUsername, "alice")
		ctx.Set(KeyTagKeys, "a", "b")
		ctx.Set(KeySourceIP, "10.1.2.3")
		ctx.Set(KeyCurrentTime, "2024-01-01T00:00:00Z")
		Evaluate([]NamedPolicy{{Name: "p", Policy: p}}, &Request{Action: action, Resource: resource, Context: ctx})
	})
}

// FuzzWildcardMatch checks the matcher against a regular expression built from the pattern.
func FuzzWildcardMatch(f *testing.F) {
	for _, s := range [][2]string{{"a*b?c", "axxbyc"}, {"*", ""}, {"?*?", "ab"}, {"a*a*a*b", "aaaaaaab"}, {"arn:*:states", "arn:aws:states"}, {"a\x00*b", "a*b"}, {"*\x00?", "x?"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || strings.ContainsRune(pattern, '?') && !isASCII(s) {
			// ? matches one byte, as AWS's matcher matches one character of ASCII ARNs.
			return
		}
		var expr strings.Builder
		expr.WriteString(`(?s)^`)
		escaped := false
		for _, r := range pattern {
			switch {
			case escaped:
				expr.WriteString(regexp.QuoteMeta(string(r)))
				escaped = false
			case r == literalMark:
				escaped = true
			case r == '*':
				expr.WriteString(`.*`)
			case r == '?':
				expr.WriteString(`.`)
			default:
				expr.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		if escaped {
			// A mark at the very end has no byte to make literal: it is itself.
			expr.WriteString(regexp.QuoteMeta(string(literalMark)))
		}
		expr.WriteString(`$`)
		want := regexp.MustCompile(expr.String()).MatchString(s)
		if got := wildcardMatch(pattern, s); got != want {
			t.Fatalf("wildcardMatch(%q, %q) = %v, regexp %s says %v", pattern, s, got, expr.String(), want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
