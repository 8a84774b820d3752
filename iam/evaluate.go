package iam

import (
	"strings"
)

// Context holds a request's condition keys and their values (aws:SourceIp, aws:TagKeys, ...).
// Key names are not case sensitive, as on AWS; a key with no values counts as absent.
type Context map[string][]string

// Set gives key its values, replacing any it had.
func (c Context) Set(key string, values ...string) {
	c[strings.ToLower(key)] = values
}

func (c Context) lookup(key string) ([]string, bool) {
	v, ok := c[strings.ToLower(key)]
	return v, ok && len(v) > 0
}

// The global condition keys Stepflow fills in. Tag keys are written as prefix + tag key.
const (
	KeySourceIP         = "aws:SourceIp"
	KeyCurrentTime      = "aws:CurrentTime"
	KeyEpochTime        = "aws:EpochTime"
	KeySecureTransport  = "aws:SecureTransport"
	KeyUsername         = "aws:username"
	KeyUserID           = "aws:userid"
	KeyPrincipalType    = "aws:PrincipalType"
	KeyPrincipalARN     = "aws:PrincipalArn"
	KeyPrincipalAccount = "aws:PrincipalAccount"
	KeyRequestedRegion  = "aws:RequestedRegion"
	KeyTagKeys          = "aws:TagKeys"
	KeyPrincipalTag     = "aws:PrincipalTag/"
	KeyResourceTag      = "aws:ResourceTag/"
	KeyRequestTag       = "aws:RequestTag/"
)

// Request is one authorization question: may the principal perform Action on Resource, with
// this request context? Everything a policy may look at is in it, so that evaluation needs no
// clock and no I/O.
type Request struct {
	// Principal is the caller's ARN (arn:aws:iam::ACCOUNT:user/NAME); denial messages name it.
	Principal string
	// Action is "service:Action", such as "states:StartExecution".
	Action string
	// Resource is the ARN the action is checked on, or "*" for actions without one.
	Resource string
	Context  Context
}

// Outcome is the result of evaluating a request.
type Outcome int

// The three outcomes of AWS's evaluation logic.
const (
	// ImplicitDeny: no statement allows the request (and none denies it).
	ImplicitDeny Outcome = iota
	// Allowed: a statement allows the request and none denies it.
	Allowed
	// ExplicitDeny: a Deny statement matches; no Allow can override it.
	ExplicitDeny
)

func (o Outcome) String() string {
	switch o {
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// NamedPolicy is a policy with the name it is attached under.
type NamedPolicy struct {
	Name   string
	Policy *Policy
}

// Decision is the answer to a Request and what gave it.
type Decision struct {
	Outcome Outcome
	// Policy, Statement and Sid name the statement that decided: the first matching Deny, or
	// else the first matching Allow. They are empty (Statement -1) for an implicit deny.
	Policy    string
	Statement int
	Sid       string
}

// Allowed reports whether the request may go ahead.
func (d Decision) Allowed() bool { return d.Outcome == Allowed }

// Evaluate decides a request against the identity-based policies of its principal, as AWS
// documents: every statement of every policy is looked at; a matching Deny decides at once; a
// matching Allow decides if no Deny matches; with neither the request is implicitly denied.
func Evaluate(policies []NamedPolicy, req *Request) Decision {
	allow := Decision{Outcome: ImplicitDeny, Statement: -1}
	for _, np := range policies {
		if np.Policy == nil {
			continue
		}
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if !st.matches(np.Policy.Version, req) {
				continue
			}
			d := Decision{Policy: np.Name, Statement: i, Sid: st.Sid}
			if st.Effect == EffectDeny {
				d.Outcome = ExplicitDeny
				return d
			}
			if allow.Outcome != Allowed {
				d.Outcome = Allowed
				allow = d
			}
		}
	}
	return allow
}

// matches reports whether the statement applies to the request: its action, its resource and
// all of its conditions.
func (st *Statement) matches(version string, req *Request) bool {
	if st.Actions != nil && !anyAction(st.Actions, req.Action) {
		return false
	}
	if st.NotActions != nil && anyAction(st.NotActions, req.Action) {
		return false
	}
	if st.Resources != nil && !anyResource(version, st.Resources, req) {
		return false
	}
	if st.NotResources != nil && anyResource(version, st.NotResources, req) {
		return false
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		values, resolved := c.Values, allResolved(len(c.Values))
		if rule := operatorTable[c.Operator.base]; rule.variables && version == Version2012 {
			values, resolved = make([]string, len(c.Values)), make([]bool, len(c.Values))
			for j, v := range c.Values {
				values[j], resolved[j] = substituteVariables(v, req)
				if !rule.wildcards {
					values[j] = strings.ReplaceAll(values[j], string(literalMark), "")
				}
			}
		}
		if !c.evaluate(req, values, resolved) {
			return false
		}
	}
	return true
}

func allResolved(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

func anyAction(patterns []string, action string) bool {
	for _, p := range patterns {
		if actionMatch(p, action) {
			return true
		}
	}
	return false
}

func anyResource(version string, patterns []string, req *Request) bool {
	for _, p := range patterns {
		if version == Version2012 {
			var ok bool
			if p, ok = substituteVariables(p, req); !ok {
				continue
			}
		}
		if arnMatch(p, req.Resource) {
			return true
		}
	}
	return false
}

// substituteVariables resolves the policy variables of s: ${aws:username} and any other
// single-valued key of the request context, ${key, 'default'} with a default for a missing key,
// and the escapes ${*}, ${?} and ${$} for the literal characters. It reports false when a
// variable has no value and no default: that pattern then matches nothing, as on AWS.
func substituteVariables(s string, req *Request) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:start])
		inner := strings.TrimSpace(s[start+2 : start+end])
		s = s[start+end+1:]
		switch inner {
		case "*", "?", "$":
			// AWS's escapes for a literal *, ? and $.
			b.WriteString(escapeWildcards(inner))
			continue
		}
		key, def, hasDefault := strings.Cut(inner, ",")
		key = strings.TrimSpace(key)
		// A value is matched literally: a tag value "*" must not turn into a wildcard.
		if values, ok := req.Context.lookup(key); ok && len(values) == 1 {
			b.WriteString(escapeWildcards(values[0]))
			continue
		}
		if hasDefault {
			def = strings.TrimSpace(def)
			if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
				b.WriteString(escapeWildcards(def[1 : len(def)-1]))
				continue
			}
		}
		return "", false
	}
}
