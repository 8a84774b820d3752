package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stepflow/stepflow/store/sqlite"
)

func init() {
	register(subcommand{name: "backup", summary: "copy a SQLite store to a new file, consistently, even while the server runs", run: runBackup})
}

// runBackup writes a transactionally consistent copy of a SQLite store with VACUUM INTO: a
// running server keeps going (WAL mode lets the copy read a snapshot while it writes), and
// the copy is a plain database file that `stepflow server --db COPY` opens as it is.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "./.stepflow/stepflow.db", "the SQLite store to copy")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow backup [--db ./.stepflow/stepflow.db] OUT.db")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil || len(positional) != 1 {
		fs.Usage()
		return exitError{Code: 2}
	}
	out := positional[0]
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup %s: the file exists; choose a new name", out)
	}
	// Opening through the store checks that the file is a Stepflow database (and migrates it).
	st, err := sqlite.Open(ctx, *db)
	if err != nil {
		return err
	}
	st.Close()
	conn, err := sql.Open("sqlite", "file:"+*db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup %s: %w", *db, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("backup %s to %s: %w", *db, out, err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", *db, out)
	return nil
}
