package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// A Distributed Map's iterations are child executions with a history of their own. Their
// pages are execution pages: the graph is the Map's ItemProcessor, the states' inputs and
// outputs come from the child's history, and the crumbs lead back to the parent.

// shownExecution is an execution, or a child execution shown as one (child is then set).
type shownExecution struct {
	*store.Execution
	child *store.ChildExecution
}

// lookupExecution finds an execution by ARN, or else a Distributed Map child execution.
func (s *server) lookupExecution(ctx context.Context, arn string) (*shownExecution, error) {
	ex, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return &shownExecution{Execution: ex}, err
	}
	child, cerr := s.store.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: arn})
	if cerr != nil {
		return nil, err // the execution's own "does not exist"
	}
	return &shownExecution{child: child, Execution: &store.Execution{
		ARN: child.ARN, StateMachineARN: child.StateMachineARN, Name: child.Name, Type: child.Type, Status: child.Status,
		Input: child.Input, Output: child.Output, Error: child.Error, Cause: child.Cause, StartDate: child.StartDate,
		StopDate: child.StopDate, RedriveCount: child.RedriveCount, RedriveDate: child.RedriveDate,
	}}, nil
}

// historyOf reads the whole history of an execution or a child execution.
func (s *server) historyOf(ctx context.Context, ex *shownExecution) ([]*sfn.HistoryEvent, error) {
	if ex.child == nil {
		return s.history(ctx, ex.ARN)
	}
	return readHistory(ctx, s.store.ChildHistoryEventList, ex.ARN)
}

// machineOf parses what an execution runs: its definition, or for a child execution the
// ItemProcessor of the Distributed Map that started it.
func (s *server) machineOf(ctx context.Context, ex *shownExecution) (*asl.StateMachine, error) {
	if ex.child == nil {
		definition, typ, err := s.executionDefinition(ctx, ex.Execution)
		if err != nil {
			return nil, err
		}
		def, diags := asl.Parse([]byte(definition), asl.ParseOptions{Type: typ})
		if def == nil {
			return nil, fmt.Errorf("the definition of %s cannot be read: %v", ex.ARN, diags)
		}
		return def, nil
	}
	parent, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: ex.child.ParentARN})
	if err != nil {
		return nil, fmt.Errorf("the parent execution is gone: %w", err)
	}
	def, err := s.machineOf(ctx, &shownExecution{Execution: parent})
	if err != nil {
		return nil, err
	}
	label := mapRunLabelOf(ex.child.MapRunARN)
	if m := distributedMapLabelled(def, label); m != nil && m.ItemProcessor != nil {
		return m.ItemProcessor, nil
	}
	return nil, fmt.Errorf("the definition has no Distributed Map labelled %q", label)
}

// mapRunLabelOf reads LABEL out of arn:...:mapRun:MACHINE/LABEL:ID.
func mapRunLabelOf(arn string) string {
	i := strings.LastIndex(arn, ":")
	if i < 0 {
		return ""
	}
	_, label, _ := strings.Cut(arn[:i], "/")
	return label
}

// distributedMapLabelled finds the Distributed Map whose map runs are labelled label: its
// Label, or its name when it has none.
func distributedMapLabelled(m *asl.StateMachine, label string) *asl.Map {
	if m == nil {
		return nil
	}
	for name, st := range m.States {
		if mp, ok := st.(*asl.Map); ok {
			if pc := mp.ItemProcessor.ProcessorConfig; pc != nil && pc.Mode == "DISTRIBUTED" &&
				(mp.Label == label || (mp.Label == "" && name == label)) {
				return mp
			}
		}
		for _, sub := range subMachines(st) {
			if found := distributedMapLabelled(sub, label); found != nil {
				return found
			}
		}
	}
	return nil
}

// childIterations lists a Distributed Map run's child executions as rows of its iteration
// table, newest first as ListExecutions gives them, from offset, at most limit, of one status
// when status is set. more says rows follow.
func (s *server) childIterations(ctx context.Context, mapRunARN, status string, offset, limit int) (rows []*Iteration, more bool, err error) {
	params := &store.ChildExecutionListParams{MapRunARN: mapRunARN, Status: sfn.ExecutionStatus(status), MaxResults: store.MaxPageSize}
	seen := 0
	for {
		page, err := s.store.ChildExecutionList(ctx, params)
		if err != nil {
			return nil, false, err
		}
		for _, c := range page.Children {
			if seen >= offset {
				if len(rows) == limit {
					return rows, true, nil
				}
				it := &Iteration{Index: c.Index, Status: string(c.Status), Error: c.Error, Cause: c.Cause, ExecutionARN: c.ARN}
				start := c.StartDate
				it.StartDate = &start
				if c.StopDate != nil {
					stop := *c.StopDate
					ms := stop.Sub(start).Milliseconds()
					it.StopDate, it.DurationMs = &stop, &ms
				}
				rows = append(rows, it)
			}
			seen++
		}
		if page.NextToken == "" {
			return rows, false, nil
		}
		params.NextToken = page.NextToken
	}
}
