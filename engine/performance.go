package engine

import (
	"slices"
	"strings"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/store"
)

// executionEnd is what the store's performance rollups learn from the step that ends an
// execution: its run's start and the time it spent per state, which the interpreter summed
// from the step times as it went (so a restart in between loses none of it).
func executionEnd(s *interp.ExecutionState) *store.ExecutionEnd {
	start := s.Info.StartTime
	if !s.RedriveDate.IsZero() {
		start = s.RedriveDate
	}
	return &store.ExecutionEnd{StateMachineARN: s.Info.StateMachineARN, RunStart: start, States: stateTimes(s.StateTimes)}
}

// stateTimes lists the interpreter's time per state by name.
func stateTimes(m map[string]interp.StateTime) []store.StateTime {
	out := make([]store.StateTime, 0, len(m))
	for name, t := range m {
		out = append(out, store.StateTime{Name: name, Runs: t.Runs, Total: t.Total, Max: t.Max})
	}
	slices.SortFunc(out, func(a, b store.StateTime) int { return strings.Compare(a.Name, b.Name) })
	return out
}
