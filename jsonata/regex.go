package jsonata

import (
	"regexp"
	"strings"
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
	index  int // in UTF-16 code units, as JavaScript reports it
	start  int // byte offsets
	end    int
	groups []any // strings, nil for a group that did not take part
}

func (r *regexValue) matches(s string, limit int) []regexMatch {
	locs := r.re.FindAllStringSubmatchIndex(s, limit)
	out := make([]regexMatch, 0, len(locs))
	for _, loc := range locs {
		m := regexMatch{match: s[loc[0]:loc[1]], start: loc[0], end: loc[1], index: utf16Len(s[:loc[0]])}
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

// chain lists the matches jsonata-js finds by calling the regex and then next() on each
// match, as $match, $split and $replace do: the first match may be empty, but a later
// call that finds an empty match fails with D1004 (it would never progress), and next()
// is called once more after the limit-th match, so that failure counts there too.
// A limit of 0 never calls the regex; a negative limit means none.
func (r *regexValue) chain(s string, limit int, fn string) ([]regexMatch, error) {
	if limit == 0 {
		return nil, nil
	}
	fetch := -1
	if limit > 0 {
		fetch = limit + 1
	}
	all := r.matches(s, fetch)
	if len(all) == 0 {
		return nil, nil
	}
	n := 1
	for i := 0; ; i++ {
		if all[i].end >= len(s) {
			break
		}
		if all[i].match == "" || i+1 < len(all) && all[i+1].match == "" {
			return nil, newError("D1004", 0, fn, r.source)
		}
		if i+1 >= len(all) || limit > 0 && n >= limit {
			break
		}
		n++
	}
	return all[:n], nil
}

// utf16Len is the length of s in UTF-16 code units, JavaScript's string length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func (m regexMatch) toObject() *object {
	o := newObject()
	o.set("match", m.match)
	o.set("index", float64(m.index))
	o.set("groups", &seq{items: m.groups})
	return o
}

// regexNext is the next function of a match object a regex returned: it finds the match
// that follows, as the regex would continue from the end of this one.
type regexNext struct {
	re    *regexValue
	s     string
	after regexMatch
}

func (n *regexNext) arity() int { return 0 }

func (n *regexNext) call() (any, error) {
	if n.after.end >= len(n.s) {
		return Undefined, nil
	}
	if n.after.match == "" {
		return nil, newError("D1004", 0, "", n.re.source)
	}
	for _, m := range n.re.matches(n.s, -1) {
		if m.start < n.after.end {
			continue
		}
		if m.match == "" {
			return nil, newError("D1004", 0, "", n.re.source)
		}
		return m.toMatcherObject(n.re, n.s), nil
	}
	return Undefined, nil
}

// toMatcherObject is the form a regex itself returns when called as a function, and
// what $replace passes to a replacement function: offsets instead of an index.
func (m regexMatch) toMatcherObject(re *regexValue, s string) *object {
	o := newObject()
	o.set("match", m.match)
	o.set("start", float64(m.index))
	o.set("end", float64(m.index+utf16Len(m.match)))
	o.set("groups", &seq{items: m.groups})
	o.set("next", &regexNext{re: re, s: s, after: m})
	return o
}
