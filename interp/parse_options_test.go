package interp

import (
	"testing"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
)

// TestParseOptionsJSONataChecks: a syntax error is an error diagnostic, an operator newer than
// AWS's JSONata a warning naming the spot (the definition stays valid).
func TestParseOptionsJSONataChecks(t *testing.T) {
	t.Parallel()
	_, diags := asl.Parse([]byte(`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.a ?? 0 %}","Next":"Q"},
		"Q":{"Type":"Pass","Output":"{% $states.input.( %}","End":true}}}`), ParseOptions(sfn.TypeStandard))
	var warned, broken bool
	for _, d := range diags {
		switch {
		case d.Severity == asl.SeverityWarning && d.Code == asl.CodeUnsupportedJSONata && d.Location == "/States/P/Output":
			warned = true
		case d.Severity == asl.SeverityError && d.Code == asl.CodeInvalidJSONataExpression && d.Location == "/States/Q/Output":
			broken = true
		}
	}
	if !warned || !broken {
		t.Fatalf("diagnostics %+v", diags)
	}
}
