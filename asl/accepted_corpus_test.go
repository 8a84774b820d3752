package asl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/sfn"
)

// TestRecordedDefinitionsAccepted parses every definition AWS ran in the recorded execution
// corpus: AWS accepted them all, so Parse must report nothing.
func TestRecordedDefinitionsAccepted(t *testing.T) {
	t.Parallel()
	dir := repotestdata.MustDir(t, "conformance", "localstack")
	defs, err := filepath.Glob(filepath.Join(dir, "*", "definition.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Fatalf("no definitions under %s", dir)
	}
	for _, def := range defs {
		data, err := os.ReadFile(def)
		if err != nil {
			t.Fatal(err)
		}
		opts := ParseOptions{Type: sfn.TypeStandard}
		if raw, err := os.ReadFile(filepath.Join(filepath.Dir(def), "expected.json")); err == nil {
			var exp struct {
				Type sfn.StateMachineType `json:"state_machine_type"`
			}
			if json.Unmarshal(raw, &exp) == nil && exp.Type != "" {
				opts.Type = exp.Type
			}
		}
		sm, diags := Parse(data, opts)
		if len(diags) > 0 || sm == nil {
			t.Errorf("%s: AWS accepted this definition; Parse reports %v", filepath.Base(filepath.Dir(def)), diags)
		}
	}
}
