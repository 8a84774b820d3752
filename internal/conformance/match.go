package conformance

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// Identity is what this run used where the recording has per-run values.
type Identity struct {
	StateMachineName string
	ExecutionName    string
	RoleARN          string
	Account          string
	Region           string
	Partition        string
}

// undeclaredRequestID is the recorder's token for a Lambda request id.
const undeclaredRequestID = "<request-id>"

// matcher compares recorded values with actual ones, reading placeholders: the known kinds
// become this run's values, the others match anything.
type matcher struct {
	tokens   []string          // longest first, so "<x>" wins over "x"
	literal  map[string]string // token -> text it stands for
	pattern  map[string]string // token -> regexp it stands for
	anyValue map[string]bool   // tokens that replaced a whole value
	cache    map[string]*regexp.Regexp
}

func newMatcher(ph map[string]Placeholder, id Identity) *matcher {
	m := &matcher{literal: map[string]string{}, pattern: map[string]string{}, anyValue: map[string]bool{}, cache: map[string]*regexp.Regexp{}}
	for tok, p := range ph {
		switch p.Kind {
		case "state_machine_name":
			m.literal[tok] = id.StateMachineName
		case "execution_name":
			m.literal[tok] = id.ExecutionName
		case "role_arn":
			m.literal[tok] = id.RoleARN
		case "account_id":
			m.literal[tok] = id.Account
		case "region":
			m.literal[tok] = id.Region
		case "partition":
			m.literal[tok] = id.Partition
		case "literal":
			m.literal[tok] = p.Value
		case "regex":
			m.pattern[tok] = "(?:" + p.Pattern + ")"
		case "any_value":
			m.anyValue[tok] = true
			m.pattern[tok] = "(?s:.*?)"
		default: // uuid, json_text, reference, request_id, map_run_id_part, express_execution_id_part
			m.pattern[tok] = "(?s:.*?)"
		}
		m.tokens = append(m.tokens, tok)
	}
	if _, declared := ph[undeclaredRequestID]; !declared {
		// Two Express recordings carry a Lambda request id token that the recorder did not list
		// among its placeholders, and in one of them the substitution swallowed the opening
		// quote ("requestId":<request-id>"). The token stands for a request id either way.
		m.pattern[undeclaredRequestID] = `"?[0-9a-fA-F-]{36}`
		m.tokens = append(m.tokens, undeclaredRequestID)
	}
	sort.Slice(m.tokens, func(i, j int) bool {
		if len(m.tokens[i]) != len(m.tokens[j]) {
			return len(m.tokens[i]) > len(m.tokens[j])
		}
		return m.tokens[i] < m.tokens[j]
	})
	return m
}

// value reports whether actual matches the recorded value want; if not, it says where.
func (m *matcher) value(want, actual any, path string) (bool, string) {
	if s, ok := want.(string); ok && m.anyValue[s] {
		return true, ""
	}
	switch w := want.(type) {
	case string:
		a, ok := actual.(string)
		if !ok || !m.str(w, a) {
			return false, fmt.Sprintf("%s: got %s, want %s", path, short(actual), short(want))
		}
		return true, ""
	case *jsonvalue.Object, map[string]any:
		wo, _ := jsonvalue.AsObject(w)
		a, ok := jsonvalue.AsObject(actual)
		if !ok {
			return false, fmt.Sprintf("%s: got %s, want an object", path, short(actual))
		}
		_, wantOrdered := w.(*jsonvalue.Object)
		_, actualOrdered := actual.(*jsonvalue.Object)
		if wantOrdered && actualOrdered && wo.Len() == a.Len() {
			// AWS's key order is part of the recording.
			for i := range wo.Len() {
				if key := m.literalKey(wo.KeyAt(i)); a.KeyAt(i) != key {
					return false, fmt.Sprintf("%s: keys in order %s, want %s", path, keyList(a), keyList(wo))
				}
			}
		}
		seen := map[string]bool{}
		for i := range wo.Len() {
			k, wv := wo.KeyAt(i), wo.ValueAt(i)
			key := m.literalKey(k)
			av, ok := a.Get(key)
			if !ok {
				return false, fmt.Sprintf("%s: missing field %q", path, key)
			}
			seen[key] = true
			if ws, ok := wv.(string); ok && ws == k {
				// LocalStack's key_value snapshot transformer replaces a per-run value with the
				// name of its key (e.g. "x-amzn-RequestId": "x-amzn-RequestId") without listing
				// it among the placeholders: such a value stands for anything.
				continue
			}
			if ok, why := m.value(wv, av, path+"."+key); !ok {
				return false, why
			}
		}
		for _, k := range a.Keys() {
			if !seen[k] {
				return false, fmt.Sprintf("%s: unexpected field %q", path, k)
			}
		}
		return true, ""
	case []any:
		a, ok := actual.([]any)
		if !ok || len(a) != len(w) {
			return false, fmt.Sprintf("%s: got %s, want %s", path, short(actual), short(want))
		}
		for i := range w {
			if ok, why := m.value(w[i], a[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return false, why
			}
		}
		return true, ""
	}
	if !jsonvalue.Equal(want, actual) {
		return false, fmt.Sprintf("%s: got %s, want %s", path, short(actual), short(want))
	}
	return true, ""
}

func keyList(o *jsonvalue.Object) string {
	return "[" + strings.Join(o.Keys(), ", ") + "]"
}

func (m *matcher) literalKey(k string) string {
	for _, tok := range m.tokens {
		if lit, ok := m.literal[tok]; ok {
			k = strings.ReplaceAll(k, tok, lit)
		}
	}
	return k
}

// str matches a recorded string, in which tokens may appear anywhere.
func (m *matcher) str(want, actual string) bool {
	if want == actual {
		return true
	}
	re, ok := m.cache[want]
	if !ok {
		var b strings.Builder
		b.WriteString("^")
		rest := want
		for len(rest) > 0 {
			at, tok := -1, ""
			for _, t := range m.tokens {
				if i := strings.Index(rest, t); i >= 0 && (at < 0 || i < at) {
					at, tok = i, t
				}
			}
			if at < 0 {
				b.WriteString(regexp.QuoteMeta(rest))
				break
			}
			b.WriteString(regexp.QuoteMeta(rest[:at]))
			if lit, ok := m.literal[tok]; ok {
				b.WriteString(regexp.QuoteMeta(lit))
			} else {
				b.WriteString(m.pattern[tok])
			}
			rest = rest[at+len(tok):]
		}
		b.WriteString("$")
		re, _ = regexp.Compile(b.String())
		m.cache[want] = re
	}
	return re != nil && re.MatchString(actual)
}

func short(v any) string {
	s := jsonvalue.MarshalString(v)
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
