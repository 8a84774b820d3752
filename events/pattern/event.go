package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Event is an event flattened for matching: its leaf values by dot-joined name.
type Event struct {
	leaves map[string][]leaf
	arrays int
}

type leaf struct {
	value any // string, json.Number, bool or nil
	trail []arrayPos
}

// arrayPos is the element of one array a leaf was found in.
type arrayPos struct {
	array int // arrays are numbered as the event is flattened
	index int
}

// MaxEventDepth bounds the nesting of an event's JSON.
const MaxEventDepth = 128

// ParseEvent flattens an event's JSON text, which must be an object.
func ParseEvent(text []byte) (*Event, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("event is not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("event is not JSON: text after the value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("event is not a JSON object")
	}
	return NewEvent(obj)
}

// NewEvent flattens a decoded event (numbers as json.Number or float64).
func NewEvent(obj map[string]any) (*Event, error) {
	e := &Event{leaves: map[string][]leaf{}}
	if err := e.flatten(obj, "", nil, 0); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Event) flatten(v any, name string, trail []arrayPos, depth int) error {
	if depth > MaxEventDepth {
		return fmt.Errorf("event is nested more than %d levels deep", MaxEventDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			full := k
			if name != "" {
				full = name + "." + k
			}
			if err := e.flatten(child, full, trail, depth+1); err != nil {
				return err
			}
		}
	case []any:
		e.arrays++
		id := e.arrays
		for i, child := range x {
			if err := e.flatten(child, name, append(trail[:len(trail):len(trail)], arrayPos{id, i}), depth+1); err != nil {
				return err
			}
		}
	case float64:
		e.leaves[name] = append(e.leaves[name], leaf{value: json.Number(formatFloat(x)), trail: trail})
	default:
		e.leaves[name] = append(e.leaves[name], leaf{value: x, trail: trail})
	}
	return nil
}

func formatFloat(f float64) string {
	b, err := json.Marshal(f)
	if err != nil {
		return "NaN"
	}
	return string(b)
}
