package jobs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// A request-response job outlives its task: the task answers SubmitJob's (RunTask's)
// response at once, its result is committed, and nothing in the engine waits for the job
// any more. On AWS the job is then Batch's, and runs whatever becomes of Step Functions.
// Locally it is this process's: a server killed outright kills the job's process with it
// (PDEATHSIG) and, without a record, forgets it. So with a journal directory each such job
// is written down before the task answers and crossed out when it ends; Resume, at the next
// start, runs again every job still written down, under the same job id, as Batch runs again
// a job whose host was lost. A job is thus running or lost-and-retried, never forgotten.

// journalRecord is what is written down of one request-response job: enough to start it
// again as its task started it.
type journalRecord struct {
	Resource       string          `json:"resource"`
	Input          json.RawMessage `json:"input"`
	IdempotencyKey string          `json:"idempotencyKey"`
	Recorded       time.Time       `json:"recorded"`
}

// journalKeyPrefix marks the keys made up for request-response jobs of tasks that came
// without one (stepflow run), so that a job run again keeps its job id.
const journalKeyPrefix = "stepflow-jobs-journal:"

// journalPath is the file of the job a task with idempotency key key started.
func (inv *Invoker) journalPath(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(inv.opts.JournalDir, hex.EncodeToString(sum[:16])+".json")
}

// withJournalKey gives a request-response request an idempotency key when it has none and
// the jobs are journaled: the job id derives from it, and must be the same when the job
// is run again.
func (inv *Invoker) withJournalKey(req *task.Request) *task.Request {
	if inv.opts.JournalDir == "" || req.IdempotencyKey != "" || req.Resource.Pattern == "sync" {
		return req
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	keyed := *req
	keyed.IdempotencyKey = journalKeyPrefix + hex.EncodeToString(b[:])
	return &keyed
}

// journalStart writes down a request-response job before its task answers; the returned
// function crosses it out when the job has ended. A job that could not be written down is
// not started: the task fails (States.TaskFailed, which a Retry can match) rather than
// start a job a crash would forget.
func (inv *Invoker) journalStart(req *task.Request) (ended func(ctx context.Context), err error) {
	if inv.opts.JournalDir == "" {
		return func(context.Context) {}, nil
	}
	path := inv.journalPath(req.IdempotencyKey)
	input, err := jsonvalue.Marshal(req.Input)
	if err == nil {
		err = os.MkdirAll(inv.opts.JournalDir, 0o755)
	}
	if err == nil {
		var data []byte
		rec := journalRecord{Resource: req.Resource.ARN, Input: input, IdempotencyKey: req.IdempotencyKey, Recorded: time.Now().UTC()}
		if data, err = json.Marshal(rec); err == nil {
			err = writeFileAtomic(path, data)
		}
	}
	if err != nil {
		return nil, &task.Error{Name: sfn.ErrorTaskFailed, Cause: fmt.Sprintf("could not record the job in the jobs journal %s, so it was not started: %v", inv.opts.JournalDir, err)}
	}
	return func(ctx context.Context) {
		if ctx.Err() != nil {
			return // the server is closing and killed the job: run it again at the next start
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			inv.opts.Logger.Error("jobs journal: cannot cross out an ended job; it will run again at the next start", "file", path, "error", err)
		}
	}, nil
}

// writeFileAtomic writes data to path through a synced temporary file and a rename, so a
// crash leaves the old file or the new one, never half of one.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// Resume runs again the request-response jobs of the journal directory that had not ended
// when the server last stopped (killed, or closed while they ran), each under its job id
// and from its first attempt, and returns how many it started. A record naming a job the
// jobs file no longer has, or that cannot be read, is logged and dropped. Call it once, at
// start, before tasks are dispatched.
func (inv *Invoker) Resume() (int, error) {
	dir := inv.opts.JournalDir
	if dir == "" {
		return 0, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("jobs journal %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("jobs journal %s: %w", dir, err)
	}
	started := 0
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".tmp-") {
			os.Remove(path) // a record whose writing a crash interrupted: its task never answered
			continue
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		req, why := inv.resumable(path)
		if why != "" {
			inv.opts.Logger.Error("jobs journal: dropping a job that cannot run again", "file", path, "reason", why)
			os.Remove(path)
			continue
		}
		if _, err := inv.Invoke(context.Background(), req); err != nil {
			inv.opts.Logger.Error("jobs journal: a job could not run again", "file", path, "resource", req.Resource.ARN, "error", err)
			os.Remove(path)
			continue
		}
		inv.opts.Logger.Info("jobs journal: running again a job the server stopped while it ran", "resource", req.Resource.ARN, "idempotencyKey", req.IdempotencyKey)
		started++
	}
	return started, nil
}

// resumable reads a record and checks that it names a request-response job of the jobs
// file; why says what is wrong otherwise.
func (inv *Invoker) resumable(path string) (req *task.Request, why string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err.Error()
	}
	var rec journalRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, "not a journal record: " + err.Error()
	}
	input, err := jsonvalue.Unmarshal(rec.Input)
	if err != nil {
		return nil, "its parameters: " + err.Error()
	}
	res := sfn.ParseResource(rec.Resource)
	if rec.IdempotencyKey == "" || res.Pattern == "sync" || inv.journalPath(rec.IdempotencyKey) != path {
		return nil, "not a request-response job written by this journal"
	}
	params, _ := input.(map[string]any)
	var definition string
	switch res.Service + ":" + res.Action {
	case "batch:submitJob":
		definition, _ = params["JobDefinition"].(string)
	case "ecs:runTask":
		definition, _ = params["TaskDefinition"].(string)
	default:
		return nil, "resource " + rec.Resource + " is not a job"
	}
	if _, entry := inv.opts.Jobs.lookup(definition); entry == nil {
		return nil, fmt.Sprintf("the jobs file has no entry for %q any more", definition)
	}
	return &task.Request{Resource: res, Input: input, IdempotencyKey: rec.IdempotencyKey}, ""
}
