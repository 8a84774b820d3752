package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MigrationTable records which migrations a database has had.
const MigrationTable = "stepflow_migration"

// Migration is one numbered schema change, from a file named NNN_what.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads dir's NNN_name.sql files in version order.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		number, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration file %s: want NNN_name.sql", name)
		}
		version, err := strconv.Atoi(number)
		if err != nil {
			return nil, fmt.Errorf("migration file %s: want NNN_name.sql", name)
		}
		text, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: version, Name: strings.TrimSuffix(name, ".sql"), SQL: string(text)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	// Versions count up but may skip numbers: features built side by side take their numbers
	// ahead of time, and a database applies each version it has not had (see Migrate).
	for i, m := range out {
		if m.Version < 1 || (i > 0 && m.Version == out[i-1].Version) {
			return nil, fmt.Errorf("migration %s: versions must be unique and count up from 1", m.Name)
		}
	}
	return out, nil
}

// SchemaTooNewError says the database was migrated by a newer Stepflow.
type SchemaTooNewError struct {
	Found, Known int
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("schema version %d is newer than this build of Stepflow knows (%d)", e.Found, e.Known)
}

// Migrate applies the migrations the database has not had, in one transaction. lock, when
// not empty, runs first inside it so concurrent openers migrate one after the other.
func Migrate(ctx context.Context, db DB, d Dialect, migrations []Migration, lock string) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if lock != "" {
		if _, err := tx.Exec(ctx, lock); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
	}
	_, err = tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+MigrationTable+` (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	if err != nil {
		return fmt.Errorf("migrate: create %s: %w", MigrationTable, err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM `+MigrationTable).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	known := 0
	if len(migrations) > 0 {
		known = migrations[len(migrations)-1].Version
	}
	if current > known {
		return &SchemaTooNewError{Found: current, Known: known}
	}
	applied := map[int]bool{}
	rows, err := tx.Query(ctx, `SELECT version FROM `+MigrationTable)
	if err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: read applied versions: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		_, err := tx.Exec(ctx, d.rebind(`INSERT INTO `+MigrationTable+` (version, name, applied_at) VALUES (?, ?, ?)`),
			m.Version, m.Name, time.Now().UTC().Format(time.RFC3339))
		if err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}
