package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/store/storetest"
)

func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestOpenCreatesDirectoriesAndReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "stepflow.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: "arn:aws:states:us-east-1:1:activity:a", Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening runs no migration twice and keeps the data.
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Fatalf("Path() = %q, want %q", s.Path(), path)
	}
	if _, err := s.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: "arn:aws:states:us-east-1:1:activity:a"}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	t.Parallel()
	foreign := foreignDatabase(t)
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"text file", []byte("hello, this is not a database\n"),
			"file is not a Stepflow database (it is not an SQLite database)"},
		{"other SQLite database", foreign,
			"file is not a Stepflow database (it has tables customers, orders but no stepflow_migration table)"},
		{"truncated SQLite database", foreign[:200],
			"file is not a Stepflow database (database disk image is malformed (11))"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "x.db")
			if err := os.WriteFile(path, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := sqlite.Open(context.Background(), path)
			want := "open store " + path + ": " + tc.want
			if err == nil || err.Error() != want {
				t.Fatalf("got error %v\nwant %s", err, want)
			}
			if !errors.Is(err, store.ErrNotStepflowDatabase) {
				t.Fatalf("errors.Is(%v, ErrNotStepflowDatabase) = false", err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, tc.content) {
				t.Fatal("the file was modified")
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Fatalf("files left beside it: %v", entries)
			}
		})
	}
}

// foreignDatabase returns the bytes of an SQLite database of another application.
func foreignDatabase(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "foreign.db")
	db, err := sqlOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)`,
		`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)`,
		`INSERT INTO orders (total) VALUES (9.5)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenUnwritableDirectory(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "stepflow.db") // a path under a regular file
	_, err := sqlite.Open(context.Background(), path)
	want := "open store " + path + ": mkdir " + file + ": not a directory"
	if err == nil || err.Error() != want {
		t.Fatalf("got error %v\nwant %s", err, want)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sqlOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO stepflow_migration (version, name, applied_at) VALUES (99, '099_future', '')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(ctx, path)
	// This build knows up to the version of its last migration file.
	files, _ := filepath.Glob(filepath.Join("migration", "*.sql"))
	known, _ := strconv.Atoi(strings.SplitN(filepath.Base(files[len(files)-1]), "_", 2)[0])
	want := fmt.Sprintf("open store %s: file was written by a newer Stepflow (schema version 99 is newer than this build of Stepflow knows (%d))", path, known)
	if err == nil || err.Error() != want {
		t.Fatalf("got error %v\nwant %s", err, want)
	}
}

// Two stores on one file (two processes, in effect) see each other's commits.
func TestTwoStoresOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	a, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const arn = "arn:aws:states:us-east-1:1:activity:shared"
	if _, err := a.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: arn, Name: "shared"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = b.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: arn, Name: "shared"})
	if want := "activity " + arn + " already exists"; err == nil || err.Error() != want {
		t.Fatalf("got error %v, want %s", err, want)
	}
}
