package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/internal/sqlstore"
)

// database adapts database/sql to sqlstore.DB, preparing each query once per pool.
//
// Writes take writeMu, so this process never makes SQLite wait on its own write lock. The
// writer pool has two connections even so: database/sql prepares a statement on a free
// connection first, and with one connection held by the transaction that would wait forever.
type database struct {
	path           string // named in errors about the file itself (disk full, I/O, read-only)
	writer, reader *statements
	// unsynced writes like writer, but its commits do not wait for the disk (synchronous=
	// NORMAL); syncWAL makes them durable. Opened on first use.
	unsynced     *statements
	openUnsynced func() (*sql.DB, error)
	unsyncedOnce sync.Once
	unsyncedErr  error
	writeMu      sync.Mutex
	checkpoints  *checkpointer
}

// statements caches prepared statements of one pool; the driver compiles SQL only once.
type statements struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStatements(db *sql.DB) *statements {
	return &statements{db: db, m: map[string]*sql.Stmt{}}
}

func (c *statements) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.m[query] = st
	return st, nil
}

func (c *statements) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = map[string]*sql.Stmt{}
	return c.db.Close()
}

func (d *database) Reader() sqlstore.Querier { return pool{stmts: d.reader} }
func (d *database) Writer() sqlstore.Querier {
	return pool{stmts: d.writer, mu: &d.writeMu, path: d.path}
}

func (d *database) Begin(ctx context.Context) (sqlstore.Tx, error) {
	d.writeMu.Lock()
	tx, err := d.writer.db.BeginTx(ctx, nil)
	if err != nil {
		d.writeMu.Unlock()
		return nil, err
	}
	return &transaction{path: d.path, tx: tx, stmts: d.writer, unlock: sync.OnceFunc(d.writeMu.Unlock)}, nil
}

// BeginUnsynced starts a write transaction whose Commit makes its changes visible to every
// connection without waiting for the disk; they are durable once syncWAL returns. The data is
// as safe as with any commit against a crash of the process (the kernel has it); only a
// machine that loses power before the sync can lose it, and then the database stays
// consistent at an earlier commit, as SQLite's WAL guarantees with synchronous=NORMAL.
func (d *database) BeginUnsynced(ctx context.Context) (sqlstore.Tx, error) {
	d.unsyncedOnce.Do(func() {
		var db *sql.DB
		if db, d.unsyncedErr = d.openUnsynced(); d.unsyncedErr == nil {
			d.unsynced = newStatements(db)
		}
	})
	if d.unsyncedErr != nil {
		return nil, d.unsyncedErr
	}
	d.writeMu.Lock()
	tx, err := d.unsynced.db.BeginTx(ctx, nil)
	if err != nil {
		d.writeMu.Unlock()
		return nil, err
	}
	return &transaction{path: d.path, tx: tx, stmts: d.unsynced, unlock: sync.OnceFunc(d.writeMu.Unlock)}, nil
}

// syncWAL returns once every commit so far is on disk. A commit's pages are in the WAL file
// when it returns, so syncing that file covers them. Without a WAL file there is nothing to
// sync: SQLite removes it only after copying it into the database file and syncing that.
func (d *database) syncWAL() error {
	f, err := os.Open(d.path + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &store.UnavailableError{Reason: store.ReasonDiskFailing, Err: fmt.Errorf("SQLite file %s: sync: %w", d.path, err)}
	}
	defer f.Close()
	if err := fdatasync(f); err != nil {
		return &store.UnavailableError{Reason: store.ReasonDiskFailing, Err: fmt.Errorf("SQLite file %s: sync: %w", d.path, err)}
	}
	return nil
}

func (d *database) Close() error {
	var errs []error
	if d.checkpoints != nil {
		errs = append(errs, d.checkpoints.close())
	}
	errs = append(errs, d.reader.close(), d.writer.close())
	if d.unsynced != nil {
		errs = append(errs, d.unsynced.close())
	}
	return errors.Join(errs...)
}

type pool struct {
	stmts *statements
	mu    *sync.Mutex // held around writes; nil for the readers
	path  string      // the writer's file, named in errors about it
}

func (p pool) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if p.mu != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	var (
		res sql.Result
		err error
	)
	if len(args) == 0 {
		// Unprepared, so a migration script may hold several statements.
		res, err = p.stmts.db.ExecContext(ctx, query)
	} else {
		var st *sql.Stmt
		if st, err = p.stmts.get(ctx, query); err != nil {
			return 0, err
		}
		res, err = st.ExecContext(ctx, args...)
	}
	if err != nil {
		return 0, fileErr(p.path, err)
	}
	return res.RowsAffected()
}

func (p pool) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	st, err := p.stmts.get(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return resultRows{rows}, nil
}

func (p pool) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	st, err := p.stmts.get(ctx, query)
	if err != nil {
		return failedRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

type transaction struct {
	path   string
	tx     *sql.Tx
	stmts  *statements
	unlock func()
}

func (t *transaction) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := t.stmts.get(ctx, query)
	if err != nil {
		// The pool prepares on another connection, which cannot see tables this transaction
		// created (a migration); prepare for this transaction alone.
		return t.tx.PrepareContext(ctx, query)
	}
	return t.tx.StmtContext(ctx, st), nil
}

func (t *transaction) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var (
		res sql.Result
		err error
	)
	if len(args) == 0 {
		res, err = t.tx.ExecContext(ctx, query)
	} else {
		var st *sql.Stmt
		if st, err = t.stmt(ctx, query); err != nil {
			return 0, err
		}
		res, err = st.ExecContext(ctx, args...)
	}
	if err != nil {
		return 0, t.fileErr(err)
	}
	return res.RowsAffected()
}

func (t *transaction) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, t.fileErr(err)
	}
	return resultRows{rows}, nil
}

func (t *transaction) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	if len(args) == 0 {
		return t.tx.QueryRowContext(ctx, query)
	}
	st, err := t.stmt(ctx, query)
	if err != nil {
		return failedRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

func (t *transaction) Commit(context.Context) error {
	defer t.unlock()
	return t.fileErr(t.tx.Commit())
}

// fileErr names the database file in errors that are about the file rather than the data:
// a full disk, an I/O error, a read-only file. The operator has to act on that file; until
// then the store is unavailable (*store.UnavailableError), which callers tell from a bad
// request.
func (t *transaction) fileErr(err error) error { return fileErr(t.path, err) }

func fileErr(path string, err error) error {
	var serr *sqlitedriver.Error
	if !errors.As(err, &serr) {
		return err
	}
	switch serr.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return &store.UnavailableError{Reason: store.ReasonDiskFull, Err: fmt.Errorf("SQLite file %s: %w", path, err)}
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return &store.UnavailableError{Reason: store.ReasonDiskFailing, Err: fmt.Errorf("SQLite file %s: %w", path, err)}
	}
	return err
}

func (t *transaction) Rollback(context.Context) error {
	defer t.unlock()
	return t.tx.Rollback()
}

type resultRows struct{ *sql.Rows }

func (r resultRows) Close() { _ = r.Rows.Close() }

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

// The checkpointer's defaults: it tries every checkpointInterval, and stops the writer for a
// moment once the WAL holds checkpointTailFrames pages (about 47 MiB, under the 64 MiB
// journal_size_limit to which SQLite trims the file when it starts over).
const (
	checkpointInterval   = 100 * time.Millisecond
	checkpointTailFrames = 12000
)

// checkpointer copies committed pages from the WAL into the database file on its own
// connection and goroutine. Left to the writer, SQLite checkpoints inside the commit that
// crosses the threshold, and that commit (with every step waiting for it) waits while each
// page is copied and the database file synced: a 2,000-event execution waited 10% longer on
// average. Here the copy runs beside the writer.
//
// After another connection's checkpoint the writer did not start the WAL file over, even when
// the checkpoint had copied everything (measured: the file grew with every commit). So once
// the WAL holds tailFrames pages, the checkpointer holds the write lock and runs a RESTART
// checkpoint: it copies what was committed since its last pass, waits for readers of older
// snapshots, and the next commit writes the WAL from its start.
//
// A reader that keeps an old snapshot for long (`stepflow backup` of a large file) would make
// every RESTART wait with the write lock held: the checkpointer's connection waits at most
// checkpointReaderWait for readers, and after a refusal (or a failure) it leaves the write
// lock alone for a while (1 s, doubling up to 30 s) and lets the WAL grow meanwhile, as
// SQLite must anyway.
type checkpointer struct {
	db         *sql.DB
	writeMu    *sync.Mutex
	interval   time.Duration
	tailFrames int64
	stop       chan struct{}
	done       chan struct{}

	// RESTART checkpoints completed and refused by a reader; checkpoints that failed.
	restarts, refused, failures atomic.Int64
}

// checkpointReaderWait bounds how long a RESTART checkpoint, write lock held, waits for
// readers of older snapshots.
const checkpointReaderWait = 50 * time.Millisecond

func startCheckpointer(db *sql.DB, writeMu *sync.Mutex, interval time.Duration, tailFrames int64) *checkpointer {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, writeMu: writeMu, interval: interval, tailFrames: tailFrames,
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(c.interval)
	defer tick.Stop()
	var (
		backoff   time.Duration
		lockAfter time.Time
	)
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		walFrames, _, err := c.checkpoint("PASSIVE")
		if err == nil && walFrames >= c.tailFrames && !time.Now().Before(lockAfter) {
			if !c.lockWriter() {
				return
			}
			var busy bool
			_, busy, err = c.checkpoint("RESTART")
			c.writeMu.Unlock()
			switch {
			case err != nil:
			case busy:
				c.refused.Add(1)
			default:
				c.restarts.Add(1)
				backoff = 0
			}
			if err != nil || busy {
				backoff = min(max(2*backoff, time.Second), 30*time.Second)
				lockAfter = time.Now().Add(backoff)
			}
		}
		if err != nil {
			// A failed checkpoint loses nothing (the pages stay in the WAL), and the writer's
			// own automatic checkpoint remains as a backstop. The failure is counted; the
			// writer's commits report a failing disk themselves.
			c.failures.Add(1)
		}
	}
}

// lockWriter takes the write lock, or gives up (false) when the checkpointer is stopped
// meanwhile: Close must not wait behind a transaction that never ends.
func (c *checkpointer) lockWriter() bool {
	locked := make(chan struct{})
	go func() {
		c.writeMu.Lock()
		close(locked)
	}()
	select {
	case <-locked:
		return true
	case <-c.stop:
		go func() {
			<-locked
			c.writeMu.Unlock()
		}()
		return false
	}
}

// checkpoint runs a checkpoint of mode (PASSIVE: copy what it can without waiting for anyone)
// and says how many pages the WAL holds and whether a reader or writer kept it from
// completing.
func (c *checkpointer) checkpoint(mode string) (walFrames int64, busy bool, err error) {
	var busyFlag, copied int64
	err = c.db.QueryRow(`PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busyFlag, &walFrames, &copied)
	return walFrames, busyFlag != 0, err
}

func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
