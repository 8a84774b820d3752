package asl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/sfn"
)

// FuzzParse checks that no input makes Parse panic, and that its answers hang together:
// a definition without errors has a machine, and one with errors has an InvalidDefinition
// message. Seeds are the recorded definitions in testdata/conformance, valid and invalid.
func FuzzParse(f *testing.F) {
	root := repotestdata.MustDir(f, "conformance")
	for _, pattern := range []string{"localstack-validation/*/definition.*", "localstack/*/definition.json"} {
		files, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data, false)
			}
		}
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`), true)
	f.Add([]byte(`{"StartAt": "A", "States": {"A": {"Type": "Map", "Label": "l\u0085", "End": true}}}`), false)
	f.Fuzz(func(t *testing.T, data []byte, express bool) {
		opts := ParseOptions{Type: sfn.TypeStandard}
		if express {
			opts.Type = sfn.TypeExpress
		}
		sm, diags := Parse(data, opts)
		if !diags.HasErrors() && sm == nil {
			t.Fatalf("no errors but no machine for %q", data)
		}
		if diags.HasErrors() && diags.InvalidDefinitionMessage(data) == "" {
			t.Fatalf("errors %v but no InvalidDefinition message", diags)
		}
	})
}
