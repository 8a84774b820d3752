// Package repotestdata finds the repository's testdata/ folder (the recorded AWS cases, the
// JSONata suite, the EventBridge pattern cases, the bench workloads and the product brief's
// examples) from any working directory inside a Stepflow clone: a package's test directory,
// or wherever `stepflow bench` and `stepflow conformance` are started.
//
// The folder is found, not embedded, because the recorded corpora are megabytes that a
// server binary has no use for. A command run outside a clone gets an error saying so and
// takes the directory as an argument instead.
package repotestdata

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// modulePath marks the repository root: the directory whose go.mod declares this module.
const modulePath = "github.com/stepflow/stepflow"

// Root returns the absolute path of the repository root above the working directory.
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the Stepflow repository: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no Stepflow repository (a go.mod declaring %s) in %s or any folder above it", modulePath, wd)
		}
	}
}

// Dir returns the absolute path of testdata/<elem...> in the repository above the working
// directory, and an error naming the path when it is not there.
func Dir(elem ...string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(append([]string{root, "testdata"}, elem...)...)
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("repository test data missing: %w", err)
	}
	return dir, nil
}

// Fataler is the part of testing.TB that MustDir needs; it keeps the testing package out of
// the stepflow binary, which also uses this package.
type Fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// MustDir is Dir for tests: the data is part of the repository, so its absence fails the
// test instead of skipping it.
func MustDir(tb Fataler, elem ...string) string {
	tb.Helper()
	dir, err := Dir(elem...)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return dir
}

func declaresModule(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}
