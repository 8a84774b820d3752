package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task/mock"
)

func init() {
	register(subcommand{name: "test", summary: "run one test case of a mock file (Step Functions Local format) on virtual time", run: runTest})
}

func runTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mocksFile := fs.String("mocks", "", "mock configuration file (AWS Step Functions Local's MockConfigFile.json format)")
	testCase := fs.String("case", "", "the test case to run, under StateMachines.NAME.TestCases")
	machine := fs.String("state-machine", "", "the state machine's name in the mock file (default: the definition file's name without .asl.json/.json)")
	inputFile := fs.String("input", "", "file holding the execution input JSON (default {})")
	format := fs.String("format", "describe", "what to print: describe (a DescribeExecution-shaped object) or history (the events)")
	typ := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	payloadLimit := fs.Int("payload-limit", sfn.DefaultPayloadLimit, "largest state input/output in bytes (0 = no limit)")
	var runners taskRunners
	runners.addFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow test DEF.json --mocks MOCKS.json --case NAME [--input IN.json] [--state-machine NAME] [--format describe|history] [--functions F.json] [--http-allow-host HOST]... [--buckets-dir DIR]")
		fmt.Fprintln(stderr, "Runs the definition on virtual time; states the test case mocks get their mocked answers, the others the configured task runners. Exits 1 unless the execution succeeds.")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil {
		return exitError{Code: 2}
	}
	if len(positional) != 1 || *mocksFile == "" || *testCase == "" {
		fs.Usage()
		return exitError{Code: 2}
	}
	if *format != "describe" && *format != "history" {
		return fmt.Errorf("--format must be describe or history, not %q", *format)
	}
	smType := sfn.StateMachineType(strings.ToUpper(*typ))
	if smType != sfn.TypeStandard && smType != sfn.TypeExpress {
		return fmt.Errorf("--type must be STANDARD or EXPRESS, not %q", *typ)
	}
	defFile := positional[0]
	if *machine == "" {
		*machine = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(defFile), ".json"), ".asl")
	}

	mocks, err := mock.LoadConfig(*mocksFile)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(defFile)
	if err != nil {
		return err
	}
	sm, diags := asl.Parse(data, asl.ParseOptions{Type: smType})
	if diags.HasErrors() {
		for _, d := range diags {
			fmt.Fprintf(stderr, "%s: %s %s %s: %s\n", defFile, d.Severity, d.Code, d.Location, d.Message)
		}
		return exitError{Code: 1}
	}
	var input any = map[string]any{}
	if *inputFile != "" {
		if input, err = jsonvalue.ReadFile(*inputFile); err != nil {
			return fmt.Errorf("read input: %w", err)
		}
	}
	scope := sfn.DefaultScope
	router, _, err := runners.newRouter(scope)
	if err != nil {
		return err
	}
	mocked := mock.New(mocks, router)
	tc := mock.TestCase{StateMachine: *machine, Name: *testCase}
	if err := mocked.Check(tc); err != nil {
		return err
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: *payloadLimit, History: *format == "history"})
	if err != nil {
		return err
	}
	execName := *testCase
	info := interp.ExecutionInfo{
		ExecutionARN:     scope.ExecutionARN(*machine, execName),
		ExecutionName:    execName,
		StateMachineARN:  scope.StateMachineARN(*machine),
		StateMachineName: *machine,
		RoleARN:          scope.RoleARN("StepflowExecutionRole"),
		StartTime:        time.Now().UTC(),
		Seed:             uint64(time.Now().UnixNano()),
	}
	if smType == sfn.TypeExpress {
		info.ExecutionARN = scope.ExpressExecutionARN(*machine, execName, execName)
	}
	var history []sfn.HistoryEvent
	var stop time.Time
	res, err := engine.Run(mock.WithTestCase(ctx, tc), prog, engine.RunOptions{
		Info: info, Input: input, Invoker: mocked, VirtualTime: true,
		OnStep:   func(evs []sfn.HistoryEvent) { history = append(history, evs...) },
		OnFinish: func(at time.Time) { stop = at },
	})
	if errors.Is(err, engine.ErrStalled) {
		fmt.Fprintf(stderr, "stepflow test: %v\n", err)
		return exitError{Code: 1}
	}
	if err != nil {
		return err
	}
	if *format == "history" {
		err = writeJSON(stdout, map[string]any{"events": history})
	} else {
		err = writeJSON(stdout, describeResult(info, input, res, stop))
	}
	if err != nil {
		return err
	}
	if res.Status != sfn.StatusSucceeded {
		return exitError{Code: 1}
	}
	return nil
}
