package ui

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"strings"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// WaitingTask is a running task that waits for SendTaskSuccess or SendTaskFailure with Token.
type WaitingTask struct {
	State    string `json:"state"`
	Resource string `json:"resource"`
	Token    string `json:"taskToken"`
}

// minTokenLength skips short strings, which cannot be tokens, without asking the store.
const minTokenLength = 16

// waitingTasks finds the tokens of .waitForTaskToken tasks still running. A token reaches
// the outside world only through the task's parameters ("token.$": "$$.Task.Token"), so the
// strings of each running task's parameters are looked up as tokens: an open token of this
// execution is the one to answer.
func (s *server) waitingTasks(ctx context.Context, ex *store.Execution, events []*sfn.HistoryEvent, states map[string]*StateProgress) []WaitingTask {
	waiting := []WaitingTask{}
	if ex.Status != sfn.StatusRunning {
		return waiting
	}
	byID := make(map[int64]*sfn.HistoryEvent, len(events))
	for _, ev := range events {
		byID[ev.ID] = ev
	}
	seen := map[string]bool{}
	for _, ev := range events {
		d := ev.TaskScheduledEventDetails
		if d == nil || !strings.HasSuffix(d.Resource, ".waitForTaskToken") || d.Parameters == nil {
			continue
		}
		name := stateOf(ev, byID)
		if p := states[name]; p == nil || p.Status != StateRunning {
			continue
		}
		for _, candidate := range stringsIn(d.Parameters.Value) {
			if len(candidate) < minTokenLength || seen[candidate] {
				continue
			}
			seen[candidate] = true
			tok, err := s.store.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: candidate})
			if err != nil || tok.ExecutionARN != ex.ARN || tok.Status != store.TaskTokenOpen {
				continue
			}
			waiting = append(waiting, WaitingTask{State: name, Resource: d.ResourceType + ":" + d.Resource, Token: candidate})
		}
	}
	return waiting
}

// stringsIn lists the strings in a JSON value, depth first.
func stringsIn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, stringsIn(x)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, x := range v {
			out = append(out, stringsIn(x)...)
		}
		return out
	case *jsonvalue.Object:
		var out []string
		for i := range v.Len() {
			out = append(out, stringsIn(v.ValueAt(i))...)
		}
		return out
	}
	return nil
}
