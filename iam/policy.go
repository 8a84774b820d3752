package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The policy language versions AWS accepts. Policy variables (${aws:username}) are resolved
// only in policies of version 2012-10-17; in the older one they are plain text, as on AWS.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// MaxPolicyBytes bounds the size of one policy document. AWS counts a user's inline policies
// together against 2,048 characters and a role's against 10,240; Stepflow bounds each policy
// by the larger, so that a policy written for a role fits.
const MaxPolicyBytes = 10240

// Effect is what a statement does when it matches a request.
type Effect string

// The two effects a statement can have.
const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Policy is a parsed identity-based policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one element of a policy's Statement list. Exactly one of Actions and
// NotActions is set, and exactly one of Resources and NotResources.
type Statement struct {
	Sid          string
	Effect       Effect
	Actions      []string
	NotActions   []string
	Resources    []string
	NotResources []string
	Conditions   []Condition
}

// MalformedPolicyError is AWS's MalformedPolicyDocument: the document is not a valid policy.
// Message is AWS's reason.
type MalformedPolicyError struct {
	Message string
}

func (e *MalformedPolicyError) Error() string { return "MalformedPolicyDocument: " + e.Message }

func malformed(format string, args ...any) *MalformedPolicyError {
	return &MalformedPolicyError{Message: fmt.Sprintf(format, args...)}
}

// AWS's reasons, word for word where AWS's IAM API gives them.
const (
	reasonSyntax          = "Syntax errors in policy."
	reasonLegacyParsing   = "The policy failed legacy parsing"
	reasonNoPrincipal     = "Policy document should not specify a principal."
	reasonNoActions       = "Policy statement must contain actions."
	reasonNoResources     = "Policy statement must contain resources."
	reasonMissingEffect   = "Missing required field Effect"
	reasonVendorPrefix    = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	reasonVendorWildcard  = "Action vendor must be fully qualified and cannot contain regexes."
	reasonSidAlphaNumeric = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	reasonSidUnique       = "Statement IDs (SID) in a single policy must be unique."
)

// ParsePolicy parses and validates an identity-based policy document. A document that is not
// a policy gives a *MalformedPolicyError with AWS's reason.
func ParsePolicy(document string) (*Policy, error) {
	if len(document) > MaxPolicyBytes {
		return nil, malformed("Cannot exceed quota for PolicySize: %d", MaxPolicyBytes)
	}
	dec := json.NewDecoder(strings.NewReader(document))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, malformed(reasonSyntax)
	}
	if _, err := dec.Token(); err == nil {
		return nil, malformed(reasonSyntax)
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, malformed(reasonSyntax)
	}
	if err := checkDuplicateKeys(document); err != nil {
		return nil, err
	}
	p := &Policy{Version: Version2008}
	var statements any
	for _, key := range sortedKeys(top) {
		value := top[key]
		switch key {
		case "Version":
			v, ok := value.(string)
			if !ok || (v != Version2012 && v != Version2008) {
				return nil, malformed(reasonLegacyParsing)
			}
			p.Version = v
		case "Id":
			id, ok := value.(string)
			if !ok {
				return nil, malformed(reasonSyntax)
			}
			p.ID = id
		case "Statement":
			statements = value
		default:
			return nil, malformed(reasonSyntax)
		}
	}
	var list []any
	switch s := statements.(type) {
	case map[string]any:
		list = []any{s}
	case []any:
		list = s
	default:
		return nil, malformed(reasonSyntax)
	}
	if len(list) == 0 {
		return nil, malformed(reasonSyntax)
	}
	sids := map[string]bool{}
	for _, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, malformed(reasonSyntax)
		}
		st, err := parseStatement(obj)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, malformed(reasonSidUnique)
			}
			sids[st.Sid] = true
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(obj map[string]any) (Statement, error) {
	var st Statement
	var hasEffect bool
	for _, key := range sortedKeys(obj) {
		value := obj[key]
		var err error
		switch key {
		case "Sid":
			sid, ok := value.(string)
			if !ok {
				return st, malformed(reasonSyntax)
			}
			for _, r := range sid {
				if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
					return st, malformed(reasonSidAlphaNumeric)
				}
			}
			st.Sid = sid
		case "Effect":
			e, ok := value.(string)
			if !ok {
				return st, malformed(reasonSyntax)
			}
			if e != string(EffectAllow) && e != string(EffectDeny) {
				return st, malformed("Invalid effect: %s", e)
			}
			st.Effect, hasEffect = Effect(e), true
		case "Action":
			st.Actions, err = parseActions(value)
		case "NotAction":
			st.NotActions, err = parseActions(value)
		case "Resource":
			st.Resources, err = parseResources(value)
		case "NotResource":
			st.NotResources, err = parseResources(value)
		case "Condition":
			st.Conditions, err = parseConditions(value)
		case "Principal", "NotPrincipal":
			return st, malformed(reasonNoPrincipal)
		default:
			return st, malformed(reasonSyntax)
		}
		if err != nil {
			return st, err
		}
	}
	if !hasEffect {
		return st, malformed(reasonMissingEffect)
	}
	_, hasAction := obj["Action"]
	_, hasNotAction := obj["NotAction"]
	if hasAction == hasNotAction {
		if hasAction {
			return st, malformed(reasonSyntax)
		}
		return st, malformed(reasonNoActions)
	}
	_, hasResource := obj["Resource"]
	_, hasNotResource := obj["NotResource"]
	if hasResource == hasNotResource {
		if hasResource {
			return st, malformed(reasonSyntax)
		}
		return st, malformed(reasonNoResources)
	}
	return st, nil
}

// stringOrList reads an element that is a string or an array of strings.
func stringOrList(value any) ([]string, bool) {
	switch v := value.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func parseActions(value any) ([]string, error) {
	actions, ok := stringOrList(value)
	if !ok || len(actions) == 0 {
		return nil, malformed(reasonSyntax)
	}
	for _, a := range actions {
		if a == "*" {
			continue
		}
		vendor, name, ok := strings.Cut(a, ":")
		if !ok || vendor == "" || name == "" {
			return nil, malformed(reasonVendorPrefix)
		}
		if strings.ContainsAny(vendor, "*?") {
			return nil, malformed(reasonVendorWildcard)
		}
	}
	return actions, nil
}

func parseResources(value any) ([]string, error) {
	resources, ok := stringOrList(value)
	if !ok || len(resources) == 0 {
		return nil, malformed(reasonSyntax)
	}
	for _, r := range resources {
		if r == "*" {
			continue
		}
		if parts := strings.SplitN(r, ":", 6); len(parts) < 6 || parts[0] != "arn" {
			return nil, malformed("Resource %s must be in ARN format or \"*\".", r)
		}
	}
	return resources, nil
}

func parseConditions(value any) ([]Condition, error) {
	block, ok := value.(map[string]any)
	if !ok {
		return nil, malformed(reasonSyntax)
	}
	var out []Condition
	for _, opName := range sortedKeys(block) {
		op, err := parseOperator(opName)
		if err != nil {
			return nil, err
		}
		keys, ok := block[opName].(map[string]any)
		if !ok {
			return nil, malformed(reasonSyntax)
		}
		for _, key := range sortedKeys(keys) {
			if vendor, name, ok := strings.Cut(key, ":"); !ok || vendor == "" || name == "" {
				return nil, malformed(reasonVendorPrefix)
			}
			values, err := conditionValues(keys[key])
			if err != nil {
				return nil, err
			}
			if op.base == opNull {
				for _, v := range values {
					if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
						return nil, malformed("Invalid Condition value for Null: %s", v)
					}
				}
			}
			out = append(out, Condition{Operator: op, Key: key, Values: values})
		}
	}
	return out, nil
}

// conditionValues reads a condition's value: a string, number or boolean, or an array of them.
func conditionValues(value any) ([]string, error) {
	scalar := func(v any) (string, bool) {
		switch v := v.(type) {
		case string:
			return v, true
		case json.Number:
			return v.String(), true
		case bool:
			if v {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if list, ok := value.([]any); ok {
		if len(list) == 0 {
			return nil, malformed(reasonSyntax)
		}
		out := make([]string, 0, len(list))
		for _, item := range list {
			s, ok := scalar(item)
			if !ok {
				return nil, malformed(reasonSyntax)
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalar(value)
	if !ok {
		return nil, malformed(reasonSyntax)
	}
	return []string{s}, nil
}

// checkDuplicateKeys refuses a document that repeats a key in one object: encoding/json keeps
// the last, which would let a second "Effect" silently override the first.
func checkDuplicateKeys(document string) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(document)))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if s, ok := tok.(string); ok {
				if top.keys[s] {
					return malformed(reasonSyntax)
				}
				top.keys[s] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			if top != nil && top.object {
				top.key = true
			}
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			if top != nil && top.object {
				top.key = true
			}
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object {
			top.key = true
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
