package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

func init() {
	register(subcommand{name: "validate", summary: "check a definition as AWS's ValidateStateMachineDefinition does", run: runValidate})
}

// validateResponse is the shape of AWS's ValidateStateMachineDefinition response.
type validateResponse struct {
	Result      string           `json:"result"`
	Diagnostics []asl.Diagnostic `json:"diagnostics"`
	Truncated   bool             `json:"truncated"`
}

func runValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typ := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	format := fs.String("format", "text", "output: text (one line per problem, or OK) or json (the ValidateStateMachineDefinition response)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow validate FILE [--type STANDARD|EXPRESS] [--format text|json]")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil {
		return exitError{Code: 2}
	}
	if len(positional) != 1 {
		fs.Usage()
		return exitError{Code: 2}
	}
	smType := sfn.StateMachineType(strings.ToUpper(*typ))
	if smType != sfn.TypeStandard && smType != sfn.TypeExpress {
		return fmt.Errorf("--type must be STANDARD or EXPRESS, not %q", *typ)
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format must be text or json, not %q", *format)
	}
	data, err := os.ReadFile(positional[0])
	if err != nil {
		return fmt.Errorf("read definition: %w", err)
	}

	_, diags := asl.Parse(data, interp.DefinitionParseOptions(smType))
	resp := validateResponse{Result: "OK", Diagnostics: []asl.Diagnostic(diags)}
	if resp.Diagnostics == nil {
		resp.Diagnostics = []asl.Diagnostic{}
	}
	if diags.HasErrors() {
		resp.Result = "FAIL"
	}

	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(resp); err != nil {
			return fmt.Errorf("write response: %w", err)
		}
	} else {
		writeDiagnosticsText(stdout, diags)
	}
	if diags.HasErrors() {
		return exitError{Code: 1}
	}
	return nil
}

// writeDiagnosticsText prints one line per problem, "SEVERITY CODE LOCATION: message", or OK.
// Multi-line messages (Jackson's syntax errors) are kept on one line.
func writeDiagnosticsText(w io.Writer, diags asl.Diagnostics) {
	if len(diags) == 0 {
		fmt.Fprintln(w, "OK")
		return
	}
	for _, d := range diags {
		msg := strings.ReplaceAll(d.Message, "\n", " ")
		if d.Location == "" || d.Code == asl.CodeInvalidJSONDescription {
			fmt.Fprintf(w, "%s %s: %s\n", d.Severity, d.Code, msg)
			continue
		}
		fmt.Fprintf(w, "%s %s %s: %s\n", d.Severity, d.Code, d.Location, msg)
	}
}
