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
	register(subcommand{name: "conformance", summary: "run recorded AWS cases (testdata/conformance/localstack by default) and print pass rates", run: runConformance})
}

func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "print every case with its result, and why it failed")
	failures := fs.Bool("failures", false, "print each failing case and why")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow conformance [-v] [-failures] [DIR...]")
		fmt.Fprintln(stderr, "DIR defaults to testdata/conformance/localstack of the Stepflow clone around the working directory.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{Code: 2}
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		// The recorded cases are not built into the binary: outside a clone the directory is an argument.
		dir, err := repotestdata.Dir("conformance", "localstack")
		if err != nil {
			return fmt.Errorf("no case directory given, and %v: run inside a Stepflow clone or give the directory (stepflow conformance path/to/stepflow/testdata/conformance/localstack)", err)
		}
		dirs = []string{dir}
	}
	var results []conformance.Result
	for _, dir := range dirs {
		cases, err := conformance.LoadDir(dir)
		if err != nil {
			return err
		}
		for _, c := range cases {
			r := conformance.Run(ctx, c)
			results = append(results, r)
			switch {
			case *verbose && r.Pass:
				fmt.Fprintf(stdout, "PASS %s\n", c.Name)
			case (*verbose || *failures) && !r.Pass:
				fmt.Fprintf(stdout, "FAIL %s: %s\n", c.Name, r.Reason)
			}
		}
	}
	fmt.Fprint(stdout, conformance.Summarize(results).String())
	return nil
}
