package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

func init() {
	register(subcommand{name: "version", summary: "print the version of stepflow", run: runVersion})
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	v := "devel"
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		v = info.Main.Version
	}
	fmt.Fprintf(stdout, "stepflow %s\n", v)
	return nil
}
