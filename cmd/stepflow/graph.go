package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/graph"
)

func init() {
	register(subcommand{name: "graph", summary: "draw a definition as SVG, Graphviz DOT or a Mermaid flowchart", run: runGraph})
}

// graphFormats maps -o file extensions to the format they imply when --format is not given.
var graphFormats = map[string]string{".svg": "svg", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid"}

func runGraph(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "", "svg, dot or mermaid (default: from the -o extension, else svg)")
	outFile := fs.String("o", "", "write to this file instead of standard output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow graph DEF.json [--format svg|dot|mermaid] [-o FILE]")
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
	if *format == "" {
		*format = graphFormats[strings.ToLower(filepath.Ext(*outFile))]
		if *format == "" {
			*format = "svg"
		}
	}
	defFile := positional[0]
	data, err := os.ReadFile(defFile)
	if err != nil {
		return fmt.Errorf("read definition: %w", err)
	}
	sm, diags := asl.Parse(data, asl.ParseOptions{})
	if diags.HasErrors() {
		for _, d := range diags {
			fmt.Fprintf(stderr, "%s: %s %s %s: %s\n", defFile, d.Severity, d.Code, d.Location, d.Message)
		}
		return exitError{Code: 1}
	}
	g := graph.Build(sm)
	var text string
	switch *format {
	case "svg":
		text = g.SVG()
	case "dot":
		text = g.DOT()
	case "mermaid":
		text = g.Mermaid()
	default:
		return fmt.Errorf("--format must be svg, dot or mermaid, not %q", *format)
	}
	if *outFile == "" {
		_, err = io.WriteString(stdout, text)
		return err
	}
	if err := os.WriteFile(*outFile, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write graph: %w", err)
	}
	return nil
}
