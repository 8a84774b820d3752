package pattern

import (
	"encoding/json"
	"math"
	"net/netip"
	"sort"
	"strings"
	"unicode/utf8"
)

// matcher matches one leaf value of an event: a string, a json.Number, a bool or nil.
type matcher interface {
	match(v any) bool
}

// exactString matches the same string; when the pattern's text is an IP address, it also
// matches the same address written another way (EventBridge compares addresses as addresses).
type exactString struct {
	text string
	ip   netip.Addr
}

func newExactString(s string) matcher {
	m := exactString{text: s}
	if ip, err := netip.ParseAddr(s); err == nil {
		m.ip = ip
	}
	return m
}

func (m exactString) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if s == m.text {
		return true
	}
	if m.ip.IsValid() {
		ip, err := netip.ParseAddr(s)
		return err == nil && ip == m.ip
	}
	return false
}

// exactNumber matches an equal number, by value (5 and 5.0) or by text (numbers too large
// to compare as values, such as account ids).
type exactNumber struct {
	text  string
	value float64
}

func (m exactNumber) match(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	return string(n) == m.text || numberValue(n) == m.value
}

type exactBool bool

func (m exactBool) match(v any) bool { b, ok := v.(bool); return ok && b == bool(m) }

type exactNull struct{}

func (exactNull) match(v any) bool { return v == nil }

// affix is prefix or suffix, optionally ignoring case.
type affix struct {
	suffix   bool
	text     string
	foldCase bool
}

func (m affix) match(v any) bool {
	s, ok := v.(string)
	if !ok || len(s) < len(m.text) && !m.foldCase {
		return false
	}
	if !m.foldCase {
		if m.suffix {
			return strings.HasSuffix(s, m.text)
		}
		return strings.HasPrefix(s, m.text)
	}
	ls, lt := strings.ToLower(s), strings.ToLower(m.text)
	if m.suffix {
		return strings.HasSuffix(ls, lt)
	}
	return strings.HasPrefix(ls, lt)
}

type ignoreCase struct{ want string }

func (m ignoreCase) match(v any) bool {
	s, ok := v.(string)
	return ok && strings.EqualFold(s, m.want)
}

// numericRange matches numbers between low and high.
type numericRange struct {
	low, high         float64
	openLow, openHigh bool
}

func (m numericRange) match(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	f := numberValue(n)
	if math.IsNaN(f) {
		return false
	}
	if f < m.low || m.openLow && f == m.low {
		return false
	}
	return f < m.high || !m.openHigh && f == m.high
}

// exists matches any leaf value when true; exists false is handled by the field (it is
// satisfied by the absence of values, not by a value).
type exists bool

func (m exists) match(any) bool { return bool(m) }

type cidr struct{ prefix netip.Prefix }

func (m cidr) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	ip, err := netip.ParseAddr(s)
	return err == nil && m.prefix.Contains(ip)
}

// anythingBut matches any value (of any type, null included) that is not one of the
// listed strings or numbers and that no inner matcher (prefix, suffix, wildcard,
// equals-ignore-case) matches.
type anythingBut struct {
	strings []string
	numbers []float64
	inner   []matcher
}

func (m anythingBut) match(v any) bool {
	switch x := v.(type) {
	case string:
		for _, s := range m.strings {
			if x == s {
				return false
			}
		}
	case json.Number:
		f := numberValue(x)
		for _, n := range m.numbers {
			if f == n {
				return false
			}
		}
	}
	for _, in := range m.inner {
		if in.match(v) {
			return false
		}
	}
	return true
}

// wildcard matches strings against a pattern where * stands for any run of characters; \*
// is a literal star and \\ a literal backslash.
type wildcard struct {
	parts []string // literal runs between stars
	lead  bool     // the pattern starts with a star
	trail bool     // the pattern ends with a star
}

// maxWildcardRepeats bounds how many wildcards may be followed by the same character: a
// pattern such as "*:*:*:*:*:x" makes a matcher try many ways at once, and EventBridge
// refuses it as too complex.
const maxWildcardRepeats = 4

func newWildcard(s string) (matcher, error) {
	var (
		w       wildcard
		cur     strings.Builder
		stars   int
		after   = map[rune]int{}
		lastWas bool
	)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\'):
			cur.WriteByte(s[i+1])
			i += 2
			lastWas = false
			continue
		case r == '\\':
			return nil, fail("Invalid escape character at pos %d", i)
		case r == '*':
			if lastWas {
				return nil, fail("Consecutive wildcard characters at pos %d", i)
			}
			if stars == 0 && cur.Len() == 0 {
				w.lead = true
			} else {
				w.parts = append(w.parts, cur.String())
			}
			cur.Reset()
			stars++
			lastWas = true
			if next, _ := utf8.DecodeRuneInString(s[i+1:]); i+1 < len(s) {
				after[next]++
				if after[next] > maxWildcardRepeats {
					return nil, fail("Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character")
				}
			}
			i += size
			continue
		}
		cur.WriteString(s[i : i+size])
		i += size
		lastWas = false
	}
	if lastWas {
		w.trail = true
	} else {
		w.parts = append(w.parts, cur.String())
	}
	if stars == 0 {
		return exactString{text: w.parts[0]}, nil
	}
	return w, nil
}

func (m wildcard) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	parts := m.parts
	if !m.lead {
		if !strings.HasPrefix(s, parts[0]) {
			return false
		}
		s, parts = s[len(parts[0]):], parts[1:]
	}
	if !m.trail {
		if len(parts) == 0 {
			return s == ""
		}
		last := parts[len(parts)-1]
		if !strings.HasSuffix(s, last) {
			return false
		}
		s, parts = s[:len(s)-len(last)], parts[:len(parts)-1]
	}
	// Each middle part is found at its earliest place: greedy search is exact for patterns
	// whose only special character is *.
	for _, part := range parts {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// newBranch orders a branch's fields by name.
func newBranch(fields map[string][]matcher) branch {
	b := branch{fields: make([]field, 0, len(fields))}
	for name, ms := range fields {
		b.fields = append(b.fields, field{name: name, matchers: ms})
	}
	sort.Slice(b.fields, func(i, j int) bool { return b.fields[i].name < b.fields[j].name })
	return b
}

// Match reports whether the event matches the pattern.
func (p *Pattern) Match(e *Event) bool {
	for i := range p.branches {
		if p.branches[i].match(e) {
			return true
		}
	}
	return false
}

func (b *branch) match(e *Event) bool {
	return b.matchFrom(e, 0, nil)
}

// matchFrom matches fields[i:] given the array elements the fields before chose: a field's
// leaf inside an array of objects must come from the same element as the other fields' leaves
// inside that array.
func (b *branch) matchFrom(e *Event, i int, chosen []arrayPos) bool {
	if i == len(b.fields) {
		return true
	}
	f := &b.fields[i]
	leaves := e.leaves[f.name]
	if len(leaves) == 0 {
		for _, m := range f.matchers {
			if ex, ok := m.(exists); ok && !bool(ex) {
				return b.matchFrom(e, i+1, chosen)
			}
		}
		return false
	}
	for li := range leaves {
		l := &leaves[li]
		if !consistent(chosen, l.trail) {
			continue
		}
		for _, m := range f.matchers {
			if ex, ok := m.(exists); ok && !bool(ex) {
				continue
			}
			if m.match(l.value) {
				if b.matchFrom(e, i+1, append(chosen[:len(chosen):len(chosen)], l.trail...)) {
					return true
				}
				break
			}
		}
	}
	return false
}

// consistent says trail picks the same element as chosen of every array both pass through.
func consistent(chosen, trail []arrayPos) bool {
	for _, t := range trail {
		for _, c := range chosen {
			if c.array == t.array && c.index != t.index {
				return false
			}
		}
	}
	return true
}
