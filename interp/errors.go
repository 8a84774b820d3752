package interp

import (
	"errors"
	"fmt"

	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"github.com/stepflow/stepflow/sfn"
)

// stateError is a runtime failure named after the AWS error it raises.
type stateError struct {
	name, cause string
	location    string // the field a States.QueryEvaluationError came from, for EvaluationFailed
	query       bool   // raised by this state's own JSONata evaluation
}

func (e *stateError) Error() string { return e.name + ": " + e.cause }

// runtimeError is AWS's States.Runtime failure, whose cause names the state and the event id
// it was entered at.
func runtimeError(f *Frame, st *state, format string, args ...any) *stateError {
	return &stateError{name: sfn.ErrorRuntime, cause: stateErrorPrefix(f, st) + fmt.Sprintf(format, args...)}
}

func stateErrorPrefix(f *Frame, st *state) string {
	return fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", st.name, f.EnteredEventID)
}

func dataLimitError(st *state) *stateError {
	return &stateError{name: sfn.ErrorDataLimitExceeded,
		cause: "The state/task '" + st.name + "' returned a result with a size exceeding the maximum number of bytes service limit."}
}

// dataLimitErrorFor is dataLimitError for v, saying so when v is refused for its nesting
// rather than its size.
func dataLimitErrorFor(st *state, v any) *stateError {
	if TooDeep(v) {
		return &stateError{name: sfn.ErrorDataLimitExceeded,
			cause: fmt.Sprintf("The state/task '%s' returned a result nested more than %d levels deep.", st.name, MaxValueDepth)}
	}
	return dataLimitError(st)
}

// checkAssignedSizes applies AWS's quotas on variables to one state's Assign: a single
// variable, and all the state assigns together, at most the payload limit (256 KiB by default).
func (e *Execution) checkAssignedSizes(f *Frame, st *state, assigned map[string]any) *stateError {
	limit := e.p.opts.PayloadLimit
	if limit <= 0 || len(assigned) == 0 {
		return nil
	}
	total := 2
	for name, v := range assigned {
		n := e.sizes.size(v, limit)
		if n > limit {
			return &stateError{name: sfn.ErrorDataLimitExceeded, cause: fmt.Sprintf(
				"The variable '%s' assigned by the state '%s' has a size exceeding the maximum of %d bytes.", name, st.name, limit)}
		}
		total += stringSize(name) + 1 + n + 1
		if total > limit {
			return &stateError{name: sfn.ErrorDataLimitExceeded, cause: fmt.Sprintf(
				"The variables assigned by the state '%s' have a combined size exceeding the maximum of %d bytes.", st.name, limit)}
		}
	}
	// All variables the execution holds, with these assignments in place of the values they
	// replace. Walking every frame is not free (a Map may hold thousands), so only assignments
	// large enough to matter pay for it; large values are measured once (the sizer remembers).
	if total < minAssignForTotalCheck {
		return nil
	}
	stored := 0
	for _, fr := range e.frames {
		for name, v := range fr.Vars {
			if _, replaced := assigned[name]; replaced && fr == f {
				continue
			}
			stored += stringSize(name) + e.sizes.size(v, maxStoredVariables)
		}
	}
	if stored+total > maxStoredVariables {
		return &stateError{name: sfn.ErrorDataLimitExceeded, cause: fmt.Sprintf(
			"The variables of the execution would have a combined size exceeding the maximum of %d bytes.", maxStoredVariables)}
	}
	return nil
}

// maxStoredVariables is AWS's quota on all the variables one execution holds: 10 MiB.
const maxStoredVariables = 10 << 20

// minAssignForTotalCheck: smaller assignments skip the execution-wide total (see above).
const minAssignForTotalCheck = 16 << 10

// ErrorMatches applies a Retrier's or Catcher's ErrorEquals to an error name. States.ALL
// matches every error but the terminal ones; States.TaskFailed every one but States.Timeout;
// States.Runtime is matched by no name.
func ErrorMatches(names []string, name string) bool {
	terminal := name == sfn.ErrorRuntime || name == sfn.ErrorDataLimitExceeded
	for _, n := range names {
		switch n {
		case name:
			return name != sfn.ErrorRuntime
		case sfn.ErrorAll:
			if !terminal {
				return true
			}
		case sfn.ErrorTaskFailed:
			if !terminal && name != sfn.ErrorTimeout {
				return true
			}
		}
	}
	return false
}

// errorOutput is the value a Catcher hands on: {"Error": ..., "Cause": ...}.
func errorOutput(name, cause string) *jsonvalue.Object {
	out := jsonvalue.NewObject(2)
	out.Set("Error", name)
	if cause != "" {
		out.Set("Cause", cause)
	}
	return out
}

// notFound is the States.Runtime error of a path that selects nothing, in AWS's words
// ("Invalid path '$.a' : No results for path: $['a']").
func notFound(f *Frame, st *state, p *jsonpath.Path, err error) *stateError {
	var nf *jsonpath.NotFoundError
	if errors.As(err, &nf) {
		return runtimeError(f, st, "%s", nf.Error())
	}
	return runtimeError(f, st, "Invalid path '%s' : %v", p.Text, err)
}
