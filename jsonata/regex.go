package jsonata

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// regexValue is a compiled regex literal. JSONata regexes use JavaScript syntax; Go's RE2
// accepts the common subset (no look-around or back-references).
type regexValue struct {
	source string
	re     *regexp.Regexp
}

func (r *regexValue) arity() int { return 1 }

func compileRegex(pattern, flags string) (*regexValue, error) {
	prefix := ""
	if strings.Contains(flags, "i") {
		prefix += "i"
	}
	if strings.Contains(flags, "m") {
		prefix += "m"
	}
	if strings.Contains(flags, "s") {
		prefix += "s"
	}
	src := pattern
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	return &regexValue{source: pattern, re: re}, nil
}

// regexMatch is one match as JSONata's $match reports it.
type regexMatch struct {
	match  string
	index  int // in characters (code points)
	start  int // byte offsets
	end    int
	groups []string
}

func (r *regexValue) matches(s string, limit int) []regexMatch {
	locs := r.re.FindAllStringSubmatchIndex(s, limit)
	out := make([]regexMatch, 0, len(locs))
	for _, loc := range locs {
		m := regexMatch{match: s[loc[0]:loc[1]], start: loc[0], end: loc[1], index: utf8.RuneCountInString(s[:loc[0]])}
		for g := 2; g < len(loc); g += 2 {
			if loc[g] < 0 {
				m.groups = append(m.groups, "")
			} else {
				m.groups = append(m.groups, s[loc[g]:loc[g+1]])
			}
		}
		out = append(out, m)
	}
	return out
}

func (m regexMatch) toObject() *object {
	o := newObject()
	o.set("match", m.match)
	o.set("index", float64(m.index))
	groups := make([]any, len(m.groups))
	for i, g := range m.groups {
		groups[i] = g
	}
	o.set("groups", &seq{items: groups})
	return o
}

func (r *regexValue) find(s string, limit int) []any {
	var out []any
	for _, m := range r.matches(s, limit) {
		out = append(out, m.toObject())
	}
	return out
}
