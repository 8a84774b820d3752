package repotestdata

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryCopyCarriesItsSource: each copied folder is found from this package's directory
// and keeps the file that says where it came from and under which licence.
func TestEveryCopyCarriesItsSource(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ dir, source, entry string }{
		{"conformance/localstack", "SOURCE.md", "*/expected.json"},
		{"conformance/localstack-validation", "SOURCE.md", "*/expected.json"},
		{"conformance/jsonata", "SOURCE.md", "groups/*/case*.json"},
		{"conformance/eventbridge-patterns", "SOURCE.md", "*/pattern.json"},
		{"bench", "README.md", "*/expected-output.json"},
		{"bench", "PEERS.md", "*/meta.json"},
		{"examples/product-brief", "README.md", "*.json"},
	} {
		dir := MustDir(t, strings.Split(c.dir, "/")...)
		if _, err := os.Stat(filepath.Join(dir, c.source)); err != nil {
			t.Errorf("%s: %v", c.dir, err)
		}
		if found, _ := filepath.Glob(filepath.Join(dir, c.entry)); len(found) == 0 {
			t.Errorf("%s: no %s", c.dir, c.entry)
		}
	}
}

func TestDirNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	_, err := Dir("no-such-corpus")
	if err == nil || !strings.Contains(err.Error(), filepath.Join("testdata", "no-such-corpus")) {
		t.Fatalf("err = %v, want one naming testdata/no-such-corpus", err)
	}
}

// TestCopiesMatchShared runs scripts/sync-testdata against the folder the copies come from.
// That folder is not part of a clone, so the test skips without it.
func TestCopiesMatchShared(t *testing.T) {
	t.Parallel()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	shared := os.Getenv("STEPFLOW_SHARED")
	if shared == "" {
		shared = filepath.Join(root, "..", "shared")
	}
	if st, err := os.Stat(shared); err != nil || !st.IsDir() {
		t.Skipf("no shared folder at %s (set STEPFLOW_SHARED to compare the copies with it)", shared)
	}
	out, err := exec.Command("bash", filepath.Join(root, "scripts", "sync-testdata"), shared).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/sync-testdata %s: %v\n%s", shared, err, out)
	}
}
