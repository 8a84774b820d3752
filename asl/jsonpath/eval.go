package jsonpath

import (
	"math"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// Get evaluates the path against root (the value its Root names: the input for "$", the
// Context object for "$$", the variable's value for "$name").
//
// A definite path returns the value it selects, or an error wrapping ErrPathNotFound when
// there is none. Any other path returns a []any of the matches, which may be empty.
func (p *Path) Get(root any) (any, error) {
	if p.definite {
		v, ok := getDefinite(root, root, p.steps)
		if !ok {
			return nil, &NotFoundError{Path: p.Text, Detail: p.notFoundDetail(root)}
		}
		return v, nil
	}
	out := []any{}
	collect(root, root, p.steps, &out)
	return out, nil
}

// Exists reports whether the path selects anything: for a definite path, whether Get
// succeeds; for another path, whether it has at least one match.
func (p *Path) Exists(root any) bool {
	if p.definite {
		_, ok := getDefinite(root, root, p.steps)
		return ok
	}
	var out []any
	collect(root, root, p.steps, &out)
	return len(out) > 0
}

// getDefinite walks a definite path. It allocates only for a merged multi-name leaf or a
// function.
func getDefinite(node, root any, steps []step) (any, bool) {
	for i := range steps {
		s := &steps[i]
		switch s.kind {
		case selName:
			var ok bool
			if node, ok = field(node, s.name); !ok {
				return nil, false
			}
		case selIndex:
			a, ok := node.([]any)
			if !ok {
				return nil, false
			}
			idx := s.index
			if idx < 0 {
				idx += len(a)
			}
			if idx < 0 || idx >= len(a) {
				return nil, false
			}
			node = a[idx]
		case selNames:
			m, ok := jsonvalue.AsObject(node)
			if !ok {
				return nil, false
			}
			node = pick(m, s.names)
		case selFunction:
			return applyFunction(s.name, node)
		default:
			return nil, false
		}
	}
	return node, true
}

// collect appends to out every value steps select from node.
func collect(node, root any, steps []step, out *[]any) {
	if len(steps) == 0 {
		*out = append(*out, node)
		return
	}
	s := &steps[0]
	rest := steps[1:]
	if s.deep {
		collectDeep(node, root, s, rest, out)
		return
	}
	apply(node, root, s, rest, out)
}

// collectDeep applies s to node and then to each of its descendants, parents first.
func collectDeep(node, root any, s *step, rest []step, out *[]any) {
	apply(node, root, s, rest, out)
	if m, ok := jsonvalue.AsObject(node); ok {
		for i := range m.Len() {
			collectDeep(m.ValueAt(i), root, s, rest, out)
		}
		return
	}
	switch n := node.(type) {
	case []any:
		for _, v := range n {
			collectDeep(v, root, s, rest, out)
		}
	}
}

// apply applies one selector to node and continues with rest for each selected value.
// Missing fields and out-of-range indexes select nothing.
func apply(node, root any, s *step, rest []step, out *[]any) {
	switch s.kind {
	case selName:
		if v, present := field(node, s.name); present {
			collect(v, root, rest, out)
		}
	case selNames:
		m, ok := jsonvalue.AsObject(node)
		if !ok {
			return
		}
		if len(rest) == 0 && !s.deep {
			*out = append(*out, pick(m, s.names))
			return
		}
		for _, name := range s.names {
			if v, present := m.Get(name); present {
				collect(v, root, rest, out)
			}
		}
	case selIndex:
		if a, ok := node.([]any); ok {
			idx := s.index
			if idx < 0 {
				idx += len(a)
			}
			if idx >= 0 && idx < len(a) {
				collect(a[idx], root, rest, out)
			}
		}
	case selIndexes:
		if a, ok := node.([]any); ok {
			for _, idx := range s.indexes {
				if idx < 0 {
					idx += len(a)
				}
				if idx >= 0 && idx < len(a) {
					collect(a[idx], root, rest, out)
				}
			}
		}
	case selWildcard:
		if m, ok := jsonvalue.AsObject(node); ok {
			for i := range m.Len() {
				collect(m.ValueAt(i), root, rest, out)
			}
			return
		}
		switch n := node.(type) {
		case []any:
			for _, v := range n {
				collect(v, root, rest, out)
			}
		}
	case selSlice:
		if a, ok := node.([]any); ok {
			s.slice.each(len(a), func(i int) { collect(a[i], root, rest, out) })
		}
	case selFilter:
		switch n := node.(type) {
		case []any:
			for _, v := range n {
				if s.filter.test(v, root) {
					collect(v, root, rest, out)
				}
			}
		case *jsonvalue.Object, map[string]any:
			// Jayway tests an object against the filter as a whole.
			if s.filter.test(n, root) {
				collect(n, root, rest, out)
			}
		}
	case selFunction:
		if v, ok := applyFunction(s.name, node); ok {
			collect(v, root, rest, out)
		}
	}
}

// each calls f with each index the slice selects from an array of length n, with Python's
// rules for negative and out-of-range bounds.
func (sl sliceSpec) each(n int, f func(int)) {
	stepBy := 1
	if sl.hasStep {
		stepBy = sl.step
	}
	clamp := func(v, lo, hi int) int { return max(lo, min(v, hi)) }
	if stepBy > 0 {
		start, end := 0, n
		if sl.hasStart {
			start = sl.start
			if start < 0 {
				start += n
			}
			start = clamp(start, 0, n)
		}
		if sl.hasEnd {
			end = sl.end
			if end < 0 {
				end += n
			}
			end = clamp(end, 0, n)
		}
		for i := start; i < end; i += stepBy {
			f(i)
			if stepBy >= end-i { // the next index would reach end (or overflow)
				break
			}
		}
		return
	}
	start, end := n-1, -1
	if sl.hasStart {
		start = sl.start
		if start < 0 {
			start += n
		}
		start = clamp(start, -1, n-1)
	}
	if sl.hasEnd {
		end = sl.end
		if end < 0 {
			end += n
		}
		end = clamp(end, -1, n-1)
	}
	for i := start; i > end; i += stepBy {
		f(i)
		if -stepBy >= i-end || stepBy == math.MinInt {
			break
		}
	}
}

// field is the value of an object's field: the step every path takes most.
func field(node any, name string) (any, bool) {
	switch m := node.(type) {
	case *jsonvalue.Object:
		return m.Get(name)
	case map[string]any:
		v, ok := m[name]
		return v, ok
	}
	return nil, false
}

// pick is the object of the named fields that m has, in the order the path names them, as
// Jayway builds it.
func pick(m *jsonvalue.Object, names []string) *jsonvalue.Object {
	merged := jsonvalue.NewObject(len(names))
	for _, name := range names {
		if v, present := m.Get(name); present {
			merged.Set(name, v)
		}
	}
	return merged
}

// pathFunctions are the functions a path may end with, as in Jayway.
var pathFunctions = map[string]struct{}{
	"length": {}, "size": {}, "min": {}, "max": {}, "avg": {}, "sum": {}, "keys": {}, "first": {}, "last": {},
}

func applyFunction(name string, v any) (any, bool) {
	switch name {
	case "length", "size":
		switch x := v.(type) {
		case []any:
			return float64(len(x)), true
		case *jsonvalue.Object:
			return float64(x.Len()), true
		case map[string]any:
			return float64(len(x)), true
		case string:
			return float64(len([]rune(x))), true
		}
		return nil, false
	case "keys":
		m, ok := jsonvalue.AsObject(v)
		if !ok {
			return nil, false
		}
		keys := m.Keys()
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, true
	case "first", "last":
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			return nil, false
		}
		if name == "first" {
			return a[0], true
		}
		return a[len(a)-1], true
	}
	// Numeric aggregates over an array of numbers.
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil, false
	}
	sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, item := range a {
		f, isNum := jsonvalue.Float(item)
		if !isNum {
			return nil, false
		}
		sum += f
		lo, hi = min(lo, f), max(hi, f)
	}
	switch name {
	case "min":
		return lo, true
	case "max":
		return hi, true
	case "avg":
		return sum / float64(len(a)), true
	case "sum":
		return sum, true
	}
	return nil, false
}

// NotFoundError is the error Get returns when a definite path selects nothing. Its message
// has the shape of AWS's (Jayway's), e.g. "Invalid path '$.a.b' : Missing property in path
// $['a']", which the interpreter puts in States.Runtime causes.
type NotFoundError struct {
	Path   string // the path as written
	Detail string // what is missing, in Jayway's words and normalized path notation
}

func (e *NotFoundError) Error() string {
	return "Invalid path '" + e.Path + "' : " + e.Detail
}

// Unwrap makes errors.Is(err, ErrPathNotFound) hold.
func (e *NotFoundError) Unwrap() error { return ErrPathNotFound }

// notFoundDetail walks root again to say where a definite path stopped matching: a missing
// field before the last step is "Missing property in path $['a']", anything else is
// "No results for path: $['a']['b']".
func (p *Path) notFoundDetail(root any) string {
	node := root
	for i := range p.steps {
		s := &p.steps[i]
		last := i == len(p.steps)-1
		switch s.kind {
		case selName:
			m, isObject := jsonvalue.AsObject(node)
			if !isObject {
				return "Expected to find an object with property " + normalizedStep(s) + " in path " +
					normalized(p.steps[:i]) + " but found " + kindOf(node)
			}
			v, present := m.Get(s.name)
			if !present {
				if last {
					return "No results for path: " + normalized(p.steps)
				}
				return "Missing property in path " + normalized(p.steps[:i+1])
			}
			node = v
		default:
			v, ok := getDefinite(node, root, p.steps[i:i+1])
			if !ok {
				return "No results for path: " + normalized(p.steps)
			}
			node = v
		}
	}
	return "No results for path: " + normalized(p.steps)
}

// normalized writes steps in Jayway's normalized notation: $['a']['b'][0].
func normalized(steps []step) string {
	var b strings.Builder
	b.WriteString("$")
	for i := range steps {
		b.WriteString(normalizedStep(&steps[i]))
	}
	return b.String()
}

func normalizedStep(s *step) string {
	prefix := ""
	if s.deep {
		prefix = ".."
	}
	switch s.kind {
	case selName:
		return prefix + "['" + s.name + "']"
	case selNames:
		return prefix + "['" + strings.Join(s.names, "', '") + "']"
	case selIndex:
		return prefix + "[" + strconv.Itoa(s.index) + "]"
	case selIndexes:
		parts := make([]string, len(s.indexes))
		for i, n := range s.indexes {
			parts[i] = strconv.Itoa(n)
		}
		return prefix + "[" + strings.Join(parts, ",") + "]"
	case selWildcard:
		return prefix + "[*]"
	case selFunction:
		return "." + s.name + "()"
	case selSlice:
		return prefix + "[slice]"
	}
	return prefix + "[?]"
}
