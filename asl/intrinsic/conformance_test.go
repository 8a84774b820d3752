package intrinsic

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/repotestdata"
)

// recordedCase is one recorded execution of a chain of Pass states whose Parameters call
// intrinsic functions.
type recordedCase struct {
	Definition struct {
		StartAt string
		States  map[string]struct {
			Type          string
			QueryLanguage string
			Parameters    map[string]any
			ResultPath    *string
			Next          string
			End           bool
		}
		QueryLanguage string
	}
	Input    any
	Expected struct {
		Status string
		Output any
		Error  *string
		Cause  *string
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

// Context object values as the recording's placeholders spell them.
var recordedContext = map[string]any{
	"Execution": map[string]any{
		"Id":   "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>",
		"Name": "<ExecArnPart_0idx>",
	},
	"StateMachine": map[string]any{
		"Id":   "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>",
		"Name": "<ArnPart_0idx>",
	},
}

// TestRecordedIntrinsicExecutions replays the AWS-recorded intrinsic function executions
// with a minimal Pass-state evaluator (Parameters and ResultPath) built on this package.
func TestRecordedIntrinsicExecutions(t *testing.T) {
	t.Parallel()
	conformanceDir := repotestdata.MustDir(t, "conformance", "localstack")
	dirs, _ := filepath.Glob(filepath.Join(conformanceDir, "intrinsic_functions--*"))
	if len(dirs) == 0 {
		t.Fatalf("no recorded cases at %s", conformanceDir)
	}
	ran := 0
	for _, dir := range dirs {
		var c recordedCase
		readJSON(t, filepath.Join(dir, "definition.json"), &c.Definition)
		if c.Definition.QueryLanguage == "JSONata" || !onlyJSONPathPass(&c) {
			continue // JSONata functions ($partition, $range ...) are the jsonata package's.
		}
		readJSON(t, filepath.Join(dir, "input.json"), &c.Input)
		readJSON(t, filepath.Join(dir, "expected.json"), &c.Expected)
		ran++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			output, err := runPassChain(&c)
			if c.Expected.Status != "SUCCEEDED" {
				var ie *Error
				if !errors.As(err, &ie) || ie.Name != *c.Expected.Error || ie.Cause != *c.Expected.Cause {
					t.Fatalf("got %v, want error %s: %s", err, *c.Expected.Error, *c.Expected.Cause)
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			want := c.Expected.Output
			if isRandomPlaceholder(want) {
				checkRandom(t, c.Input, output)
				return
			}
			// This minimal evaluator builds Parameters from Go maps, so key order is not
			// checked here; internal/conformance runs the same cases through the interpreter
			// and checks it.
			if !jsonvalue.Equal(output, want) {
				got, _ := json.Marshal(output)
				wantText, _ := json.Marshal(want)
				t.Fatalf("output %s, want %s", got, wantText)
			}
		})
	}
	t.Logf("replayed %d recorded executions", ran)
}

func onlyJSONPathPass(c *recordedCase) bool {
	for _, s := range c.Definition.States {
		if s.Type != "Pass" || s.QueryLanguage == "JSONata" {
			return false
		}
	}
	return true
}

func runPassChain(c *recordedCase) (any, error) {
	value := c.Input
	name := c.Definition.StartAt
	for {
		s := c.Definition.States[name]
		result := value
		if s.Parameters != nil {
			r, err := evalTemplate(s.Parameters, value)
			if err != nil {
				return nil, err
			}
			result = r
		}
		value = result
		if s.ResultPath != nil {
			p, err := jsonpath.CompileReference(*s.ResultPath)
			if err != nil {
				return nil, err
			}
			if value, err = p.Set(value, result); err != nil {
				return nil, err
			}
		}
		if s.End {
			return value, nil
		}
		name = s.Next
	}
}

func evalTemplate(template map[string]any, input any) (any, error) {
	out := make(map[string]any, len(template))
	for key, v := range template {
		field, isDynamic := strings.CutSuffix(key, ".$")
		if !isDynamic {
			if nested, ok := v.(map[string]any); ok {
				r, err := evalTemplate(nested, input)
				if err != nil {
					return nil, err
				}
				v = r
			}
			out[key] = v
			continue
		}
		text := v.(string)
		if LooksLikeCall(text) {
			call, err := Compile(text)
			if err != nil {
				return nil, err
			}
			r, err := call.Eval(Env{Input: input, Context: recordedContext, Random: func() float64 { return 0.5 }, UUID: func() string { return "00000000-0000-4000-8000-000000000000" }})
			if err != nil {
				return nil, err
			}
			out[field] = r
			continue
		}
		p, err := jsonpath.Compile(text)
		if err != nil {
			return nil, err
		}
		root := input
		if p.Root == jsonpath.RootContext {
			root = recordedContext
		}
		r, err := p.Get(root)
		if err != nil {
			return nil, err
		}
		out[field] = r
	}
	return out, nil
}

// isRandomPlaceholder reports whether the recording replaced a random result.
func isRandomPlaceholder(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m["FunctionResult"] == "RandomNumberGenerated"
}

func checkRandom(t *testing.T, input, output any) {
	t.Helper()
	in := input.(map[string]any)["FunctionInput"].(map[string]any)
	got, ok := output.(map[string]any)["FunctionResult"].(float64)
	if !ok || got < in["fst"].(float64) || got > in["snd"].(float64) {
		t.Fatalf("MathRandom gave %v, want a number in [%v, %v]", output, in["fst"], in["snd"])
	}
}
