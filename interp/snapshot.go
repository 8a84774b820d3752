package interp

import (
	"encoding/json"
	"fmt"
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
