package interp

import (
	"encoding/json"
	"fmt"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// snapshotVersion changes whenever ExecutionState changes incompatibly.
const snapshotVersion = 1

type snapshot struct {
	Version int
	State   ExecutionState
}

// Snapshot encodes the execution's whole state, for a durable store.
func (e *Execution) Snapshot() ([]byte, error) { return e.encode(e.s) }

// SnapshotWithoutInput is Snapshot without the execution's input, for a store that keeps the
// input beside the snapshot anyway: the input, up to the payload limit, is then not written
// again at every step. RestoreWithInput puts it back.
func (e *Execution) SnapshotWithoutInput() ([]byte, error) {
	state := e.s
	state.Input = nil
	return e.encode(state)
}

func (e *Execution) encode(state ExecutionState) ([]byte, error) {
	b, err := json.Marshal(snapshot{Version: snapshotVersion, State: state})
	if err != nil {
		return nil, fmt.Errorf("snapshot execution %s: %w", e.s.Info.ExecutionARN, err)
	}
	return b, nil
}

// RestoreWithInput is Restore for a SnapshotWithoutInput: input is the execution's input.
func (p *Program) RestoreWithInput(data []byte, input any) (*Execution, error) {
	e, err := p.Restore(data)
	if err != nil {
		return nil, err
	}
	e.s.Input = input
	return e, nil
}

// Restore rebuilds an execution of this program from a Snapshot.
func (p *Program) Restore(data []byte) (*Execution, error) {
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("restore execution: %w", err)
	}
	if s.Version != snapshotVersion {
		return nil, fmt.Errorf("restore execution: snapshot version %d, want %d", s.Version, snapshotVersion)
	}
	e := &Execution{p: p, s: s.State, frames: map[int]*Frame{}, hist: p.opts.History}
	if e.s.Waits == nil {
		e.s.Waits = map[string]Wait{}
	}
	if e.s.Root != nil {
		if err := e.link(e.s.Root, nil); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// link restores parent pointers and the frame index.
func (e *Execution) link(f, parent *Frame) error {
	if f.State >= len(e.p.states) {
		return fmt.Errorf("restore execution: frame %d is at state %d, which the program does not have", f.ID, f.State)
	}
	f.parent = parent
	switch {
	case f.Child != nil:
		f.owner = f
		if parent != nil && parent.Fan != nil {
			parent.Fan.identify(f.Child, f.Index)
		}
	case parent != nil:
		f.owner = parent.owner
	}
	if f.State >= 0 {
		e.frames[f.ID] = f
	}
	if f.Fan != nil {
		if f.Fan.Children == nil {
			f.Fan.Children = map[int]*Frame{}
		}
		for _, child := range f.Fan.Children {
			if err := e.link(child, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// Values in a snapshot are decoded in the engine's form (jsonvalue.Decode), so that objects
// keep their key order and big integers their digits across a restore: encoding/json alone
// would give Go maps and float64s. Each struct that holds values decodes them itself.

func decodeValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	return jsonvalue.Decode(raw)
}

func decodeList(raw json.RawMessage) ([]any, error) {
	v, err := decodeValue(raw)
	if err != nil || v == nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON array, got %s", raw)
	}
	return list, nil
}

func decodeVars(raw map[string]json.RawMessage) (map[string]any, error) {
	if raw == nil {
		return nil, nil
	}
	vars := make(map[string]any, len(raw))
	for k, r := range raw {
		v, err := decodeValue(r)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", k, err)
		}
		vars[k] = v
	}
	return vars, nil
}

// UnmarshalJSON decodes the state with its values in the engine's form.
func (s *ExecutionState) UnmarshalJSON(b []byte) error {
	type fields ExecutionState
	var raw struct {
		*fields
		Input  json.RawMessage
		Output json.RawMessage
	}
	raw.fields = (*fields)(s)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var err error
	if s.Input, err = decodeValue(raw.Input); err != nil {
		return err
	}
	s.Output, err = decodeValue(raw.Output)
	return err
}

// UnmarshalJSON decodes the frame with its values in the engine's form.
func (f *Frame) UnmarshalJSON(b []byte) error {
	type fields Frame
	var raw struct {
		*fields
		Input     json.RawMessage
		Effective json.RawMessage
		Vars      map[string]json.RawMessage
	}
	raw.fields = (*fields)(f)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var err error
	if f.Input, err = decodeValue(raw.Input); err != nil {
		return err
	}
	if f.Effective, err = decodeValue(raw.Effective); err != nil {
		return err
	}
	f.Vars, err = decodeVars(raw.Vars)
	return err
}

// UnmarshalJSON decodes the fan with its values in the engine's form.
func (fan *Fan) UnmarshalJSON(b []byte) error {
	type fields Fan
	var raw struct {
		*fields
		Input   json.RawMessage
		Items   json.RawMessage
		Results json.RawMessage
	}
	raw.fields = (*fields)(fan)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var err error
	if fan.Input, err = decodeValue(raw.Input); err != nil {
		return err
	}
	if fan.Items, err = decodeList(raw.Items); err != nil {
		return err
	}
	fan.Results, err = decodeList(raw.Results)
	return err
}

// UnmarshalJSON decodes the resume point with its values in the engine's form.
func (r *Resume) UnmarshalJSON(b []byte) error {
	type fields Resume
	var raw struct {
		*fields
		Input json.RawMessage
		Vars  map[string]json.RawMessage
	}
	raw.fields = (*fields)(r)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var err error
	if r.Input, err = decodeValue(raw.Input); err != nil {
		return err
	}
	r.Vars, err = decodeVars(raw.Vars)
	return err
}
