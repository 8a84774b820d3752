package jsonata

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/repotestdata"
)

// suiteCase is one case of the JSONata project's test suite.
type suiteCase struct {
	Expr            string         `json:"expr"`
	Data            any            `json:"data"`
	Dataset         *string        `json:"dataset"`
	Bindings        map[string]any `json:"bindings"`
	TimeLimit       *float64       `json:"timelimit"`
	Depth           *float64       `json:"depth"`
	Result          any            `json:"result"`
	UndefinedResult bool           `json:"undefinedResult"`
	Code            string         `json:"code"`
	ExprFile        string         `json:"expr-file"`
	Error           *struct {
		Code string `json:"code"`
	} `json:"error"`

	hasData   bool
	hasResult bool
}

func (c *suiteCase) UnmarshalJSON(b []byte) error {
	type plain suiteCase
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	_, c.hasData = keys["data"]
	_, c.hasResult = keys["result"]
	return nil
}

func suiteDir(t *testing.T) string {
	t.Helper()
	dir := repotestdata.MustDir(t, "conformance", "jsonata")
	if _, err := os.Stat(filepath.Join(dir, "groups")); err != nil {
		t.Fatalf("JSONata test suite incomplete: %v", err)
	}
	return dir
}

func loadKnownFailures(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join("testdata", "known-failures.txt"))
	if err != nil {
		t.Fatalf("reading known failures: %v", err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		known[name] = strings.TrimSpace(reason)
	}
	return known
}

// runSuiteCase evaluates one case and returns "" on success or why it failed.
func runSuiteCase(dir string, c *suiteCase) string {
	return runSuiteCaseWith(dir, c, nil)
}

// runSuiteCaseWith is runSuiteCase with the input and the bindings passed through
// convert first (nil: as they are), and the result's numbers read as float64.
func runSuiteCaseWith(dir string, c *suiteCase, convert func(any) any) string {
	var input any = Undefined
	switch {
	case c.hasData:
		input = c.Data
	case c.Dataset != nil:
		b, err := os.ReadFile(filepath.Join(dir, "datasets", *c.Dataset+".json"))
		if err != nil {
			return "dataset: " + err.Error()
		}
		data, err := DecodeJSON(b)
		if err != nil {
			return "dataset: " + err.Error()
		}
		input = data
	}
	bindings := c.Bindings
	if convert != nil {
		if input != Undefined {
			input = convert(input)
		}
		bindings = map[string]any{}
		for k, v := range c.Bindings {
			bindings[k] = convert(v)
		}
	}
	opts := &EvalOptions{Bindings: bindings, Now: func() time.Time { return time.Now() }}
	if c.Depth != nil {
		opts.MaxDepth = int(*c.Depth)
	}
	if c.TimeLimit != nil {
		opts.TimeLimit = time.Duration(*c.TimeLimit) * time.Millisecond
	}
	expr, err := Compile(c.Expr)
	var result any
	if err == nil {
		result, err = expr.Eval(input, opts)
	}
	if convert != nil && err == nil {
		result = numbersAsFloats(result)
	}
	switch {
	case c.Code != "":
		if err == nil {
			return fmt.Sprintf("expected error %s, got result %s", c.Code, show(result))
		}
		if e, ok := err.(*Error); !ok || e.Code != c.Code {
			return fmt.Sprintf("expected error %s, got %v", c.Code, err)
		}
	case err != nil:
		return fmt.Sprintf("unexpected error: %v", err)
	case c.UndefinedResult:
		if result != Undefined {
			return "expected undefined, got " + show(result)
		}
	case c.hasResult:
		if !suiteEqual(result, c.Result) {
			return fmt.Sprintf("expected %s, got %s", show(c.Result), show(result))
		}
	default:
		if result != Undefined {
			return "expected undefined, got " + show(result)
		}
	}
	return ""
}

func show(v any) string {
	if v == Undefined {
		return "undefined"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// suiteEqual compares JSON values, numbers with a small relative tolerance.
func suiteEqual(a, b any) bool {
	// The suite's results are decoded into Go maps, so objects compare whatever their order.
	if o, ok := a.(*jsonvalue.Object); ok {
		a = jsonvalue.Plain(o)
	}
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		return math.Abs(x-y) <= 1e-10*math.Max(math.Abs(x), math.Abs(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !suiteEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !suiteEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

// readExprFile loads an expression kept in its own file: next to the case, or in
// testdata/suite-expr-files/GROUP/ when the suite copy lacks it.
func readExprFile(caseFile, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(filepath.Dir(caseFile), name))
	if err == nil {
		return string(b), nil
	}
	group := filepath.Base(filepath.Dir(caseFile))
	b, err2 := os.ReadFile(filepath.Join("testdata", "suite-expr-files", group, name))
	if err2 != nil {
		return "", fmt.Errorf("expression file %s missing from the suite: %w", name, err)
	}
	return string(b), nil
}

// readSuiteCases reads one case file of the suite: an array of cases or a single case.
func readSuiteCases(t *testing.T, file, rel string) []*suiteCase {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cases []*suiteCase
	if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
		err = json.Unmarshal(b, &cases)
	} else {
		var one suiteCase
		err = json.Unmarshal(b, &one)
		cases = []*suiteCase{&one}
	}
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return cases
}

// TestSuite runs every case file of the JSONata test suite and logs the pass rate (go test
// -v). JSONATA_SHOW_KNOWN=1 logs why known failures fail; JSONATA_SLOW=1 logs slow files.
func TestSuite(t *testing.T) {
	t.Parallel()
	dir := suiteDir(t)
	known := loadKnownFailures(t)
	files, err := filepath.Glob(filepath.Join(dir, "groups", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	passed := 0
	for _, file := range files {
		rel, _ := filepath.Rel(filepath.Join(dir, "groups"), file)
		rel = filepath.ToSlash(rel)
		cases := readSuiteCases(t, file, rel)
		var failures []string
		started := time.Now()
		for i, c := range cases {
			if c.ExprFile != "" {
				src, err := readExprFile(file, c.ExprFile)
				if err != nil {
					failures = append(failures, fmt.Sprintf("case %d: %v", i, err))
					continue
				}
				c.Expr = src
			}
			if c.Error != nil && c.Code == "" {
				c.Code = c.Error.Code
			}
			if why := runSuiteCase(dir, c); why != "" {
				failures = append(failures, fmt.Sprintf("case %d (%s): %s", i, c.Expr, why))
			}
		}
		if d := time.Since(started); d > 300*time.Millisecond && os.Getenv("JSONATA_SLOW") != "" {
			t.Logf("slow: %s %v", rel, d)
		}
		_, isKnown := known[rel]
		switch {
		case len(failures) == 0 && isKnown:
			t.Errorf("%s passes but is listed in testdata/known-failures.txt; remove it", rel)
		case len(failures) == 0:
			passed++
		case !isKnown:
			t.Errorf("%s: %s", rel, strings.Join(failures, "; "))
		case os.Getenv("JSONATA_SHOW_KNOWN") != "":
			t.Logf("known failure %s: %s", rel, strings.Join(failures, "; "))
		}
	}
	t.Logf("JSONata suite: %d/%d case files pass (%.1f%%)", passed, len(files), 100*float64(passed)/float64(len(files)))
}
