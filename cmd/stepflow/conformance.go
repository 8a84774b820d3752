package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/stepflow/stepflow/internal/conformance"
)

func init() {
	register(subcommand{name: "conformance", summary: "run recorded AWS cases (../shared/conformance/localstack format) and print pass rates", run: runConformance})
}

func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "print every case with its result, and why it failed")
	failures := fs.Bool("failures", false, "print each failing case and why")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow conformance [-v] [-failures] DIR...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{Code: 2}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitError{Code: 2}
	}
	var results []conformance.Result
	for _, dir := range fs.Args() {
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
