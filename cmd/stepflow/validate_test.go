package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`)
	bad := write("bad.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "C": {"Type": "Succeed"}}}`)
	wftt := write("wftt.json", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}`)
	text := write("text.txt", `not a definition`)
	sdk := func(resource string) string {
		return write(strings.NewReplacer(":", "_", "/", "_").Replace(resource)+".json",
			`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+resource+`", "End": true}}}`)
	}
	jsonataBad := write("jsonata.json", `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% 1 + %}", "End": true}}}`)
	coalescing := write("coalescing.json", `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $states.input.discount ?? 0 %}", "End": true}}}`)

	tests := []struct {
		name     string
		args     []string
		wantOut  string
		wantExit int
	}{
		{"ok text", []string{good}, "OK\n", 0},
		{"ok json", []string{good, "--format", "json"}, `{"result":"OK","diagnostics":[],"truncated":false}` + "\n", 0},
		{"problems text", []string{bad},
			"ERROR MISSING_TRANSITION_TARGET /States/A/Next: Missing 'Next' target: B\n" +
				"ERROR MISSING_TRANSITION_TARGET /States/C: State \"C\" is not reachable.\n", 1},
		{"problems json", []string{"--format", "json", bad},
			`{"result":"FAIL","diagnostics":[{"severity":"ERROR","code":"MISSING_TRANSITION_TARGET","message":"Missing 'Next' target: B","location":"/States/A/Next"},` +
				`{"severity":"ERROR","code":"MISSING_TRANSITION_TARGET","message":"State \"C\" is not reachable.","location":"/States/C"}],"truncated":false}` + "\n", 1},
		{"express", []string{wftt, "--type", "express"},
			"ERROR SCHEMA_VALIDATION_FAILED /States/T/Resource: Express state machine does not support '.waitForTaskToken' service integration \n", 1},
		{"standard", []string{wftt}, "OK\n", 0},
		{"JSONata syntax", []string{jsonataBad},
			"ERROR INVALID_JSONATA_EXPRESSION /States/P/Output: Unexpected end of expression\n", 1},
		// AWS runs JSONata 2.0.6, which has no "??": its parser's error, as node gives it
		{"JSONata 2.1 operator", []string{coalescing},
			"ERROR INVALID_JSONATA_EXPRESSION /States/P/Output: The symbol \"?\" cannot be used as a unary operator\n", 1},
		{"aws-sdk service Stepflow calls", []string{sdk("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue")}, "OK\n", 0},
		{"aws-sdk action Stepflow calls", []string{sdk("arn:aws:states:::aws-sdk:s3:getObject.waitForTaskToken")}, "OK\n", 0},
		{"aws-sdk service Stepflow cannot call", []string{sdk("arn:aws:states:::aws-sdk:nosuchservice:doThing")},
			"ERROR SCHEMA_VALIDATION_FAILED /States/T/Resource: The resource provided arn:aws:states:::aws-sdk:nosuchservice:doThing is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.\n", 1},
		{"aws-sdk action Stepflow cannot call", []string{sdk("arn:aws:states:::aws-sdk:s3:selectObjectContent")},
			"ERROR SCHEMA_VALIDATION_FAILED /States/T/Resource: The resource provided arn:aws:states:::aws-sdk:s3:selectObjectContent is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.\n", 1},
		{"not JSON", []string{text},
			"ERROR INVALID_JSON_DESCRIPTION: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')  at [Source: (String)\"not a definition\"; line: 1, column: 4]\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := runValidate(context.Background(), tt.args, &stdout, &stderr)
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
		})
	}
}

func TestValidateCommandUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := runValidate(context.Background(), nil, &stdout, &stderr)
	var e exitError
	if !errors.As(err, &e) || e.Code != 2 {
		t.Fatalf("error %v, want exit status 2", err)
	}
	if err := runValidate(context.Background(), []string{"x.json", "--type", "BOTH"}, &stdout, &stderr); err == nil || err.Error() != `--type must be STANDARD or EXPRESS, not "BOTH"` {
		t.Errorf("error %v", err)
	}
}
