package jsonata

import (
	"encoding/json"
	"math"
	"unicode/utf16"
)

// A custom matcher is any function given to $match, $contains, $split or $replace in
// place of a regex. JSONata calls it with the string and expects the object a regex
// itself returns when called: {match, start, end, groups, next}, where start and end are
// UTF-16 offsets and next() returns the following match or undefined. Regex literals keep
// their direct (faster) paths; everything here serves the general case.

// customMatch is one object a custom matcher returned, with the fields JSONata reads.
type customMatch struct {
	raw    any // as returned; a replacement function receives it unchanged
	match  any
	start  any
	end    any
	groups any
	next   any
}

// callMatcher calls a matcher (the first time with the string, later through next() with
// no argument) and checks the shape of what it returns as jsonata-js does: undefined ends
// the matches; anything else truthy must have a numeric start, an array of groups or a
// next function, or the call fails with T1010.
func (ev *evaluator) callMatcher(fn any, arg any, env *frame) (*customMatch, error) {
	if !isFunction(fn) {
		// jsonata-js fails here with a JavaScript TypeError (no code): the previous match
		// had no next function.
		return nil, newError("T1010", 0, "", nil)
	}
	res, err := ev.apply(fn, []any{arg}, Undefined, env)
	if err != nil {
		return nil, err
	}
	if res == Undefined {
		return nil, nil
	}
	m := &customMatch{raw: res, match: Undefined, start: Undefined, end: Undefined, groups: Undefined, next: Undefined}
	if isObject(res) {
		m.match = fieldOrUndefined(res, "match")
		m.start = fieldOrUndefined(res, "start")
		m.end = fieldOrUndefined(res, "end")
		m.groups = fieldOrUndefined(res, "groups")
		m.next = fieldOrUndefined(res, "next")
	}
	if jsTruthy(res) {
		startIsNumber := isNumber(m.start)
		_, groupsIsArray := asArray(m.groups)
		if !startIsNumber && !groupsIsArray && !isFunction(m.next) {
			return nil, newError("T1010", 0, "", nil)
		}
	}
	return m, nil
}

func fieldOrUndefined(obj any, key string) any {
	if v, ok := objectGet(obj, key); ok {
		return v
	}
	return Undefined
}

// jsTruthy is JavaScript's truthiness for a JSONata value.
func jsTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case json.Number:
		n, _ := asNumber(x)
		return n != 0
	case string:
		return x != ""
	}
	return v != Undefined
}

// matcherText is a string with its UTF-16 form, since custom matchers report JavaScript
// string offsets.
type matcherText struct {
	s     string
	units []uint16 // nil when s is ASCII: offsets are then byte offsets
}

func newMatcherText(s string) *matcherText {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return &matcherText{s: s, units: toUTF16(s)}
		}
	}
	return &matcherText{s: s}
}

func (t *matcherText) length() int {
	if t.units != nil {
		return len(t.units)
	}
	return len(t.s)
}

// offset converts a matcher's start or end to an offset as JavaScript's substring does:
// truncated, clamped to the string; undefined means def.
func (t *matcherText) offset(v any, def int) (int, error) {
	if v == Undefined {
		return def, nil
	}
	f, ok := asNumber(v)
	if !ok {
		return 0, newError("T1010", 0, "", nil)
	}
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0, nil
	case f >= float64(t.length()):
		return t.length(), nil
	}
	return int(f), nil
}

// substring is JavaScript's str.substring(from, to) on already converted offsets.
func (t *matcherText) substring(from, to int) string {
	if from > to {
		from, to = to, from
	}
	if t.units == nil {
		return t.s[from:to]
	}
	return string(utf16.Decode(t.units[from:to]))
}

// matchString is the match field, which $replace needs as a string.
func (m *customMatch) matchString() (string, error) {
	s, ok := m.match.(string)
	if !ok {
		return "", newError("T1010", 0, "", nil)
	}
	return s, nil
}

// containsCustom is $contains with a custom matcher: true when it reports any match.
func (ev *evaluator) containsCustom(s string, matcher any, env *frame) (any, error) {
	m, err := ev.callMatcher(matcher, s, env)
	if err != nil {
		return nil, err
	}
	return m != nil, nil
}

// matchCustom is $match with a custom matcher: one {match, index, groups} per match,
// taken from the matcher's fields as they are.
func (ev *evaluator) matchCustom(s string, matcher any, limit int, env *frame) (any, error) {
	out := &seq{sequence: true}
	if limit == 0 {
		return out, nil
	}
	m, err := ev.callMatcher(matcher, s, env)
	for count := 0; err == nil && m != nil && (limit < 0 || count < limit); count++ {
		ev.budget.spend(objectCost + 4)
		o := newObject()
		for _, f := range [...]struct {
			key string
			v   any
		}{{"match", m.match}, {"index", m.start}, {"groups", m.groups}} {
			if f.v != Undefined {
				o.set(f.key, f.v)
			}
		}
		out.items = append(out.items, o)
		m, err = ev.callMatcher(m.next, Undefined, env)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// splitCustom is $split with a custom matcher: the text between matches.
func (ev *evaluator) splitCustom(s string, matcher any, limit int, env *frame) ([]string, error) {
	if limit == 0 {
		return nil, nil
	}
	text := newMatcherText(s)
	m, err := ev.callMatcher(matcher, s, env)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return []string{s}, nil
	}
	var parts []string
	from := 0
	count := 0
	for ; m != nil && (limit < 0 || count < limit); count++ {
		to, err := text.offset(m.start, 0)
		if err != nil {
			return nil, err
		}
		ev.budget.spend(1)
		parts = append(parts, text.substring(from, to))
		if from, err = text.offset(m.end, 0); err != nil {
			return nil, err
		}
		if m, err = ev.callMatcher(m.next, Undefined, env); err != nil {
			return nil, err
		}
	}
	if limit < 0 || count < limit {
		parts = append(parts, text.substring(from, text.length()))
	}
	return parts, nil
}

// replaceCustom is $replace with a custom matcher. As in jsonata-js, the text resumes
// after start plus the length of match (not at end).
func (ev *evaluator) replaceCustom(s string, matcher, replacement any, limit int, env *frame) (any, error) {
	if limit == 0 {
		return s, nil
	}
	text := newMatcherText(s)
	m, err := ev.callMatcher(matcher, s, env)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return s, nil
	}
	var out []byte
	position := 0
	for count := 0; m != nil && (limit < 0 || count < limit); count++ {
		start, err := text.offset(m.start, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, text.substring(position, start)...)
		matched, err := m.matchString()
		if err != nil {
			return nil, err
		}
		switch r := replacement.(type) {
		case string:
			groups, ok := asArray(m.groups)
			if !ok {
				return nil, newError("T1010", 0, "", nil)
			}
			out = append(out, substituteGroups(r, regexMatch{match: matched, groups: groups})...)
		default:
			v, err := ev.apply(r, []any{m.raw}, Undefined, env)
			if err != nil {
				return nil, err
			}
			str, ok := v.(string)
			if !ok {
				return nil, newError("D3012", 0, "replace", v)
			}
			out = append(out, str...)
		}
		if room := ev.budget.stringRoom(); room >= 0 && len(out) > room {
			ev.budget.spendString(len(out))
		}
		mf, _ := asNumber(m.start)
		if position, err = text.offset(math.Trunc(mf)+float64(len(utf16.Encode([]rune(matched)))), 0); err != nil {
			return nil, err
		}
		if m, err = ev.callMatcher(m.next, Undefined, env); err != nil {
			return nil, err
		}
	}
	out = append(out, text.substring(position, text.length())...)
	ev.budget.spendString(len(out))
	return string(out), nil
}
