package interp

import (
	"testing"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
)

// TestParseOptionsJSONataChecks: a definition's JSONata is read as JSONata 2.0.6, which AWS
// runs, so the 2.1 operators "??" and "?:" are syntax errors there, reported with 2.0.6's
// message (as node runs of jsonata-js 2.0.6 give it) like any other syntax error.
func TestParseOptionsJSONataChecks(t *testing.T) {
	t.Parallel()
	_, diags := asl.Parse([]byte(`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.a ?? 0 %}","Next":"E"},
		"E":{"Type":"Pass","Output":"{% $states.input.a ?: 0 %}","Next":"T"},
		"T":{"Type":"Pass","Output":"{% $states.input.a ? 1 : 0 %}","Next":"Q"},
		"Q":{"Type":"Pass","Output":"{% $states.input.( %}","End":true}}}`), ParseOptions(sfn.TypeStandard))
	want := map[string]string{
		"/States/P/Output": `The symbol "?" cannot be used as a unary operator`,
		"/States/E/Output": `The symbol ":" cannot be used as a unary operator`,
		"/States/Q/Output": "",
	}
	for _, d := range diags {
		if d.Severity != asl.SeverityError || d.Code != asl.CodeInvalidJSONataExpression {
			t.Errorf("unexpected diagnostic %+v", d)
			continue
		}
		msg, ok := want[d.Location]
		if !ok {
			t.Errorf("unexpected diagnostic %+v", d)
			continue
		}
		if msg != "" && d.Message != msg {
			t.Errorf("%s: message %q, want %q", d.Location, d.Message, msg)
		}
		delete(want, d.Location)
	}
	if len(want) != 0 {
		t.Fatalf("missing diagnostics for %v in %+v", want, diags)
	}
}
