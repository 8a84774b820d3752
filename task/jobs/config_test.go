package jobs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/task/jobs"
)

// A jobs file with a mistake is refused with the field named.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ file, want string }{
		{`{}`, `f.json: jobs: is required (an object of job definition name to {"command": [...]})`},
		{`{"jobs": {"a": {}}}`, `f.json: jobs.a.command: is required: the program and its arguments, e.g. ["python3", "job.py"]`},
		{`{"jobs": {"a": {"command": [""]}}}`, `f.json: jobs.a.command[0]: must name a program`},
		{`{"jobs": {"a": {"command": ["x"], "env": {"A=B": "c"}}}}`, `f.json: jobs.a.env: "A=B" is not an environment variable name`},
		{`{"jobs": {"a": {"command": ["x"], "parameters": {"": "c"}}}}`, `f.json: jobs.a.parameters: a parameter name must not be empty`},
		{`{"jobs": {"a b": {"command": ["x"]}}}`, `f.json: jobs.a b: a job name must be a job or task definition name, name:revision or ARN, without spaces`},
		{`{"jobs": {"a": {"command": ["x"], "cmd": ["y"]}}}`, `f.json: (file): json: unknown field "cmd"`},
		{`{"jobs": {"a": {"command": "x"}}}`, `f.json: (file): json: cannot unmarshal string into Go struct field JobConfig.jobs.command of type []string`},
	}
	for _, tt := range tests {
		_, err := jobs.ParseConfig([]byte(tt.file), "f.json")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %s", tt.file, err, tt.want)
		}
	}
}

// Relative dirs are the jobs file's; a job without one runs beside the file.
func TestLoadConfigDirs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "jobs.json")
	if err := os.WriteFile(path, []byte(`{"jobs": {"a": {"command": ["x"]}, "b": {"command": ["x"], "dir": "sub"}, "c": {"command": ["x"], "dir": "/abs"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := jobs.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a": dir, "b": filepath.Join(dir, "sub"), "c": "/abs"} {
		if got := cfg.Jobs[name].Dir; got != want {
			t.Errorf("%s: dir %q, want %q", name, got, want)
		}
	}
	if _, err := jobs.LoadConfig(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file loaded")
	}
}
