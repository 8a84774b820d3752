package pattern

import "sort"

// Set holds compiled patterns under ids (rule names) and answers which of them an event
// matches. Branches that require an exact string value of some field are indexed by that
// value, so an event is tried only against the branches its values can satisfy plus those
// with no exact value to key on; matching stays nearly flat as rules grow into thousands
// when, as usual, rules name a source or detail-type.
type Set struct {
	byValue map[string]map[string][]entry // field name → exact value → branches
	rest    []entry                       // branches with no exact string to key on
	ids     map[string]*Pattern
}

type entry struct {
	id     string
	branch *branch
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{byValue: map[string]map[string][]entry{}, ids: map[string]*Pattern{}}
}

// Add puts p in the set under id, replacing a pattern of the same id.
func (s *Set) Add(id string, p *Pattern) {
	if _, ok := s.ids[id]; ok {
		s.Remove(id)
	}
	s.ids[id] = p
	for i := range p.branches {
		b := &p.branches[i]
		name, values := s.indexKey(b)
		if name == "" {
			s.rest = append(s.rest, entry{id, b})
			continue
		}
		if s.byValue[name] == nil {
			s.byValue[name] = map[string][]entry{}
		}
		for _, v := range values {
			s.byValue[name][v] = append(s.byValue[name][v], entry{id, b})
		}
	}
}

// indexKey picks the field of b to index it by: one whose matchers are all exact strings
// (a value outside them cannot match the branch). Of those, the one whose values already
// key the fewest branches wins, so that rules sharing a value (a common detail-type) spread
// over the values that tell them apart (their sources).
func (s *Set) indexKey(b *branch) (string, []string) {
	var (
		best     string
		values   []string
		bestLoad = -1
	)
	for _, f := range b.fields {
		var vs []string
		for _, m := range f.matchers {
			es, ok := m.(exactString)
			if !ok || es.ip.IsValid() {
				vs = nil
				break
			}
			vs = append(vs, es.text)
		}
		if vs == nil {
			continue
		}
		load := 0
		for _, v := range vs {
			load += len(s.byValue[f.name][v]) + 1
		}
		if bestLoad < 0 || load < bestLoad {
			best, values, bestLoad = f.name, vs, load
		}
	}
	return best, values
}

// Remove takes the pattern under id out of the set.
func (s *Set) Remove(id string) {
	if _, ok := s.ids[id]; !ok {
		return
	}
	delete(s.ids, id)
	keep := func(es []entry) []entry {
		out := es[:0]
		for _, e := range es {
			if e.id != id {
				out = append(out, e)
			}
		}
		return out
	}
	s.rest = keep(s.rest)
	for name, byValue := range s.byValue {
		for v, es := range byValue {
			if es = keep(es); len(es) == 0 {
				delete(byValue, v)
			} else {
				byValue[v] = es
			}
		}
		if len(byValue) == 0 {
			delete(s.byValue, name)
		}
	}
}

// Len is the number of patterns in the set.
func (s *Set) Len() int { return len(s.ids) }

// Match returns the ids of the patterns e matches, sorted.
func (s *Set) Match(e *Event) []string {
	matched := map[string]bool{}
	try := func(es []entry) {
		for _, en := range es {
			if !matched[en.id] && en.branch.match(e) {
				matched[en.id] = true
			}
		}
	}
	for name, byValue := range s.byValue {
		for _, l := range e.leaves[name] {
			if str, ok := l.value.(string); ok {
				try(byValue[str])
			}
		}
	}
	try(s.rest)
	ids := make([]string, 0, len(matched))
	for id := range matched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
