package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Usage is what a benchmark run cost on both sides of the wire, sampled before and after it
// (Since gives the difference). Throughput on a shared machine moves with the load; the CPU a
// unit of work costs does not, so benchmarks report these per unit as well.
type Usage struct {
	// Process is the CPU time (user + system) of this process: the engine.
	Process time.Duration
	// Backends is the CPU time of the server's backends whose application_name is the
	// benchmark's. A backend that exits between the samples takes its time with it; pools
	// keep their connections for the length of a run.
	Backends time.Duration
	// Server is the CPU time of every process of the server (backends of other clients,
	// the WAL writer, the checkpointer): only meaningful on a server the benchmark has to
	// itself, and only when the server runs on this machine.
	Server time.Duration
	// WALBytes is the position of the server's write-ahead log: what the whole server wrote.
	WALBytes int64
}

// Since returns u minus an earlier sample.
func (u Usage) Since(before Usage) Usage {
	return Usage{
		Process:  u.Process - before.Process,
		Backends: u.Backends - before.Backends,
		Server:   u.Server - before.Server,
		WALBytes: u.WALBytes - before.WALBytes,
	}
}

// MeasureUsage samples the usage of this process and of the server at dsn, counting as the
// benchmark's the backends whose application_name is app. The server's processes are read
// from /proc, so Backends and Server stay 0 when the server runs elsewhere (or /proc cannot
// be read).
func MeasureUsage(ctx context.Context, dsn, app string) (Usage, error) {
	var u Usage
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return u, err
	}
	u.Process = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return u, err
	}
	defer conn.Close(ctx)
	var postmaster int
	if err := conn.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0', pg_backend_pid()`).Scan(&u.WALBytes, &postmaster); err != nil {
		return u, err
	}
	// This connection's backend is a child of the postmaster.
	if postmaster, err = parentOf(postmaster); err != nil {
		return u, nil // the server is not on this machine
	}
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		return u, err
	}
	mine := map[int]bool{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return u, err
		}
		mine[pid] = true
	}
	if err := rows.Err(); err != nil {
		return u, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return u, nil
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		parent, cpu, err := procStat(pid)
		if err != nil || (parent != postmaster && pid != postmaster) {
			continue
		}
		u.Server += cpu
		if mine[pid] {
			u.Backends += cpu
		}
	}
	return u, nil
}

func parentOf(pid int) (int, error) {
	parent, _, err := procStat(pid)
	return parent, err
}

// clockTick is the unit of /proc/PID/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// procStat reads a process's parent and its CPU time (user + system) from /proc/PID/stat.
func procStat(pid int) (parent int, cpu time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name, in parentheses, may hold spaces: fields are counted after it.
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[end+1:])
	// f[0] is field 3 (state): parent is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	if parent, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, err
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return parent, time.Duration(utime+stime) * clockTick, nil
}

// WithApplicationName returns dsn (a URL or a key=value DSN) with its application_name set.
func WithApplicationName(dsn, app string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn + " application_name=" + app
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String()
}
