package interp

import "slices"

// One call to Start or Handle does a bounded amount of work. A loop of Pass and Choice states
// never waits for anything, so without a bound the step that runs it would never end: the
// engine could not commit it, answer StartExecution, or deliver a StopExecution, and its
// history would grow in memory until the process died. So once a step has entered
// maxStepStates states, or its states have put out maxStepPayload bytes, every frame that
// is about to enter a state is parked instead, and a Map or Parallel with children left to
// start stops starting them. A timer due at once (kind waitContinue) resumes them, in the
// order they stopped, as the next step: the engine commits the step before, and the timer,
// like any other, survives a restart and lets other events (a stop request) in between.
// Parking writes no history: the events read as if the step had never been cut.
//
// The bounds also keep a step's history chunk small: a store reads a history page by
// decoding the chunks it overlaps, and 1,024 states (about 2,000 events) is the size of the
// longest steps of ordinary workloads (a chain of 1,000 Pass states, a Map of 1,000 tasks).
//
// A Standard execution's loop then ends at the history quota (Options.MaxHistoryEvents); an
// Express one at its engine's time limit or StopExecution.
const (
	maxStepStates  = 1024
	maxStepPayload = 64 << 20
)

// stepFull reports whether this step has done all it may.
func (e *Execution) stepFull() bool {
	return e.stepStates >= maxStepStates || e.stepPayload >= maxStepPayload
}

// countPayload adds a state's output, of size bytes, to this step's work. The Entered event
// of the next state usually carries the same value, so it counts twice.
func (e *Execution) countPayload(size int) { e.stepPayload += 2 * size }

// park stops frame f before it enters st with input; the next step enters it.
func (e *Execution) park(f *Frame, st *state, input any) {
	f.State, f.Input, f.Effective = st.index, input, nil
	f.Parked = true
	e.s.Parked = append(e.s.Parked, f.ID)
	e.continueLater()
}

// parkFan stops the fan of frame f from starting more children; the next step goes on.
func (e *Execution) parkFan(f *Frame) {
	f.Fan.Parked = true
	e.s.Parked = append(e.s.Parked, f.ID)
	e.continueLater()
}

func (e *Execution) continueLater() {
	if e.s.ContinueTimer == "" {
		e.s.ContinueTimer = e.newTimer(e.s.Root, waitContinue, e.now)
	}
}

// continueParked resumes the parked frames, oldest first, as far as this step's bounds allow.
// A frame that left its parked place meanwhile (its branch was aborted, its fan failed or
// ended) is skipped: its flag went with it.
func (e *Execution) continueParked() {
	parked := e.s.Parked
	e.s.Parked = nil
	for i, id := range parked {
		if !e.running() {
			return
		}
		if e.stepFull() {
			e.s.Parked = slices.Concat(parked[i:], e.s.Parked)
			e.continueLater()
			return
		}
		f := e.frames[id]
		switch {
		case f == nil:
		case f.Parked:
			f.Parked = false
			e.drive(f, e.enter(f, e.p.states[f.State], f.Input))
		case f.Fan != nil && f.Fan.Parked:
			f.Fan.Parked = false
			e.drive(f, e.pump(f, e.p.states[f.State]))
		}
	}
}
