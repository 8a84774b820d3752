package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer collects a process's output for the test and the copying goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestGoRunServerStops runs `go run ./cmd/stepflow server` as a developer does and stops it
// the two ways a terminal and a supervisor do: Ctrl-C (SIGINT to the whole foreground process
// group; the go command ignores it and waits for the server, which shuts down) and SIGTERM to
// the go command alone (it dies at once; the server sees its parent gone and shuts down). Each
// time the server must print its stop, free its port and close its SQLite database (a clean
// close checkpoints and removes the -wal file).
func TestGoRunServerStops(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("a server notices the end of `go run` on Linux only")
	}
	for _, tt := range []struct {
		name   string
		signal func(goCmd *exec.Cmd) error
	}{
		{"ctrl-c to the process group", func(goCmd *exec.Cmd) error { return syscall.Kill(-goCmd.Process.Pid, syscall.SIGINT) }},
		{"sigterm to go run", func(goCmd *exec.Cmd) error { return goCmd.Process.Signal(syscall.SIGTERM) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "stepflow.db")
			cmd := exec.Command("go", "run", "../../cmd/stepflow", "server", "--addr", "127.0.0.1:0", "--ui", "off", "--db", db)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, as a terminal's foreground job
			stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = stdout, stderr
			// Wait returns once every process holding the output pipes has exited: the go
			// command and the server it started.
			cmd.WaitDelay = 30 * time.Second
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			t.Cleanup(func() {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			})
			var addr string
			deadline := time.Now().Add(3 * time.Minute) // go run compiles first
			for addr == "" {
				if m := listeningRE.FindStringSubmatch(stdout.String()); m != nil {
					addr = strings.TrimPrefix(m[1], "http://")
					break
				}
				select {
				case err := <-done:
					t.Fatalf("go run exited before the server listened: %v\n%s", err, stderr.String())
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("the server did not listen within 3 minutes:\n%s", stderr.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			if _, err := os.Stat(db + "-wal"); err != nil {
				t.Fatalf("a running server has its write-ahead log: %v", err)
			}

			if err := tt.signal(cmd); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(40 * time.Second):
				t.Fatalf("the server did not stop within 40s; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "stepflow server stopped") {
				t.Fatalf("no graceful stop; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			}
			if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				conn.Close()
				t.Fatalf("%s still accepts connections", addr)
			}
			if _, err := os.Stat(db + "-wal"); !os.IsNotExist(err) {
				t.Fatalf("the database was not closed cleanly: %s-wal: %v", db, err)
			}
		})
	}
}
