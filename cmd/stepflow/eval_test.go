package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestEvalCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	input := write("input.json", `{"order": {"items": [{"sku": "a", "price": 2, "qty": 3}, {"sku": "b", "price": 5, "qty": 1}]}, "z": 1, "a": 2}`)
	bindings := write("bindings.json", `{"rate": 0.5, "name": "x"}`)

	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantStderr string
		wantExit   int
	}{
		{"result", []string{"--expr", "$sum(order.items.(price * qty))", "--input", input, "--format", "json"}, `{"result":11}` + "\n", "", 0},
		{"object keeps key order", []string{"--expr", "$keys($)", "--input", input, "--format", "json"}, `{"result":["order","z","a"]}` + "\n", "", 0},
		{"undefined", []string{"--expr", "order.missing", "--input", input, "--format", "json"}, `{"undefined":true}` + "\n", "", 0},
		{"no input is undefined", []string{"--expr", "$", "--format", "json"}, `{"undefined":true}` + "\n", "", 0},
		{"null", []string{"--expr", "null", "--format", "json"}, `{"result":null}` + "\n", "", 0},
		{"type error", []string{"--expr", `"a" + 1`, "--format", "json"},
			`{"error":{"code":"T2001","message":"The left side of the \"+\" operator must evaluate to a number"}}` + "\n", "", 0},
		{"syntax error", []string{"--expr", "1 +", "--format", "json"},
			`{"error":{"code":"S0207","message":"Unexpected end of expression"}}` + "\n", "", 0},
		{"bindings", []string{"--expr", "$rate * 4 & $name", "--bindings", bindings, "--format", "json"}, `{"result":"2x"}` + "\n", "", 0},
		{"depth limit", []string{"--expr", "($f := function($n){$f($n + 1) + 1}; $f(0))", "--max-depth", "40", "--format", "json"},
			`{"error":{"code":"U1001","message":"Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive."}}` + "\n", "", 0},
		{"time limit", []string{"--expr", "($f := function($n){$f($n + 1)}; $f(0))", "--time-limit-ms", "20", "--format", "json"},
			`{"error":{"code":"U1001","message":"Expression evaluation timeout: Check for infinite loop"}}` + "\n", "", 0},
		{"text result", []string{"--expr", "order.items[0]", "--input", input},
			"{\n  \"sku\": \"a\",\n  \"price\": 2,\n  \"qty\": 3\n}\n", "", 0},
		{"constructed object keeps key order", []string{"--expr", `{"z": 1, "a": [0.1 + 0.2, 1e21]}`, "--format", "json"}, `{"result":{"z":1,"a":[0.30000000000000004,1e+21]}}` + "\n", "", 0},
		{"text undefined", []string{"--expr", "nothing", "--input", input}, "undefined\n", "", 0},
		{"text error", []string{"--expr", "(1", "--input", input}, "", "S0203: Expected \")\" before end of expression\n", 1},
		{"coalescing in 2.2", []string{"--expr", "nothing ?? 0", "--format", "json"}, `{"result":0}` + "\n", "", 0},
		{"coalescing in 2.0.6 (as AWS)", []string{"--expr", "nothing ?? 0", "--jsonata-version", "2.0.6", "--format", "json"},
			`{"error":{"code":"S0211","message":"The symbol \"?\" cannot be used as a unary operator"}}` + "\n", "", 0},
		{"day width in 2.0.6", []string{"--expr", "$fromMillis(0, '[D,3-1]')", "--jsonata-version", "2.0.6", "--format", "json"}, `{"result":"1"}` + "\n", "", 0},
		{"day width in 2.2", []string{"--expr", "$fromMillis(0, '[D,3-1]')", "--jsonata-version", "2.2", "--format", "json"}, `{"result":"001"}` + "\n", "", 0},
		{"JSONPath", []string{"--query-language", "JSONPath", "--expr", "$.order.items[1].sku", "--input", input, "--format", "json"}, `{"result":"b"}` + "\n", "", 0},
		{"JSONPath variable", []string{"--query-language", "JSONPath", "--expr", "$rate", "--bindings", bindings, "--format", "json"}, `{"result":0.5}` + "\n", "", 0},
		{"intrinsic", []string{"--query-language", "JSONPath", "--expr", "States.ArrayLength($.order.items)", "--input", input, "--format", "json"}, `{"result":2}` + "\n", "", 0},
		{"JSONPath not found", []string{"--query-language", "jsonpath", "--expr", "$.nope", "--input", input, "--format", "json"},
			`{"error":{"code":"States.Runtime","message":"Invalid path '$.nope' : No results for path: $['nope']"}}` + "\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := runEval(context.Background(), tt.args, &stdout, &stderr)
			exit := 0
			var e exitError
			if errors.As(err, &e) {
				exit = e.Code
			} else if err != nil {
				t.Fatalf("error %v", err)
			}
			if exit != tt.wantExit {
				t.Errorf("exit %d, want %d (stderr %q)", exit, tt.wantExit, stderr.String())
			}
			if stdout.String() != tt.wantOut {
				t.Errorf("stdout\n got %q\nwant %q", stdout.String(), tt.wantOut)
			}
			if stderr.String() != tt.wantStderr {
				t.Errorf("stderr\n got %q\nwant %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestEvalCommandUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := runEval(context.Background(), nil, &stdout, &stderr)
	var e exitError
	if !errors.As(err, &e) || e.Code != 2 {
		t.Fatalf("error %v, want exit status 2", err)
	}
	err = runEval(context.Background(), []string{"--expr", "1", "--query-language", "XPath"}, &stdout, &stderr)
	if err == nil || err.Error() != `--query-language must be JSONata or JSONPath, not "XPath"` {
		t.Fatalf("error %v", err)
	}
	err = runEval(context.Background(), []string{"--expr", "1", "--jsonata-version", "2.1"}, &stdout, &stderr)
	if err == nil || err.Error() != `--jsonata-version must be 2.2 or 2.0.6, not "2.1"` {
		t.Fatalf("error %v", err)
	}
}
