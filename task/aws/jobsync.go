package aws

import (
	"context"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// Polling of .sync jobs (Batch DescribeJobs, ECS DescribeTasks). AWS documents no interval
// for its own polling; a job is looked at at once, then after 1 s, doubling to one look
// every 30 s, so a short job is seen ending promptly and an hour-long one costs ~120 calls.
const (
	firstPollDelay = time.Second
	maxPollDelay   = 30 * time.Second
	// stopCallTimeout bounds TerminateJob/StopTask after the task's own context has ended.
	stopCallTimeout = 30 * time.Second
)

// pollUntil calls look until it reports done or fails, waiting between calls as above. When
// ctx ends first, stop is called (with a context of its own) and ctx's error returned.
// startCtx is the context a .sync task starts its job under: not cancelled by the task's
// own context, so that a task stopped while the start request is in flight still learns the
// job's id and stops the job, instead of leaving a job nobody will stop.
func startCtx(ctx context.Context, pattern string) (context.Context, context.CancelFunc) {
	if pattern != "sync" {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), stopCallTimeout)
}

func pollUntil(ctx context.Context, look func(ctx context.Context) (done bool, err error), stop func(ctx context.Context)) error {
	delay := firstPollDelay
	for {
		done, err := look(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil || done {
			return err
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
		}
		if ctx.Err() != nil {
			break
		}
		delay = min(2*delay, maxPollDelay)
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopCallTimeout)
	defer cancel()
	stop(stopCtx)
	return ctx.Err()
}

// convertMembers converts the keys of a service's members between Step Functions'
// PascalCase and the wire's camelCase. The values of free-form maps (Batch parameters and
// tags, ECS dockerLabels), named by their lower-case member name, keep their keys.
func convertMembers(v any, conv func(string) string, freeForm map[string]bool) any {
	switch v := v.(type) {
	case *jsonvalue.Object: // a map member (decodeResult): its keys are data, its values structures
		out := jsonvalue.NewObject(v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Set(v.KeyAt(i), convertMembers(v.ValueAt(i), conv, freeForm))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if freeForm[strings.ToLower(k)] {
				out[conv(k)] = e
				continue
			}
			out[conv(k)] = convertMembers(e, conv, freeForm)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = convertMembers(e, conv, freeForm)
		}
		return out
	}
	return v
}
