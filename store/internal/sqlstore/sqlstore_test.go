package sqlstore

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stepflow/stepflow/store"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dollar bool
		in     string
		want   string
	}{
		{false, "SELECT ? WHERE a = ?", "SELECT ? WHERE a = ?"},
		{true, "SELECT ? WHERE a = ?", "SELECT $1 WHERE a = $2"},
		{true, "VALUES (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?)", "VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8), ($9, $10), ($11)"},
	} {
		d := Dialect{DollarPlaceholders: tc.dollar}
		if got := d.rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rows, width int
		want        string
	}{
		{1, 1, "?"},
		{3, 1, "?, ?, ?"},
		{1, 3, "(?, ?, ?)"},
		{2, 2, "(?, ?), (?, ?)"},
	} {
		if got := placeholders(tc.rows, tc.width); got != tc.want {
			t.Errorf("placeholders(%d, %d) = %q, want %q", tc.rows, tc.width, got, tc.want)
		}
	}
}

func TestPageToken(t *testing.T) {
	t.Parallel()
	token := encodePageToken("executions", "1700000000000000", "arn:aws:states:us-east-1:1:execution:m:e")
	key, err := decodePageToken(token, "executions", 2)
	if err != nil || key[0] != "1700000000000000" || key[1] != "arn:aws:states:us-east-1:1:execution:m:e" {
		t.Fatalf("decode = %q, %v", key, err)
	}
	for _, tc := range []struct {
		name, token, listing string
		parts                int
	}{
		{"not base64", "!!!", "executions", 2},
		{"other listing", token, "history", 2},
		{"other shape", token, "executions", 1},
		{"empty", "", "executions", 2},
	} {
		if _, err := decodePageToken(tc.token, tc.listing, tc.parts); !errors.Is(err, store.ErrInvalidPageToken) {
			t.Errorf("%s: got %v, want ErrInvalidPageToken", tc.name, err)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	got, err := LoadMigrations(fstest.MapFS{
		"m/002_more.sql":    {Data: []byte("B")},
		"m/001_initial.sql": {Data: []byte("A")},
	}, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "001_initial" || got[1].Version != 2 || got[1].SQL != "B" {
		t.Fatalf("got %+v", got)
	}
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"twice", fstest.MapFS{"m/001_a.sql": {}, "m/001_b.sql": {}}, "migration 001_b: versions must be unique and count up from 1"},
		{"zero", fstest.MapFS{"m/000_a.sql": {}}, "migration 000_a: versions must be unique and count up from 1"},
		{"bad name", fstest.MapFS{"m/first.sql": {}}, "migration file first.sql: want NNN_name.sql"},
		{"not a number", fstest.MapFS{"m/one_a.sql": {}}, "migration file one_a.sql: want NNN_name.sql"},
	} {
		_, err := LoadMigrations(tc.fs, "m")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
