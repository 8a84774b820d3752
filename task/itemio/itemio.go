// Package itemio runs the I/O of Distributed Map states over a directory of buckets
// (task/s3local): the ItemReader and ResultWriter requests the interpreter hands the engine as
// tasks for the reader's or writer's S3 resource (see interp.ItemReaderRequest). Every other
// request for those resources, a Task state's own s3:getObject for one, goes to the next
// invoker.
package itemio

import (
	"context"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/s3local"
)

// Invoker reads Distributed Map items from, and writes their results to, a bucket store.
type Invoker struct {
	store *s3local.Store
	next  task.Invoker
}

// New returns an invoker that serves Map reader and writer requests from store and passes
// every other request to next (nil: they fail with States.Runtime). Register it for the s3
// service: router.HandleService("s3", itemio.New(buckets, buckets)).
func New(store *s3local.Store, next task.Invoker) *Invoker {
	return &Invoker{store: store, next: next}
}

// Invoke serves one request.
func (i *Invoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	m, _ := req.Input.(map[string]any)
	if len(m) == 1 {
		if r, ok := m[interp.ItemReaderRequest].(map[string]any); ok {
			items, err := i.store.ReadItems(ctx, req.Resource.ARN, r["Parameters"], r["ReaderConfig"])
			if err != nil {
				return nil, err
			}
			return items, nil
		}
		if w, ok := m[interp.ResultWriterRequest].(map[string]any); ok {
			return i.writeResults(ctx, w)
		}
	}
	if i.next == nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("no task runner is configured for resource %s", req.Resource.ARN)}
	}
	return i.next.Invoke(ctx, req)
}

func (i *Invoker) writeResults(ctx context.Context, w map[string]any) (any, error) {
	run, _ := w["MapRunArn"].(string)
	list, _ := w["Children"].([]any)
	children := make([]s3local.ChildExecution, 0, len(list))
	for n, c := range list {
		child, err := childExecution(c)
		if err != nil {
			return nil, &task.Error{Name: sfn.ErrorResultWriterFailed, Cause: fmt.Sprintf("ResultWriter: child %d: %v", n, err)}
		}
		children = append(children, child)
	}
	return i.store.WriteResults(ctx, w["Parameters"], w["WriterConfig"], run, children)
}

// childExecution reads one entry of a ResultWriter request's Children.
func childExecution(v any) (s3local.ChildExecution, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return s3local.ChildExecution{}, fmt.Errorf("not an object")
	}
	text := func(k string) string { s, _ := m[k].(string); return s }
	c := s3local.ChildExecution{ExecutionARN: text("ExecutionArn"), Name: text("Name"), StateMachineARN: text("StateMachineArn"),
		Status: sfn.ExecutionStatus(text("Status")), Input: m["Input"], Output: m["Output"], Error: text("Error"), Cause: text("Cause")}
	var err error
	if c.StartDate, err = date(text("StartDate")); err != nil {
		return c, fmt.Errorf("StartDate: %w", err)
	}
	if c.StopDate, err = date(text("StopDate")); err != nil {
		return c, fmt.Errorf("StopDate: %w", err)
	}
	return c, nil
}

func date(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
