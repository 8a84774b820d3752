package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/repotestdata"
)

func init() {
	register(subcommand{name: "conformance", summary: "run recorded AWS cases (testdata/conformance/localstack and localstack-validation by default) and print pass rates", run: runConformance})
}

func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "print every case with its result, and why it failed")
	failures := fs.Bool("failures", false, "print each failing case and why")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow conformance [-v] [-failures] [DIR...]")
		fmt.Fprintln(stderr, "DIR defaults to testdata/conformance/localstack (executions) and testdata/conformance/localstack-validation")
		fmt.Fprintln(stderr, "(definitions checked statically) of the Stepflow clone around the working directory.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{Code: 2}
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		// The recorded cases are not built into the binary: outside a clone the directory is an argument.
		for _, corpus := range []string{"localstack", "localstack-validation"} {
			dir, err := repotestdata.Dir("conformance", corpus)
			if err != nil {
				return fmt.Errorf("no case directory given, and %v: run inside a Stepflow clone or give the directory (stepflow conformance path/to/stepflow/testdata/conformance/localstack)", err)
			}
			dirs = append(dirs, dir)
		}
	}
	report := func(name string, pass bool, reason string) {
		switch {
		case *verbose && pass:
			fmt.Fprintf(stdout, "PASS %s\n", name)
		case (*verbose || *failures) && !pass:
			fmt.Fprintf(stdout, "FAIL %s: %s\n", name, reason)
		}
	}
	var results []conformance.Result
	validated, validationPassed := 0, 0
	for _, dir := range dirs {
		if conformance.IsValidationDir(dir) {
			cases, err := conformance.LoadValidationDir(dir)
			if err != nil {
				return err
			}
			for _, c := range cases {
				problem := c.Check()
				validated++
				if problem == "" {
					validationPassed++
				}
				report(c.Name, problem == "", problem)
			}
			continue
		}
		cases, err := conformance.LoadDir(dir)
		if err != nil {
			return err
		}
		for _, c := range cases {
			r := conformance.Run(ctx, c)
			results = append(results, r)
			report(c.Name, r.Pass, r.Reason)
		}
	}
	if len(results) > 0 {
		fmt.Fprint(stdout, conformance.Summarize(results).String())
	}
	if validated > 0 {
		fmt.Fprintf(stdout, "VALIDATION %d/%d %.1f%%\n", validationPassed, validated, 100*float64(validationPassed)/float64(validated))
	}
	return nil
}
