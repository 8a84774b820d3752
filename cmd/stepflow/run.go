package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

func init() {
	register(subcommand{name: "run", summary: "run one execution of a definition in memory and print its result", run: runRun})
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	inputFile := fs.String("input", "", "file holding the execution input JSON (default {})")
	format := fs.String("format", "output", "what to print: output (the output JSON, or the error), describe (a DescribeExecution-shaped object) or history (the events)")
	virtual := fs.Bool("virtual-time", false, "run Wait states, retry intervals and timeouts on a virtual clock that never sleeps")
	typ := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	var runners taskRunners
	runners.addFlags(fs)
	roleARN := addRoleARNFlag(fs)
	payloadLimit := fs.Int("payload-limit", sfn.DefaultPayloadLimit, "largest state input/output in bytes (0 = no limit)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow run DEF.json [--input IN.json] [--format output|describe|history] [--virtual-time] [--type STANDARD|EXPRESS] [--functions F.json]")
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
	defFile := positional[0]
	if *format != "output" && *format != "describe" && *format != "history" {
		return fmt.Errorf("--format must be output, describe or history, not %q", *format)
	}
	smType, err := parseMachineType(*typ)
	if err != nil {
		return err
	}
	prog, err := loadProgram(defFile, smType, interp.Options{PayloadLimit: *payloadLimit, History: *format == "history"}, stderr)
	if err != nil {
		return err
	}
	input, err := readInput(*inputFile)
	if err != nil {
		return err
	}
	if err := checkRoleARN(*roleARN); err != nil {
		return err
	}
	router, _, err := runners.newRouter(sfn.DefaultScope)
	if err != nil {
		return err
	}
	info := localInfo(machineName(defFile), newExecutionName(), smType, *roleARN)
	res, err := runLocal(ctx, prog, info, input, router, *virtual, stderr)
	if err != nil {
		return err
	}
	switch *format {
	case "describe":
		// Like describe-execution, describing a failed execution is a success of the command.
		return writeJSON(stdout, describeResult(info, input, res.Result, res.Stop))
	case "history":
		if err := writeJSON(stdout, map[string]any{"events": res.History}); err != nil {
			return err
		}
	default:
		if res.Status == sfn.StatusSucceeded {
			return writeJSON(stdout, res.Output)
		}
		fmt.Fprintf(stderr, "%s: %s: %s\n", res.Status, res.Error, res.Cause)
	}
	if res.Status != sfn.StatusSucceeded {
		return exitError{Code: 1}
	}
	return nil
}

// describeResult shapes an execution like DescribeExecution, dates as the AWS CLI prints them.
func describeResult(info interp.ExecutionInfo, input any, res interp.Result, stop time.Time) map[string]any {
	out := map[string]any{
		"executionArn":    info.ExecutionARN,
		"stateMachineArn": info.StateMachineARN,
		"name":            info.ExecutionName,
		"status":          string(res.Status),
		"startDate":       cliTime(info.StartTime),
		"stopDate":        cliTime(stop),
		"input":           jsonvalue.MarshalString(input),
		"inputDetails":    map[string]any{"included": true},
		"redriveCount":    0,
		"redriveStatus":   "NOT_REDRIVABLE",
	}
	if res.Status == sfn.StatusSucceeded {
		out["output"] = jsonvalue.MarshalString(res.Output)
		out["outputDetails"] = map[string]any{"included": true}
	} else {
		out["error"] = res.Error
		out["cause"] = res.Cause
	}
	return out
}

func cliTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-07:00") }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newExecutionName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
