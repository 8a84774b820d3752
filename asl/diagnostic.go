package asl

// Severity of a diagnostic, as ValidateStateMachineDefinition reports it.
type Severity string

// Diagnostic severities.
const (
	SeverityError   Severity = "ERROR"
	SeverityWarning Severity = "WARNING"
)

// Diagnostic is one problem found in a definition, in the shape of AWS's
// ValidateStateMachineDefinitionDiagnostic.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Location string   `json:"location,omitempty"`
}

// Diagnostics is every problem found in a definition.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error (CreateStateMachine would reject the definition).
func (d Diagnostics) HasErrors() bool {
	for _, x := range d {
		if x.Severity == SeverityError {
			return true
		}
	}
	return false
}
