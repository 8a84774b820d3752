package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stepflow/stepflow/store"
)

// Connection settings that bound how long an unreachable database can hold a call. Without
// them a connection attempt to a host that drops packets, or a query on a connection whose
// peer vanished, waits for as long as the kernel keeps retrying (minutes, or for ever for a
// read): the engine's committer and every API call would wait with it, and a pool whose
// connection attempts all hang never connects again when the database comes back.
const (
	// defaultConnectTimeout bounds a connection attempt, TLS and authentication included,
	// when the DSN sets no connect_timeout.
	defaultConnectTimeout = 5 * time.Second
	// keepAliveIdle, keepAliveInterval and keepAliveCount find a connection whose peer is gone
	// while it waits for an answer: about 20 s.
	keepAliveIdle     = 5 * time.Second
	keepAliveInterval = 5 * time.Second
	keepAliveCount    = 3
	// userTimeout closes a connection whose sent data stays unacknowledged this long (Linux's
	// TCP_USER_TIMEOUT; elsewhere the kernel's retransmission limit applies).
	userTimeout = 20 * time.Second
)

// boundConnections applies the settings above to a parsed pool configuration.
func boundConnections(cfg *pgxpool.Config) {
	cc := &cfg.ConnConfig.Config
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = defaultConnectTimeout
	}
	dialer := &net.Dialer{
		Timeout:         cc.ConnectTimeout,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: keepAliveIdle, Interval: keepAliveInterval, Count: keepAliveCount},
		Control:         setUserTimeout,
	}
	cc.DialFunc = dialer.DialContext
}

// unavailable wraps err in a *store.UnavailableError when it says the database cannot be
// reached (a refused, reset, timed-out or closed connection; a server shutting down or
// refusing connections; a full disk), so that callers can tell an outage from a bad request.
// ctx is the caller's: its own cancellation is not an outage.
func unavailable(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "53100": // disk_full
			return &store.UnavailableError{Reason: store.ReasonDiskFull, Err: err}
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08", // connection_exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutting down, cannot connect now
			pgErr.Code == "53300": // too_many_connections
			return &store.UnavailableError{Reason: store.ReasonUnreachable, Err: err}
		}
		return err
	}
	if ctx.Err() != nil {
		return err
	}
	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
	)
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return &store.UnavailableError{Reason: store.ReasonUnreachable, Err: err}
	}
	return err
}
