package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Config is a mock configuration file in AWS Step Functions Local's format:
//
//	{"StateMachines": {"MACHINE": {"TestCases": {"CASE": {"STATE": "RESPONSE"}}}},
//	 "MockedResponses": {"RESPONSE": {"0": {"Return": ...}, "1-2": {"Throw": {"Error": ..., "Cause": ...}}}}}
type Config struct {
	StateMachines   map[string]StateMachine   `json:"StateMachines"`
	MockedResponses map[string]MockedResponse `json:"MockedResponses"`
}

// StateMachine holds one state machine's test cases: each maps state names to the names of
// mocked responses.
type StateMachine struct {
	TestCases map[string]map[string]string `json:"TestCases"`
}

// MockedResponse answers successive invocations of a state: keys are invocation indexes
// ("0") or inclusive ranges ("1-2"), counted from 0 per state within one execution.
type MockedResponse map[string]Answer

// Answer is one mocked result: exactly one of Return (the task's result) and Throw.
type Answer struct {
	Return json.RawMessage `json:"Return,omitempty"`
	Throw  *Throw          `json:"Throw,omitempty"`
}

// Throw fails the task with Error and Cause.
type Throw struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// ConfigError names the field of a mock file that is wrong.
type ConfigError struct {
	File  string
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg) }

// LoadConfig reads and validates a mock configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mock file: %w", err)
	}
	return ParseConfig(data, path)
}

// ParseConfig decodes and validates a mock configuration; file names it in errors.
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

// Validate checks that every test case names defined responses and that every response
// answers invocations 0, 1, 2, ... without gaps or overlaps.
func (c *Config) Validate(file string) error {
	fail := func(field, msg string, args ...any) error {
		return &ConfigError{File: file, Field: field, Msg: fmt.Sprintf(msg, args...)}
	}
	if c.StateMachines == nil {
		return fail("StateMachines", "is required (an object of state machine name to {\"TestCases\": ...})")
	}
	if c.MockedResponses == nil {
		return fail("MockedResponses", "is required (an object of mocked response name to answers by invocation)")
	}
	for _, m := range sortedKeys(c.StateMachines) {
		cases := c.StateMachines[m].TestCases
		if cases == nil {
			return fail("StateMachines."+m+".TestCases", "is required (an object of test case name to {state name: mocked response name})")
		}
		for _, tc := range sortedKeys(cases) {
			for _, state := range sortedKeys(cases[tc]) {
				name := cases[tc][state]
				if _, ok := c.MockedResponses[name]; !ok {
					return fail("StateMachines."+m+".TestCases."+tc+"."+state, "mocked response %q is not defined in MockedResponses", name)
				}
			}
		}
	}
	for _, name := range sortedKeys(c.MockedResponses) {
		if _, err := c.MockedResponses[name].schedule(); err != nil {
			err.File, err.Field = file, "MockedResponses."+name+err.Field
			return err
		}
	}
	return nil
}

// step answers invocations first..last.
type step struct {
	first, last int
	answer      Answer
}

// schedule orders the answers by invocation; the error's Field is relative (".\"1-2\".Throw").
func (r MockedResponse) schedule() ([]step, *ConfigError) {
	if len(r) == 0 {
		return nil, &ConfigError{Msg: `needs at least one answer, e.g. {"0": {"Return": {}}}`}
	}
	var steps []step
	for key, a := range r {
		first, last, ok := parseRange(key)
		field := "." + strconv.Quote(key)
		if !ok {
			return nil, &ConfigError{Field: field, Msg: `is not an invocation index ("0") or an inclusive range of them ("1-2")`}
		}
		switch {
		case (a.Return != nil) == (a.Throw != nil):
			return nil, &ConfigError{Field: field, Msg: "needs exactly one of Return and Throw"}
		case a.Throw != nil && a.Throw.Error == "":
			return nil, &ConfigError{Field: field + ".Throw.Error", Msg: "is required: the error name a Retry or Catch matches"}
		}
		steps = append(steps, step{first: first, last: last, answer: a})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].first < steps[j].first })
	next, covered := 0, false // covered: a range reached the largest int, so next cannot count on
	for _, s := range steps {
		switch {
		case covered || s.first < next:
			return nil, &ConfigError{Msg: fmt.Sprintf("invocation %d is answered twice", s.first)}
		case s.first > next:
			return nil, &ConfigError{Msg: fmt.Sprintf("no answer for invocation %d: keys must cover 0, 1, 2, ... without gaps", next)}
		}
		covered = s.last == math.MaxInt
		next = s.last + 1
	}
	return steps, nil
}

func parseRange(key string) (first, last int, ok bool) {
	a, b, isRange := strings.Cut(key, "-")
	first, err := strconv.Atoi(a)
	if err != nil || first < 0 || a != strconv.Itoa(first) {
		return 0, 0, false
	}
	if !isRange {
		return first, first, true
	}
	last, err = strconv.Atoi(b)
	if err != nil || last < first || b != strconv.Itoa(last) {
		return 0, 0, false
	}
	return first, last, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
