package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/internal/sqlstore"
)

//go:embed migration/*.sql
var migrationFiles embed.FS

var migrations = mustLoadMigrations()

func mustLoadMigrations() []sqlstore.Migration {
	m, err := sqlstore.LoadMigrations(migrationFiles, "migration")
	if err != nil {
		panic(err)
	}
	return m
}

// migrationLock is the advisory lock key that serialises migrations of concurrent openers.
const migrationLock = `SELECT pg_advisory_xact_lock(7381625190)`

var dialect = sqlstore.Dialect{
	DollarPlaceholders: true,
	Time:               func(t time.Time) any { return t },
	SkipLocked:         " FOR UPDATE SKIP LOCKED",
	ForUpdate:          " FOR UPDATE",
	Int64Param:         "CAST(? AS BIGINT)",
	BytesParam:         "CAST(? AS BYTEA)",
	TimeParam:          "CAST(? AS TIMESTAMPTZ)",
	PerformanceShards:  8,
	Arrays:             true,
	Duplicate:          duplicate,
}

// Store is a store.Store in a PostgreSQL database.
type Store struct {
	*sqlstore.Store
	db *database
}

// RoundTrips is how many round trips to the server the store has made since it was opened:
// each statement, pipelined batch of statements, BEGIN sent alone and COMMIT counts one. It
// is what bounds a commit's time on a busy machine, where each round trip waits for a
// process to be scheduled on either side.
func (s *Store) RoundTrips() int64 { return s.db.trips.Load() }

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or key=value string; a
// search_path parameter selects the schema) and migrates its schema. Errors name the DSN
// with its password redacted.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", RedactDSN(dsn), err)
	}
	return s, nil
}

func open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the DSN; say what is wrong without it.
		return nil, errors.New("invalid DSN")
	}
	boundConnections(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := inspect(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	db := &database{pool: pool, gate: &breaker{}}
	if err := sqlstore.Migrate(ctx, db, dialect, migrations, migrationLock); err != nil {
		pool.Close()
		var tooNew *sqlstore.SchemaTooNewError
		if errors.As(err, &tooNew) {
			return nil, fmt.Errorf("database was written by a newer Stepflow (%w)", err)
		}
		return nil, err
	}
	return &Store{Store: sqlstore.New(db, dialect), db: db}, nil
}

// inspect refuses a schema that holds another application's tables, before migrating
// creates anything in it.
func inspect(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `SELECT current_schema(), table_name FROM information_schema.tables
		WHERE table_schema = current_schema() ORDER BY table_name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		schema string
		tables []string
	)
	for rows.Next() {
		var table string
		if err := rows.Scan(&schema, &table); err != nil {
			return err
		}
		if table == sqlstore.MigrationTable {
			return nil
		}
		tables = append(tables, table)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(tables) > 0 {
		if len(tables) > 3 {
			tables = append(tables[:3], "...")
		}
		return fmt.Errorf("schema %s is %w (it has tables %s but no %s table; choose another schema with search_path)",
			schema, store.ErrNotStepflowDatabase, strings.Join(tables, ", "), sqlstore.MigrationTable)
	}
	return nil
}

var keywordPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// RedactDSN returns dsn with its password replaced by xxxxx, for messages and logs.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return keywordPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

// duplicate reports whether err is a unique_violation of the named constraint.
func duplicate(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}
