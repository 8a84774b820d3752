package function

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Config is the functions file: {"functions": {"NAME": {"command": ["prog", "arg"]}}}.
// Each entry names exactly one way to run the function.
type Config struct {
	Functions map[string]FunctionConfig `json:"functions"`
}

// FunctionConfig describes one function.
type FunctionConfig struct {
	Command []string          `json:"command,omitempty"`
	Dir     string            `json:"dir,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
}

// ConfigError names the field of a functions file that is wrong.
type ConfigError struct {
	File  string
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
}

// LoadConfig reads and validates a functions file. Relative command paths and dirs are
// resolved against the file's directory, so a file works from any working directory.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read functions file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, &ConfigError{File: path, Field: "(file)", Msg: err.Error()}
	}
	if err := c.Validate(path); err != nil {
		return nil, err
	}
	base := filepath.Dir(path)
	for name, f := range c.Functions {
		if f.Dir == "" {
			f.Dir = base
		} else if !filepath.IsAbs(f.Dir) {
			f.Dir = filepath.Join(base, f.Dir)
		}
		c.Functions[name] = f
	}
	return &c, nil
}

// Validate checks that every function has a runnable definition.
func (c *Config) Validate(file string) error {
	if c.Functions == nil {
		return &ConfigError{File: file, Field: "functions", Msg: "is required (an object of function name to definition)"}
	}
	for _, name := range c.names() {
		if len(c.Functions[name].Command) == 0 {
			return &ConfigError{File: file, Field: "functions." + name + ".command", Msg: "is required: the program and its arguments, e.g. [\"python3\", \"handler.py\"]"}
		}
	}
	return nil
}

// Register adds every configured function to reg.
func (c *Config) Register(reg *Registry) {
	for _, name := range c.names() {
		f := c.Functions[name]
		env := make([]string, 0, len(f.Env))
		for k, v := range f.Env {
			env = append(env, k+"="+v)
		}
		sort.Strings(env)
		reg.Register(name, Command{Argv: f.Command, Dir: f.Dir, Env: env})
	}
}

func (c *Config) names() []string {
	names := make([]string, 0, len(c.Functions))
	for n := range c.Functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
