package sfn

import "testing"

func TestWithoutExecutionDataCopies(t *testing.T) {
	t.Parallel()
	ev := &HistoryEvent{Type: EventPassStateExited, StateExitedEventDetails: &StateExitedDetails{Name: "P",
		Output: &Payload{Value: 1.0}, OutputDetails: &Truncation{}, AssignedVariables: map[string]string{"x": "1"},
		AssignedVariablesDetails: &Truncation{}}}
	kept := ev.WithoutExecutionData(false).StateExitedEventDetails
	if kept.Output != nil || kept.AssignedVariables != nil || kept.OutputDetails == nil || kept.AssignedVariablesDetails == nil || kept.Name != "P" {
		t.Fatalf("without data, keeping truncation: %+v", kept)
	}
	dropped := ev.WithoutExecutionData(true).StateExitedEventDetails
	if dropped.OutputDetails != nil || dropped.AssignedVariablesDetails != nil {
		t.Fatalf("without data and truncation: %+v", dropped)
	}
	if ev.StateExitedEventDetails.Output == nil || ev.StateExitedEventDetails.AssignedVariables == nil {
		t.Fatal("the original event was changed")
	}
	if ev.Details() != ev.StateExitedEventDetails {
		t.Fatal("Details does not return the set details")
	}
}

func TestErrorCause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ev        HistoryEvent
		err, want string
		ok        bool
	}{
		{HistoryEvent{TaskFailedEventDetails: &TaskErrorDetails{Error: "E", Cause: "c"}}, "E", "c", true},
		{HistoryEvent{ExecutionFailedEventDetails: &ErrorDetails{Error: "F"}}, "F", "", true},
		{HistoryEvent{StateEnteredEventDetails: &StateEnteredDetails{Name: "P"}}, "", "", false},
		{HistoryEvent{}, "", "", false},
	}
	for _, tt := range tests {
		e, c, ok := tt.ev.ErrorCause()
		if e != tt.err || c != tt.want || ok != tt.ok {
			t.Errorf("%+v: ErrorCause() = %q, %q, %v", tt.ev, e, c, ok)
		}
	}
}
