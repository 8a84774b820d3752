package jobs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Config is the jobs file (JSON):
//
//	{"jobs": {
//	  "resize":        {"command": ["python3", "resize.py", "Ref::size"], "dir": "jobs", "env": {"K": "V"},
//	                    "parameters": {"size": "64"}},
//	  "report:3":      {"command": ["./report.sh"]},
//	  "arn:aws:ecs:us-east-1:123456789012:task-definition/etl:7": {"command": ["./etl"]}
//	}}
//
// A key names a Batch job definition (NAME, NAME:REVISION or its ARN) or an ECS task
// definition (FAMILY, FAMILY:REVISION or its ARN); a definition's JobDefinition or
// TaskDefinition picks the most specific key that matches. Only the programs written here
// are ever run: a definition chooses an entry by name, never a command.
type Config struct {
	Jobs map[string]JobConfig `json:"jobs"`
}

// JobConfig is the local command standing in for one job definition's container.
type JobConfig struct {
	// Command is the container's command: the program and its arguments. An argument
	// "Ref::NAME" is replaced by the job's parameter NAME, as Batch does.
	Command []string          `json:"command"`
	Dir     string            `json:"dir,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	// Parameters are the job definition's default parameters, which SubmitJob's
	// Parameters override.
	Parameters map[string]string `json:"parameters,omitempty"`
}

// ConfigError names the field of a jobs file that is wrong.
type ConfigError struct {
	File  string
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
}

// LoadConfig reads and checks a jobs file. Relative dirs are resolved against the file's
// directory (a job without one runs there), so the file works from any working directory.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read jobs file: %w", err)
	}
	c, err := ParseConfig(data, path)
	if err != nil {
		return nil, err
	}
	base := filepath.Dir(path)
	for name, j := range c.Jobs {
		if j.Dir == "" {
			j.Dir = base
		} else if !filepath.IsAbs(j.Dir) {
			j.Dir = filepath.Join(base, j.Dir)
		}
		c.Jobs[name] = j
	}
	return c, nil
}

// ParseConfig decodes and checks a jobs file's contents; file names it in errors.
func ParseConfig(data []byte, file string) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, &ConfigError{File: file, Field: "(file)", Msg: err.Error()}
	}
	if err := c.Validate(file); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every job; the first mistake is reported with its field.
func (c *Config) Validate(file string) error {
	if c.Jobs == nil {
		return &ConfigError{File: file, Field: "jobs", Msg: `is required (an object of job definition name to {"command": [...]})`}
	}
	for _, name := range c.Names() {
		field, msg := c.Jobs[name].check(name)
		if msg != "" {
			return &ConfigError{File: file, Field: "jobs." + name + field, Msg: msg}
		}
	}
	return nil
}

// check returns the field (relative to the job: ".command[0]") and what is wrong with it.
func (j JobConfig) check(name string) (field, msg string) {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\n") {
		return "", "a job name must be a job or task definition name, name:revision or ARN, without spaces"
	}
	if len(j.Command) == 0 {
		return ".command", `is required: the program and its arguments, e.g. ["python3", "job.py"]`
	}
	if j.Command[0] == "" {
		return ".command[0]", "must name a program"
	}
	for _, k := range sortedKeys(j.Env) {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return ".env", fmt.Sprintf("%q is not an environment variable name", k)
		}
	}
	for _, k := range sortedKeys(j.Parameters) {
		if k == "" {
			return ".parameters", "a parameter name must not be empty"
		}
	}
	return "", ""
}

// Names are the configured job definitions, sorted.
func (c *Config) Names() []string { return sortedKeys(c.Jobs) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// lookup finds the entry for a job or task definition reference: the reference itself
// (an ARN or NAME:REVISION), then NAME:REVISION of an ARN, then NAME alone. It returns the
// key that matched, or "" when none does.
func (c *Config) lookup(ref string) (string, *JobConfig) {
	if c == nil {
		return "", nil
	}
	for _, key := range definitionKeys(ref) {
		if j, ok := c.Jobs[key]; ok {
			return key, &j
		}
	}
	return "", nil
}

// definitionKeys lists the names a definition reference can be found under, most specific
// first: "arn:aws:batch:R:A:job-definition/n:3" -> [the ARN, "n:3", "n"].
func definitionKeys(ref string) []string {
	keys := []string{ref}
	rest := ref
	if strings.HasPrefix(ref, "arn:") {
		_, after, ok := strings.Cut(ref, "/")
		if !ok {
			return keys
		}
		rest = after
		keys = append(keys, rest)
	}
	if name, rev, ok := strings.Cut(rest, ":"); ok && rev != "" {
		keys = append(keys, name)
	}
	return keys
}

// splitDefinition gives the name and revision of a definition reference (revision "" when
// the reference has none).
func splitDefinition(ref string) (name, revision string) {
	if strings.HasPrefix(ref, "arn:") {
		if _, after, ok := strings.Cut(ref, "/"); ok {
			ref = after
		}
	}
	name, revision, _ = strings.Cut(ref, ":")
	return name, revision
}
