package iam

import "strings"

// literalMark in a pattern makes the byte after it literal: a * or ? that came from a policy
// variable's value or from AWS's ${*} and ${?} escapes matches only itself.
const literalMark = '\x00'

// escapeWildcards marks the * and ? of a value that goes into a pattern as literal.
func escapeWildcards(value string) string {
	if !strings.ContainsAny(value, "*?") {
		return value
	}
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		if value[i] == '*' || value[i] == '?' {
			b.WriteByte(literalMark)
		}
		b.WriteByte(value[i])
	}
	return b.String()
}

// wildcardMatch reports whether s matches pattern, where * matches any run of characters
// (none included), ? matches exactly one, and literalMark makes the next byte literal. It
// backtracks only to the last *, so it runs in time proportional to len(pattern)*len(s) at
// worst, whatever the pattern.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p+1 < len(pattern) && pattern[p] == literalMark:
			if pattern[p+1] == s[i] {
				p += 2
				i++
				continue
			}
			if star < 0 {
				return false
			}
			p = star + 1
			mark++
			i = mark
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// actionMatch matches an action against a policy's action pattern: action names are not case
// sensitive on AWS ("states:startexecution" grants StartExecution).
func actionMatch(pattern, action string) bool {
	return wildcardMatch(strings.ToLower(pattern), strings.ToLower(action))
}

// arnMatch matches an ARN against a pattern as AWS's ArnLike does, and as it matches a
// statement's Resource: "*" matches anything; otherwise both must have the six colon-separated
// parts of an ARN and each part is matched on its own, case-sensitively, so a wildcard in the
// region never swallows the account. The last part (the resource) keeps its own colons.
func arnMatch(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range pp {
		if !wildcardMatch(pp[i], ap[i]) {
			return false
		}
	}
	return true
}
