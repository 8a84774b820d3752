package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl/intrinsic"
	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/jsonata"
	"github.com/stepflow/stepflow/sfn"
)

func init() {
	register(subcommand{name: "eval", summary: "evaluate one JSONata or JSONPath expression against an input", run: runEval})
}

// evalOutcome is the --format json answer: exactly one of the three fields is set.
type evalOutcome struct {
	Result    *json.RawMessage `json:"result,omitempty"`
	Undefined bool             `json:"undefined,omitempty"`
	Error     *evalError       `json:"error,omitempty"`
}

type evalError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func runEval(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("query-language", "JSONata", "JSONata or JSONPath (a path or a States.* intrinsic call)")
	expr := fs.String("expr", "", "the expression to evaluate (required)")
	inputFile := fs.String("input", "", "JSON file with the input (none: the input is undefined)")
	bindingsFile := fs.String("bindings", "", "JSON file with an object of variables, by name without '$'")
	format := fs.String("format", "text", "output: text (pretty JSON, 'undefined', or the error on stderr) or json")
	maxDepth := fs.Int("max-depth", 0, "JSONata evaluation depth limit (0: the engine default)")
	timeLimit := fs.Int("time-limit-ms", 0, "JSONata evaluation time limit in milliseconds (0: none)")
	version := fs.String("jsonata-version", "2.2", "JSONata language version: 2.2, or 2.0.6 as AWS Step Functions runs it in state machines")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow eval --expr EXPR [--query-language JSONata|JSONPath] [--input FILE] [--bindings FILE] [--format text|json] [--max-depth N] [--time-limit-ms N] [--jsonata-version 2.2|2.0.6]")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil || len(positional) != 0 || *expr == "" {
		if err == nil {
			fs.Usage()
		}
		return exitError{Code: 2}
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format must be text or json, not %q", *format)
	}
	if *version != "2.2" && *version != "2.0.6" {
		return fmt.Errorf("--jsonata-version must be 2.2 or 2.0.6, not %q", *version)
	}
	compileOptions := jsonata.CompileOptions{Compat206: *version == "2.0.6"}
	var input, plainInput any = jsonata.Undefined, nil
	if *inputFile != "" {
		data, err := os.ReadFile(*inputFile)
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		// JSONata sees object keys in document order; the JSONPath packages take plain maps
		if input, err = jsonata.DecodeJSON(data); err != nil {
			return fmt.Errorf("input %s: %w", *inputFile, err)
		}
		if err := json.Unmarshal(data, &plainInput); err != nil {
			return fmt.Errorf("input %s: %w", *inputFile, err)
		}
	}
	bindings, plainBindings := map[string]any{}, map[string]any{}
	if *bindingsFile != "" {
		data, err := os.ReadFile(*bindingsFile)
		if err != nil {
			return fmt.Errorf("read bindings: %w", err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return fmt.Errorf("bindings %s must be a JSON object: %w", *bindingsFile, err)
		}
		for name, v := range raw {
			if bindings[name], err = jsonata.DecodeJSON(v); err != nil {
				return fmt.Errorf("bindings %s: %w", *bindingsFile, err)
			}
			var plain any
			if err := json.Unmarshal(v, &plain); err != nil {
				return fmt.Errorf("bindings %s: %w", *bindingsFile, err)
			}
			plainBindings[name] = plain
		}
	}

	var result any
	var evalErr *evalError
	switch strings.ToLower(*lang) {
	case "jsonata":
		result, evalErr = evalJSONata(*expr, compileOptions, input, bindings, *maxDepth, time.Duration(*timeLimit)*time.Millisecond)
	case "jsonpath":
		result, evalErr = evalJSONPath(*expr, plainInput, plainBindings)
	default:
		return fmt.Errorf("--query-language must be JSONata or JSONPath, not %q", *lang)
	}

	if *format == "json" {
		var out evalOutcome
		switch {
		case evalErr != nil:
			out.Error = evalErr
		case result == jsonata.Undefined:
			out.Undefined = true
		default:
			raw, err := marshalJSON(result, "")
			if err != nil {
				return fmt.Errorf("encode result: %w", err)
			}
			msg := json.RawMessage(raw)
			out.Result = &msg
		}
		line, err := marshalJSON(out, "")
		if err != nil {
			return fmt.Errorf("encode output: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", line)
		return err
	}
	switch {
	case evalErr != nil:
		fmt.Fprintf(stderr, "%s: %s\n", evalErr.Code, evalErr.Message)
		return exitError{Code: 1}
	case result == jsonata.Undefined:
		fmt.Fprintln(stdout, "undefined")
		return nil
	}
	text, err := marshalJSON(result, "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", text)
	return err
}

func evalJSONata(expr string, opts jsonata.CompileOptions, input any, bindings map[string]any, maxDepth int, timeLimit time.Duration) (any, *evalError) {
	compiled, err := jsonata.CompileWithOptions(expr, opts)
	if err == nil {
		// EvalJSON keeps the key order of objects the expression builds, as AWS prints them
		var data []byte
		data, err = compiled.EvalJSON(input, &jsonata.EvalOptions{Bindings: bindings, MaxDepth: maxDepth, TimeLimit: timeLimit}, "")
		if err == nil {
			if data == nil {
				return jsonata.Undefined, nil
			}
			return json.RawMessage(data), nil
		}
	}
	var je *jsonata.Error
	if errors.As(err, &je) {
		return nil, &evalError{Code: je.Code, Message: je.Message}
	}
	return nil, &evalError{Code: "U1001", Message: err.Error()}
}

// evalJSONPath evaluates a JSONPath or an intrinsic function call. Errors carry the ASL
// error name a state would fail with.
func evalJSONPath(expr string, plainInput any, bindings map[string]any) (any, *evalError) {
	lookup := func(name string) (any, bool) {
		v, ok := bindings[name]
		return v, ok
	}
	if intrinsic.LooksLikeCall(expr) {
		call, err := intrinsic.Compile(expr)
		if err != nil {
			return nil, &evalError{Code: sfn.ErrorRuntime, Message: err.Error()}
		}
		v, err := call.Eval(intrinsic.Env{Input: plainInput, Variables: lookup})
		if err != nil {
			var ie *intrinsic.Error
			if errors.As(err, &ie) {
				return nil, &evalError{Code: ie.Name, Message: ie.Cause}
			}
			return nil, &evalError{Code: sfn.ErrorRuntime, Message: err.Error()}
		}
		return v, nil
	}
	path, err := jsonpath.Compile(expr)
	if err != nil {
		return nil, &evalError{Code: sfn.ErrorRuntime, Message: err.Error()}
	}
	root := plainInput
	switch path.Root {
	case jsonpath.RootVariable:
		v, ok := lookup(path.Variable)
		if !ok {
			return nil, &evalError{Code: sfn.ErrorRuntime, Message: fmt.Sprintf("variable $%s is not defined", path.Variable)}
		}
		root = v
	case jsonpath.RootContext:
		root = map[string]any{}
	}
	v, err := path.Get(root)
	if err != nil {
		return nil, &evalError{Code: sfn.ErrorRuntime, Message: err.Error()}
	}
	return v, nil
}

// marshalJSON encodes without HTML escaping, keeping the key order of ordered objects.
func marshalJSON(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
