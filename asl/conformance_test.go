package asl

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/sfn"
)

// validationCase is one recorded AWS answer from testdata/conformance/localstack-validation.
type validationCase struct {
	API     string `json:"api"`
	Request struct {
		Type sfn.StateMachineType `json:"type"`
	} `json:"request"`
	Result      string       `json:"result"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	DefinitionFile string `json:"definition_file"`
}

// validationCasesDir is the recorded validation corpus in the repository's testdata.
func validationCasesDir(t testing.TB) string {
	return repotestdata.MustDir(t, "conformance", "localstack-validation")
}

type loadedCase struct {
	name       string
	definition []byte
	want       validationCase
}

func loadValidationCases(t testing.TB, dir string) []loadedCase {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var cases []loadedCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		caseDir := filepath.Join(dir, e.Name())
		raw, err := os.ReadFile(filepath.Join(caseDir, "expected.json"))
		if err != nil {
			t.Fatalf("case %s: %v", e.Name(), err)
		}
		var want validationCase
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("case %s: expected.json: %v", e.Name(), err)
		}
		defFile := want.DefinitionFile
		if defFile == "" {
			defFile = "definition.json"
		}
		def, err := os.ReadFile(filepath.Join(caseDir, defFile))
		if err != nil {
			t.Fatalf("case %s: %v", e.Name(), err)
		}
		cases = append(cases, loadedCase{name: e.Name(), definition: def, want: want})
	}
	return cases
}

// knownValidationFailures reads testdata/validation-known-failures.txt: one case name per
// line, then " # reason".
func knownValidationFailures(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join("testdata", "validation-known-failures.txt"))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, "#")
		known[strings.TrimSpace(name)] = strings.TrimSpace(reason)
	}
	return known
}

// checkValidationCase compares Parse's answer with the recorded one; "" means it matches.
func checkValidationCase(c loadedCase) string {
	_, diags := Parse(c.definition, ParseOptions{Type: c.want.Request.Type})
	switch c.want.API {
	case "ValidateStateMachineDefinition":
		result := "OK"
		if diags.HasErrors() {
			result = "FAIL"
		}
		if result != c.want.Result {
			return fmt.Sprintf("result %s, want %s (diagnostics %v)", result, c.want.Result, diags)
		}
		if len(diags) != len(c.want.Diagnostics) {
			return fmt.Sprintf("got %d diagnostics %v, want %d %v", len(diags), diags, len(c.want.Diagnostics), c.want.Diagnostics)
		}
		for i, want := range c.want.Diagnostics {
			if diags[i] != want {
				return fmt.Sprintf("diagnostic %d:\n got %#v\nwant %#v", i, diags[i], want)
			}
		}
	case "CreateStateMachine":
		if !diags.HasErrors() {
			return "accepted; AWS rejects it with " + c.want.Error.Message
		}
		want := strings.ReplaceAll(c.want.Error.Message, "<partition>", "aws")
		if got := diags.InvalidDefinitionMessage(c.definition); got != want {
			return fmt.Sprintf("message\n got %q\nwant %q", got, want)
		}
	default:
		return "unknown api " + c.want.API
	}
	return ""
}

func TestValidationConformance(t *testing.T) {
	t.Parallel()
	cases := loadValidationCases(t, validationCasesDir(t))
	known := knownValidationFailures(t)
	passed := 0
	var failedNames []string
	for _, c := range cases {
		problem := checkValidationCase(c)
		_, listed := known[c.name]
		switch {
		case problem == "" && listed:
			t.Errorf("%s passes now: remove it from testdata/validation-known-failures.txt", c.name)
			passed++
		case problem == "":
			passed++
		case listed:
			failedNames = append(failedNames, c.name)
			t.Logf("known failure %s: %s", c.name, problem)
		default:
			failedNames = append(failedNames, c.name)
			t.Errorf("%s: %s", c.name, problem)
		}
	}
	for name := range known {
		if !slicesContains(cases, name) {
			t.Errorf("testdata/validation-known-failures.txt lists %s, which is not a case", name)
		}
	}
	sort.Strings(failedNames)
	t.Logf("validation conformance: %d/%d cases pass", passed, len(cases))
	fmt.Printf("asl validation conformance: %d/%d cases pass\n", passed, len(cases))
}

func slicesContains(cases []loadedCase, name string) bool {
	for _, c := range cases {
		if c.name == name {
			return true
		}
	}
	return false
}
