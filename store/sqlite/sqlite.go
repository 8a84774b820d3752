package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/internal/sqlstore"
)

//go:embed migration/*.sql
var migrationFiles embed.FS

// Migrations are this build's schema changes, in order.
var migrations = mustLoadMigrations()

func mustLoadMigrations() []sqlstore.Migration {
	m, err := sqlstore.LoadMigrations(migrationFiles, "migration")
	if err != nil {
		panic(err)
	}
	return m
}

// BusyTimeout is how long a write waits for another process that holds the file's write lock.
const BusyTimeout = 10 * time.Second

// Store is a store.Store in one SQLite file.
type Store struct {
	*sqlstore.Store
	db        *database
	path      string
	skipFsync bool
}

var _ store.Store = (*Store)(nil)

// Path is the file the store keeps its data in.
func (s *Store) Path() string { return s.path }

var dialect = sqlstore.Dialect{Time: sqlstore.UnixMicro, Int64Param: "?", BytesParam: "?", TimeParam: "?"}

// ExecutionCommitBatchUnsynced is ExecutionCommitBatch whose commit is visible when it
// returns but durable only once SyncCommits returns. A committer can so write its next batch
// while the disk syncs this one, as long as it answers for a step only after the sync.
func (s *Store) ExecutionCommitBatchUnsynced(ctx context.Context, creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) (created []*store.Execution, createErrs, stepErrs []error, err error) {
	return s.ExecutionCommitBatchFrom(ctx, s.db.BeginUnsynced, creates, steps)
}

// SyncCommits returns once every commit so far is on disk (at once with SkipFsync).
func (s *Store) SyncCommits(context.Context) error {
	if s.skipFsync {
		return nil
	}
	return s.db.syncWAL()
}

// Options tune a store beyond what Open chooses.
type Options struct {
	// SkipFsync commits without waiting for the disk (PRAGMA synchronous=NORMAL): a commit
	// survives a crash of the process but the last ones may be lost when the machine loses
	// power. It roughly doubles ExecutionStepBatch's rate; Open keeps it off.
	SkipFsync bool

	// Tests shrink the checkpointer's interval and WAL size (see checkpointer).
	checkpointInterval   time.Duration
	checkpointTailFrames int64
}

// Open opens (creating it and its directories when missing) the Stepflow database at path and
// migrates its schema. A file that is not a Stepflow database is refused without being
// changed; the error wraps store.ErrNotStepflowDatabase. Every commit is fsynced.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opts Options) (*Store, error) {
	s, err := open(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

func open(ctx context.Context, path string, opts Options) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if err := inspect(ctx, path); err != nil {
		return nil, err
	}
	useFdatasync.Do(func() {
		// SQLite's own Linux builds sync with fdatasync(2); the transpiled library keeps
		// fsync(2), which also forces the file's timestamps through the journal and makes
		// each commit wait about twice as long for nothing durability needs. Where the
		// platform has no fdatasync this changes nothing.
		_, _ = sqlite.Fdatasync(true)
	})
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds())
	synchronous := "FULL"
	if opts.SkipFsync {
		synchronous = "NORMAL"
	}
	openWriter := func(ctx context.Context, synchronous string) (*sql.DB, error) {
		// The checkpointer (db.go) copies the WAL into the database file beside the writer;
		// the writer's own checkpoint, at 65536 pages (256 MiB) instead of SQLite's 1000, is
		// only a backstop should the checkpointer fall behind. journal_size_limit trims the
		// WAL file back when it starts over. temp_store MEMORY keeps the statement journals
		// of the multi-row UPDATEs and INSERTs in memory: on a temporary file, SQLite wrote
		// a copy of every page such a statement touched, a seventh of the committer's time.
		db, err := sql.Open("sqlite", uri(path)+"?"+busy+
			"&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(65536)&_pragma=journal_size_limit(67108864)&_pragma=synchronous("+synchronous+")&_pragma=temp_store(MEMORY)&_txlock=immediate")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(2)
		db.SetMaxIdleConns(2)
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, err
		}
		return db, nil
	}
	writer, err := openWriter(ctx, synchronous)
	if err != nil {
		return nil, err
	}
	reader, err := sql.Open("sqlite", uri(path)+"?"+busy+"&_pragma=query_only(1)")
	if err != nil {
		_ = writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(4)
	reader.SetMaxIdleConns(4)
	db := &database{path: path, writer: newStatements(writer), reader: newStatements(reader),
		openUnsynced: func() (*sql.DB, error) { return openWriter(context.Background(), "NORMAL") }}
	checkpoints, err := sql.Open("sqlite", uri(path)+"?"+
		fmt.Sprintf("_pragma=busy_timeout(%d)", checkpointReaderWait.Milliseconds())+"&_pragma=synchronous(FULL)")
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	interval, tail := checkpointInterval, int64(checkpointTailFrames)
	if opts.checkpointInterval > 0 {
		interval = opts.checkpointInterval
	}
	if opts.checkpointTailFrames > 0 {
		tail = opts.checkpointTailFrames
	}
	db.checkpoints = startCheckpointer(checkpoints, &db.writeMu, interval, tail)
	if err := sqlstore.Migrate(ctx, db, dialect, migrations, ""); err != nil {
		_ = db.Close()
		var tooNew *sqlstore.SchemaTooNewError
		if errors.As(err, &tooNew) {
			return nil, fmt.Errorf("%w (%v)", errNewerSchema, err)
		}
		return nil, err
	}
	return &Store{Store: sqlstore.New(db, dialect), db: db, path: path, skipFsync: opts.SkipFsync}, nil
}

// useFdatasync switches the process's SQLite commits to fdatasync once; see open.
var useFdatasync sync.Once

var errNewerSchema = errors.New("file was written by a newer Stepflow")

// sqliteHeader opens every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// inspect refuses an existing file that is not a Stepflow database before anything writes to
// it (switching a foreign database to WAL mode alone would change its header).
func inspect(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	header := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, header)
	_ = f.Close()
	switch {
	case n == 0 && (err == io.EOF):
		return nil // an empty file becomes a new database
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return err
	case !bytes.Equal(header[:n], sqliteHeader):
		return notStepflow("it is not an SQLite database")
	}
	// A plain connection reads the schema without writing: no pragmas, no transaction.
	db, err := sql.Open("sqlite", uri(path))
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return notStepflow(err.Error())
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return notStepflow(err.Error())
		}
		if name == sqlstore.MigrationTable {
			return nil
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return notStepflow(err.Error())
	}
	if len(tables) > 0 {
		if len(tables) > 3 {
			tables = append(tables[:3], "...")
		}
		return notStepflow(fmt.Sprintf("it has tables %s but no %s table", strings.Join(tables, ", "), sqlstore.MigrationTable))
	}
	return nil
}

func notStepflow(reason string) error {
	return fmt.Errorf("file is %w (%s)", store.ErrNotStepflowDatabase, reason)
}

// uri makes path a file: URI, escaping the characters SQLite's URI parser reads.
func uri(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path)
}
