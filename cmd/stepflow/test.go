package main

import (
	"context"
	"flag"
	"fmt"
	"io"

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
	roleARN := addRoleARNFlag(fs)
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
	smType, err := parseMachineType(*typ)
	if err != nil {
		return err
	}
	defFile := positional[0]
	if *machine == "" {
		*machine = machineName(defFile)
	}

	mocks, err := mock.LoadConfig(*mocksFile)
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
	mocked := mock.New(mocks, router)
	tc := mock.TestCase{StateMachine: *machine, Name: *testCase}
	if err := mocked.Check(tc); err != nil {
		return err
	}
	info := localInfo(*machine, *testCase, smType, *roleARN)
	res, err := runLocal(mock.WithTestCase(ctx, tc), prog, info, input, mocked, true, stderr)
	if err != nil {
		return err
	}
	if *format == "history" {
		err = writeJSON(stdout, map[string]any{"events": res.History})
	} else {
		err = writeJSON(stdout, describeResult(info, input, res.Result, res.Stop))
	}
	if err != nil {
		return err
	}
	if res.Status != sfn.StatusSucceeded {
		return exitError{Code: 1}
	}
	return nil
}
