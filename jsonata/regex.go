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
	groups []any // strings, nil for a group that did not take part
}

func (r *regexValue) matches(s string, limit int) []regexMatch {
	locs := r.re.FindAllStringSubmatchIndex(s, limit)
	out := make([]regexMatch, 0, len(locs))
	for _, loc := range locs {
		m := regexMatch{match: s[loc[0]:loc[1]], start: loc[0], end: loc[1], index: utf8.RuneCountInString(s[:loc[0]])}
		for g := 2; g < len(loc); g += 2 {
			if loc[g] < 0 {
				m.groups = append(m.groups, nil)
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
	o.set("groups", &seq{items: m.groups})
	return o
}

// toMatcherObject is the form a regex itself returns when called as a function, and
// what $replace passes to a replacement function: offsets instead of an index.
func (m regexMatch) toMatcherObject(s string) *object {
	o := newObject()
	o.set("match", m.match)
	o.set("start", float64(len(toUTF16(s[:m.start]))))
	o.set("end", float64(len(toUTF16(s[:m.end]))))
	o.set("groups", &seq{items: m.groups})
	return o
}
