package jsonpath

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// Set returns a new root with value placed where the reference path points. The inputs are
// never changed: only the objects and arrays along the path are copied, everything else is
// shared with root. Missing objects along the way are created; a step through a value that
// is not an object (or an array index that is out of range) fails with an error wrapping
// ErrPathMismatch. The path "$" alone replaces the whole root.
func (p *Path) Set(root, value any) (any, error) {
	if !p.reference {
		return nil, fmt.Errorf("jsonpath %s: %w", p.Text, ErrNotReference)
	}
	return p.setAt(root, true, 0, value)
}

// setAt returns node with steps[i:] set to value. present is false when node does not exist
// yet, so that an object may be created in its place.
func (p *Path) setAt(node any, present bool, i int, value any) (any, error) {
	if i == len(p.steps) {
		return value, nil
	}
	s := &p.steps[i]
	switch s.kind {
	case selName:
		var m *jsonvalue.Object
		if present {
			var ok bool
			if m, ok = jsonvalue.AsObject(node); !ok {
				return nil, p.mismatch(i, node)
			}
		}
		child, childPresent := m.Get(s.name)
		newChild, err := p.setAt(child, childPresent, i+1, value)
		if err != nil {
			return nil, err
		}
		// AWS replaces an existing field in place and appends a new one at the end.
		return m.With(s.name, newChild), nil
	case selIndex:
		a, ok := node.([]any)
		if !present || !ok || s.index >= len(a) {
			return nil, p.mismatch(i, node)
		}
		newChild, err := p.setAt(a[s.index], true, i+1, value)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(a))
		copy(out, a)
		out[s.index] = newChild
		return out, nil
	}
	return nil, fmt.Errorf("jsonpath %s: %w", p.Text, ErrNotReference)
}

func (p *Path) mismatch(i int, node any) error {
	return fmt.Errorf("jsonpath %s: cannot apply %s to %s: %w", p.Text, p.prefix(i+1), kindOf(node), ErrPathMismatch)
}

// prefix writes the root and the first n steps of a reference path.
func (p *Path) prefix(n int) string {
	var b strings.Builder
	switch p.Root {
	case RootContext:
		b.WriteString("$$")
	case RootVariable:
		b.WriteString("$" + p.Variable)
	default:
		b.WriteString("$")
	}
	for _, s := range p.steps[:n] {
		if s.kind == selIndex {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		} else {
			b.WriteString("." + s.name)
		}
	}
	return b.String()
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case *jsonvalue.Object, map[string]any:
		return "an object"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
