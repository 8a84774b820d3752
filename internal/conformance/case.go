// Package conformance runs recorded AWS Step Functions cases (the format of
// testdata/conformance/localstack/: definition.json, input.json, expected.json, optional
// lambda.json) through Stepflow's interpreter and compares status, output, error and cause
// with what AWS returned, treating the recording's placeholders as AWS's per-run values.
// Objects must list their keys in the recorded order; numbers compare by value.
package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// Case is one recorded execution.
type Case struct {
	Name       string // folder name
	Category   string // folder name up to the first "--"
	Dir        string
	Definition []byte
	Input      any
	Expected   Expected
	Lambdas    map[string]LambdaBehaviour
}

// Expected is expected.json.
type Expected struct {
	Status           string                 `json:"status"`
	Output           any                    `json:"output"`
	Error            *string                `json:"error"`
	Cause            *string                `json:"cause"`
	CauseJSON        any                    `json:"cause_json"`
	StateMachineType string                 `json:"state_machine_type"`
	Placeholders     map[string]Placeholder `json:"placeholders"`
	Source           string                 `json:"source"`
}

// Placeholder is a token the recording put in place of a per-run value.
type Placeholder struct {
	Kind    string `json:"kind"`
	Value   string `json:"value"`
	Pattern string `json:"pattern"`
}

// LambdaBehaviour is one function of lambda.json.
type LambdaBehaviour struct {
	Kind         string `json:"kind"` // echo, raise, constant, missing
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
	Value        any    `json:"value"`
}

// LoadDir loads every case folder under dir (a folder holding one case is a case itself).
func LoadDir(dir string) ([]*Case, error) {
	if _, err := os.Stat(filepath.Join(dir, "expected.json")); err == nil {
		c, err := Load(dir)
		if err != nil {
			return nil, err
		}
		return []*Case{c}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var cases []*Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(sub, "expected.json")); err != nil {
			continue
		}
		c, err := Load(sub)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// Load reads one case folder.
func Load(dir string) (*Case, error) {
	c := &Case{Name: filepath.Base(dir), Dir: dir}
	c.Category, _, _ = strings.Cut(c.Name, "--")
	var err error
	if c.Definition, err = os.ReadFile(filepath.Join(dir, "definition.json")); err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, "input.json")); err == nil {
		if c.Input, err = jsonvalue.Decode(data); err != nil {
			return nil, fmt.Errorf("%s: input.json: %w", dir, err)
		}
	} else {
		c.Input = jsonvalue.NewObject(0)
	}
	data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &c.Expected); err != nil {
		return nil, fmt.Errorf("%s: expected.json: %w", dir, err)
	}
	// The values again, in document order: AWS's key order is part of what was recorded.
	doc, err := jsonvalue.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: expected.json: %w", dir, err)
	}
	if o, ok := doc.(*jsonvalue.Object); ok {
		c.Expected.Output, _ = o.Get("output")
		c.Expected.CauseJSON, _ = o.Get("cause_json")
	}
	if data, err := os.ReadFile(filepath.Join(dir, "lambda.json")); err == nil {
		if err := json.Unmarshal(data, &c.Lambdas); err != nil {
			return nil, fmt.Errorf("%s: lambda.json: %w", dir, err)
		}
		// constant results in document order, as the recorded function returned them
		doc, err := jsonvalue.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s: lambda.json: %w", dir, err)
		}
		for name, b := range c.Lambdas {
			fn, _ := doc.(*jsonvalue.Object).Get(name)
			if fo, ok := fn.(*jsonvalue.Object); ok {
				b.Value, _ = fo.Get("value")
				c.Lambdas[name] = b
			}
		}
	}
	return c, nil
}
