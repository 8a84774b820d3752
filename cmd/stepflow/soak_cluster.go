package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
)

// soakNode is one `stepflow server` child process of a soak run, started again on the same
// store, address and node identity after each kill.
type soakNode struct {
	name    string   // node-1, node-2: how the report and the run file name it
	exe     string   // the stepflow binary
	dir     string   // working directory of the process
	args    []string // server flags other than --addr
	logPath string   // stderr of every life, appended

	mu     sync.Mutex
	addr   string // host:port, fixed after the first start so clients keep one endpoint
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current life's process has been waited for
	lives  int
	pids   []int // process ids of every life, in order
	client *awssfn.Client
}

var soakListeningRE = regexp.MustCompile(`stepflow server listening on http://(\S+)`)

// soakStartTimeout bounds how long a server may take to listen after it is started.
const soakStartTimeout = 60 * time.Second

// start runs a new life of the server and returns when it listens, with the time it did.
func (n *soakNode) start() (time.Time, error) {
	n.mu.Lock()
	addr := n.addr
	n.mu.Unlock()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	logFile, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return time.Time{}, err
	}
	cmd := exec.Command(n.exe, append([]string{"server", "--addr", addr}, n.args...)...)
	cmd.Dir = n.dir
	stderrTail := &tailBuffer{max: 4096}
	cmd.Stderr = io.MultiWriter(logFile, stderrTail)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return time.Time{}, err
	}
	fmt.Fprintf(logFile, "--- soak: %s life %d starting at %s\n", n.name, n.lives+1, time.Now().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return time.Time{}, fmt.Errorf("start %s: %w", n.name, err)
	}
	exited := make(chan struct{})
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := soakListeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case listening <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	n.mu.Lock()
	n.cmd, n.exited = cmd, exited
	n.lives++
	n.pids = append(n.pids, cmd.Process.Pid)
	n.mu.Unlock()
	select {
	case got := <-listening:
		ready := time.Now()
		n.mu.Lock()
		if n.addr == "" {
			n.addr = got
			n.client = awssfn.New(awssfn.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + got),
				Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{},
				HTTPClient: &http.Client{Timeout: 30 * time.Second}})
		}
		n.mu.Unlock()
		return ready, nil
	case <-exited:
		if strings.Contains(stderrTail.String(), "is held by another running stepflow server") {
			return time.Time{}, fmt.Errorf("%s: %w (its log: %s)", n.name, errSoakNodeIDHeld, n.logPath)
		}
		return time.Time{}, fmt.Errorf("%s exited before listening (its log: %s)", n.name, n.logPath)
	case <-time.After(soakStartTimeout):
		n.signal(syscall.SIGKILL)
		return time.Time{}, fmt.Errorf("%s did not listen within %v (its log: %s)", n.name, soakStartTimeout, n.logPath)
	}
}

// errSoakNodeIDHeld is a server refusing to start because another process holds its node-id
// file's lock.
var errSoakNodeIDHeld = errors.New("refused to start: its node-id file is held by another process")

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// soakFileHolders names the processes that have path open, as far as /proc shows them (on
// Linux; elsewhere nothing): who holds a node-id file's lock when a restart is refused.
func soakFileHolders(path string) []string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var holders []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && target == path {
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
				ppid := ""
				for _, line := range strings.Split(string(status), "\n") {
					if v, ok := strings.CutPrefix(line, "PPid:"); ok {
						ppid = strings.TrimSpace(v)
					}
				}
				cmd := strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
				if len(cmd) > 60 {
					cmd = cmd[:60] + "..."
				}
				holders = append(holders, fmt.Sprintf("pid %d (parent %s): %s", pid, ppid, cmd))
				break
			}
		}
	}
	return holders
}

// signal sends sig to the current life and waits for the process to end.
func (n *soakNode) signal(sig syscall.Signal) {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// pid is the process id of the current life.
func (n *soakNode) pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.cmd.Process == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

// stop ends the node gracefully at the end of a run.
func (n *soakNode) stop() { n.signal(syscall.SIGTERM) }

// sfnClient is the node's API client; nil before its first start.
func (n *soakNode) sfnClient() *awssfn.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.client
}

// lifePIDs is the process ids of every life of every node.
func (c *soakCluster) lifePIDs() map[int]bool {
	pids := map[int]bool{}
	for _, n := range c.nodes {
		n.mu.Lock()
		for _, p := range n.pids {
			pids[p] = true
		}
		n.mu.Unlock()
	}
	return pids
}

// soakCluster is the servers of a run: one on SQLite, two on PostgreSQL.
type soakCluster struct {
	nodes []*soakNode
}

// call runs fn against the nodes in turn, starting with node first, until it succeeds, fails
// with an error that is not a server being away (a killed node refuses connections), or
// ctx ends. Retrying is safe for what the soak calls: StartExecution with a name is
// idempotent, the rest only read.
func (c *soakCluster) call(ctx context.Context, first int, fn func(*awssfn.Client) error) error {
	for attempt := 0; ; attempt++ {
		n := c.nodes[(first+attempt)%len(c.nodes)]
		err := fn(n.sfnClient())
		if err == nil || !soakRetryable(err) {
			return err
		}
		if attempt%len(c.nodes) == len(c.nodes)-1 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// soakRetryable tells a server that is away or overloaded (no answer, a reset connection, a
// 5xx) from an answer: API errors in AWS's shape with a 4xx status are answers.
func soakRetryable(err error) bool {
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() > 0 {
		code := status.HTTPStatusCode()
		return code >= 500 || code == http.StatusTooManyRequests
	}
	return true
}
