package asl_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/repotestdata"
)

// validationCasesDir is the recorded validation corpus in the repository's testdata.
func validationCasesDir(t testing.TB) string {
	return repotestdata.MustDir(t, "conformance", "localstack-validation")
}

func loadValidationCases(t testing.TB, dir string) []conformance.ValidationCase {
	cases, err := conformance.LoadValidationDir(dir)
	if err != nil {
		t.Fatal(err)
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

func TestValidationConformance(t *testing.T) {
	t.Parallel()
	cases := loadValidationCases(t, validationCasesDir(t))
	known := knownValidationFailures(t)
	passed := 0
	var failedNames []string
	for _, c := range cases {
		problem := c.Check()
		_, listed := known[c.Name]
		switch {
		case problem == "" && listed:
			t.Errorf("%s passes now: remove it from testdata/validation-known-failures.txt", c.Name)
			passed++
		case problem == "":
			passed++
		case listed:
			failedNames = append(failedNames, c.Name)
			t.Logf("known failure %s: %s", c.Name, problem)
		default:
			failedNames = append(failedNames, c.Name)
			t.Errorf("%s: %s", c.Name, problem)
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

func slicesContains(cases []conformance.ValidationCase, name string) bool {
	for _, c := range cases {
		if c.Name == name {
			return true
		}
	}
	return false
}
