package asl

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/jsonata"
	"github.com/stepflow/stepflow/sfn"
)

// knownCodes are the diagnostic codes Parse may report (AWS's).
var knownCodes = map[string]bool{
	CodeInvalidJSONDescription: true, CodeSchemaValidationFailed: true, CodeMissingTransitionTarget: true,
	CodeMissingEndState: true, CodeDuplicateStateName: true, CodeInvalidStateName: true,
	CodeInvalidResource: true, CodeInvalidLabelName: true, CodeInvalidJSONataExpression: true,
}

// FuzzParse parses fuzzed definitions, as Standard or Express and with or without the
// JSONata syntax check, and checks that the answers hang together:
//   - Parse never panics, and parsing the same bytes twice gives the same diagnostics in the
//     same order (no map order leaks into what ValidateStateMachineDefinition answers);
//   - every diagnostic has a known code, a severity, a message and a JSON-pointer location
//     (or, for a JSON syntax error, Jackson's "[Source: ...]" as AWS gives it);
//   - a definition with errors has an InvalidDefinition message; one without errors has a
//     machine whose StartAt and every transition name a state of the same machine, and whose
//     Order lists each state once, at every nesting level;
//   - printing the definition again (compacted, then indented) does not change its verdict:
//     the same diagnostics come back.
//
// Seeds are the recorded definitions in testdata/conformance, valid and invalid, and the files under
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	root := repotestdata.MustDir(f, "conformance")
	for _, pattern := range []string{"localstack-validation/*/definition.*", "localstack/*/definition.json"} {
		files, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data, uint8(0))
			}
		}
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`), uint8(1))
	f.Add([]byte(`{"StartAt": "A", "States": {"A": {"Type": "Map", "Label": "l\u0085", "End": true}}}`), uint8(0))
	f.Add([]byte(`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.a + 1 %}","End":true}}}`), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := ParseOptions{Type: sfn.TypeStandard}
		if mode&1 != 0 {
			opts.Type = sfn.TypeExpress
		}
		if mode&2 != 0 {
			opts.JSONataSyntax = func(expr string) error { _, err := jsonata.Compile(expr); return err }
		}
		sm, diags := Parse(data, opts)
		_, again := Parse(data, opts)
		if !reflect.DeepEqual(diags, again) {
			t.Fatalf("two parses of the same bytes disagree:\n%v\n%v", diags, again)
		}
		for _, d := range diags {
			if !knownCodes[d.Code] || (d.Severity != SeverityError && d.Severity != SeverityWarning) || d.Message == "" {
				t.Fatalf("malformed diagnostic %+v", d)
			}
			// AWS locates a JSON syntax error the way its parser (Jackson) does, not by pointer.
			pointer := d.Location == "" || strings.HasPrefix(d.Location, "/")
			if !pointer && !(d.Code == CodeInvalidJSONDescription && strings.HasPrefix(d.Location, "[Source: ")) {
				t.Fatalf("diagnostic location %q is not a JSON pointer", d.Location)
			}
		}
		if diags.HasErrors() {
			if diags.InvalidDefinitionMessage(data) == "" {
				t.Fatalf("errors %v but no InvalidDefinition message", diags)
			}
		} else {
			if sm == nil {
				t.Fatalf("no errors but no machine for %q", data)
			}
			checkGraph(t, sm)
		}
		if !json.Valid(data) {
			return
		}
		for _, printed := range reprint(data) {
			_, diags2 := Parse(printed, opts)
			if !sameVerdict(diags, diags2) {
				t.Fatalf("reprinting changed the diagnostics:\n%s\n%v\n%s\n%v", data, diags, printed, diags2)
			}
		}
	})
}

// reprint returns the definition compacted and indented: the same JSON document, printed
// differently.
func reprint(data []byte) [][]byte {
	var compact, indented bytes.Buffer
	if json.Compact(&compact, data) != nil || json.Indent(&indented, data, "", "  ") != nil {
		return nil
	}
	return [][]byte{compact.Bytes(), indented.Bytes()}
}

// sameVerdict compares diagnostics by severity, code and location. Messages may quote
// offsets into the text, which reprinting moves.
func sameVerdict(a, b Diagnostics) bool {
	return slices.EqualFunc(a, b, func(x, y Diagnostic) bool {
		return x.Severity == y.Severity && x.Code == y.Code && x.Location == y.Location
	})
}

// checkGraph checks a machine that parsed without errors: every name it routes to exists.
func checkGraph(t *testing.T, sm *StateMachine) {
	t.Helper()
	if _, ok := sm.States[sm.StartAt]; !ok {
		t.Fatalf("%s: StartAt %q is not a state", sm.Location, sm.StartAt)
	}
	order := slices.Clone(sm.Order)
	slices.Sort(order)
	if len(order) != len(sm.States) || len(slices.Compact(order)) != len(sm.States) {
		t.Fatalf("%s: Order %q does not list the %d states once each", sm.Location, sm.Order, len(sm.States))
	}
	for _, name := range sm.Order {
		st, ok := sm.States[name]
		if !ok {
			t.Fatalf("%s: Order names %q, which is not a state", sm.Location, name)
		}
		for _, tr := range transitionsOf(st) {
			if _, ok := sm.States[tr.target]; !ok {
				t.Fatalf("%s: %s goes to %q, which is not a state", sm.Location, tr.location, tr.target)
			}
		}
		switch st := st.(type) {
		case *Parallel:
			for _, b := range st.Branches {
				checkGraph(t, b)
			}
		case *Map:
			if st.ItemProcessor == nil {
				t.Fatalf("%s: Map without an ItemProcessor parsed without errors", st.Location)
			}
			checkGraph(t, st.ItemProcessor)
		}
	}
}
