package function

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Config is the functions file (JSON):
//
//	{"functions": {
//	  "local":  {"command": ["python3", "handler.py"], "dir": "fns", "env": {"K": "V"}},
//	  "remote": {"http": {"url": "http://127.0.0.1:9000/fn", "headers": {"K": "V"}, "timeoutSeconds": 30}},
//	  "lambda": {"lambdaEndpoint": {"url": "http://127.0.0.1:9001", "functionName": "x", "qualifier": "live"}}
//	}}
//
// Each entry names exactly one way to run the function. Only the programs and URLs written
// here are ever run or called: a definition's Resource ARN picks an entry by name, nothing more.
type Config struct {
	Functions map[string]FunctionConfig `json:"functions"`
}

// FunctionConfig describes one function: one of Command, HTTP or LambdaEndpoint.
type FunctionConfig struct {
	Command        []string              `json:"command,omitempty"`
	Dir            string                `json:"dir,omitempty"`
	Env            map[string]string     `json:"env,omitempty"`
	HTTP           *HTTPConfig           `json:"http,omitempty"`
	LambdaEndpoint *LambdaEndpointConfig `json:"lambdaEndpoint,omitempty"`
}

// HTTPConfig is a function served by an HTTP endpoint (see HTTP).
type HTTPConfig struct {
	URL            string            `json:"url"`
	Headers        map[string]string `json:"headers,omitempty"`
	TimeoutSeconds float64           `json:"timeoutSeconds,omitempty"`
}

// LambdaEndpointConfig is a function behind a Lambda Invoke API server (see LambdaEndpoint).
type LambdaEndpointConfig struct {
	URL            string  `json:"url"`
	FunctionName   string  `json:"functionName"`
	Qualifier      string  `json:"qualifier,omitempty"`
	TimeoutSeconds float64 `json:"timeoutSeconds,omitempty"`
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
	c, err := ParseConfig(data, path)
	if err != nil {
		return nil, err
	}
	base := filepath.Dir(path)
	for name, f := range c.Functions {
		if len(f.Command) == 0 {
			continue
		}
		if f.Dir == "" {
			f.Dir = base
		} else if !filepath.IsAbs(f.Dir) {
			f.Dir = filepath.Join(base, f.Dir)
		}
		c.Functions[name] = f
	}
	return c, nil
}

// ParseConfig decodes and validates a functions file's contents; file names it in errors.
func ParseConfig(data []byte, file string) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, &ConfigError{File: file, Field: "(file)", Msg: err.Error()}
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return nil, &ConfigError{File: file, Field: "(file)", Msg: "unexpected content after the end of the JSON document"}
	}
	if err := c.Validate(file); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks that every function has exactly one runnable definition.
func (c *Config) Validate(file string) error {
	if c.Functions == nil {
		return &ConfigError{File: file, Field: "functions", Msg: "is required (an object of function name to definition)"}
	}
	for _, name := range c.Names() {
		if err := c.Functions[name].validate(); err != nil {
			err.File, err.Field = file, "functions."+name+err.Field
			return err
		}
	}
	return nil
}

// validate returns an error whose Field is relative to the function (".http.url").
func (f FunctionConfig) validate() *ConfigError {
	kinds := 0
	for _, set := range []bool{len(f.Command) > 0, f.HTTP != nil, f.LambdaEndpoint != nil} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return &ConfigError{Field: "", Msg: `needs one of command (e.g. ["python3", "handler.py"]), http ({"url": ...}) or lambdaEndpoint ({"url": ..., "functionName": ...})`}
	case kinds > 1:
		return &ConfigError{Field: "", Msg: "sets more than one of command, http and lambdaEndpoint; a function runs one way"}
	case len(f.Command) == 0 && f.Dir != "":
		return &ConfigError{Field: ".dir", Msg: "applies to command functions only"}
	case len(f.Command) == 0 && len(f.Env) > 0:
		return &ConfigError{Field: ".env", Msg: "applies to command functions only"}
	case f.HTTP != nil:
		if err := checkURL(f.HTTP.URL); err != nil {
			return &ConfigError{Field: ".http.url", Msg: err.Error()}
		}
		if f.HTTP.TimeoutSeconds < 0 {
			return &ConfigError{Field: ".http.timeoutSeconds", Msg: "must not be negative"}
		}
	case f.LambdaEndpoint != nil:
		if err := checkURL(f.LambdaEndpoint.URL); err != nil {
			return &ConfigError{Field: ".lambdaEndpoint.url", Msg: err.Error()}
		}
		if f.LambdaEndpoint.FunctionName == "" {
			return &ConfigError{Field: ".lambdaEndpoint.functionName", Msg: "is required: the function's name on that server"}
		}
		if f.LambdaEndpoint.TimeoutSeconds < 0 {
			return &ConfigError{Field: ".lambdaEndpoint.timeoutSeconds", Msg: "must not be negative"}
		}
	}
	return nil
}

func checkURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("is required: an http:// or https:// URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("is not a URL: %v", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an absolute http:// or https:// URL, not %q", raw)
	}
	return nil
}

// Register adds every configured function to reg.
func (c *Config) Register(reg *Registry) {
	for _, name := range c.Names() {
		reg.Register(name, c.Functions[name].function())
	}
}

func (f FunctionConfig) function() Function {
	switch {
	case f.HTTP != nil:
		return HTTP{URL: f.HTTP.URL, Headers: f.HTTP.Headers, Timeout: seconds(f.HTTP.TimeoutSeconds)}
	case f.LambdaEndpoint != nil:
		l := f.LambdaEndpoint
		return LambdaEndpoint{URL: l.URL, FunctionName: l.FunctionName, Qualifier: l.Qualifier, Timeout: seconds(l.TimeoutSeconds)}
	}
	env := make([]string, 0, len(f.Env))
	for k, v := range f.Env {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return Command{Argv: f.Command, Dir: f.Dir, Env: env}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Names are the configured function names, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.Functions))
	for n := range c.Functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
