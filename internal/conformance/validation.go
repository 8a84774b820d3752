package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
)

// ValidationCase is one recorded AWS answer to a definition from the validation corpus
// (testdata/conformance/localstack-validation): ValidateStateMachineDefinition's result and
// diagnostics, or CreateStateMachine's InvalidDefinition message.
type ValidationCase struct {
	Name       string
	Definition []byte
	Want       ValidationAnswer
}

// ValidationAnswer is a validation case's expected.json.
type ValidationAnswer struct {
	API     string `json:"api"`
	Request struct {
		Type sfn.StateMachineType `json:"type"`
	} `json:"request"`
	Result      string           `json:"result"`
	Diagnostics []asl.Diagnostic `json:"diagnostics"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	DefinitionFile string `json:"definition_file"`
}

// IsValidationDir reports whether dir holds validation cases rather than executions: their
// expected.json names the API that answered.
func IsValidationDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name(), "expected.json"))
		if err != nil {
			continue
		}
		var probe struct {
			API string `json:"api"`
		}
		return json.Unmarshal(raw, &probe) == nil && probe.API != ""
	}
	return false
}

// LoadValidationDir loads every validation case folder under dir.
func LoadValidationDir(dir string) ([]ValidationCase, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var cases []ValidationCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		caseDir := filepath.Join(dir, e.Name())
		raw, err := os.ReadFile(filepath.Join(caseDir, "expected.json"))
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", e.Name(), err)
		}
		var want ValidationAnswer
		if err := json.Unmarshal(raw, &want); err != nil {
			return nil, fmt.Errorf("case %s: expected.json: %w", e.Name(), err)
		}
		defFile := want.DefinitionFile
		if defFile == "" {
			defFile = "definition.json"
		}
		def, err := os.ReadFile(filepath.Join(caseDir, defFile))
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", e.Name(), err)
		}
		cases = append(cases, ValidationCase{Name: e.Name(), Definition: def, Want: want})
	}
	return cases, nil
}

// Check compares the static checks' answer with the recorded one; "" means they agree.
func (c ValidationCase) Check() string {
	_, diags := asl.Parse(c.Definition, asl.ParseOptions{Type: c.Want.Request.Type})
	switch c.Want.API {
	case "ValidateStateMachineDefinition":
		result := "OK"
		if diags.HasErrors() {
			result = "FAIL"
		}
		if result != c.Want.Result {
			return fmt.Sprintf("result %s, want %s (diagnostics %v)", result, c.Want.Result, diags)
		}
		if len(diags) != len(c.Want.Diagnostics) {
			return fmt.Sprintf("got %d diagnostics %v, want %d %v", len(diags), diags, len(c.Want.Diagnostics), c.Want.Diagnostics)
		}
		for i, want := range c.Want.Diagnostics {
			if diags[i] != want {
				return fmt.Sprintf("diagnostic %d:\n got %#v\nwant %#v", i, diags[i], want)
			}
		}
	case "CreateStateMachine":
		if c.Want.Error == nil {
			return "the recording has no error for CreateStateMachine"
		}
		if !diags.HasErrors() {
			return "accepted; AWS rejects it with " + c.Want.Error.Message
		}
		want := strings.ReplaceAll(c.Want.Error.Message, "<partition>", "aws")
		if got := diags.InvalidDefinitionMessage(c.Definition); got != want {
			return fmt.Sprintf("message\n got %q\nwant %q", got, want)
		}
	default:
		return "unknown api " + c.Want.API
	}
	return ""
}
