package s3local

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// ChildExecution is one finished (or unfinished) child execution of a Distributed Map run,
// as ResultWriter records it.
type ChildExecution struct {
	ExecutionARN    string
	Name            string
	StateMachineARN string
	Status          sfn.ExecutionStatus // SUCCEEDED, FAILED, TIMED_OUT, ABORTED, or RUNNING (pending)
	Input, Output   any
	Error, Cause    string
	StartDate       time.Time
	StopDate        time.Time
}

// WriteResults writes a Distributed Map run's child executions as ResultWriter does on AWS:
// under PREFIX/MAP_RUN_ID/ in the bucket, SUCCEEDED_0.json, FAILED_0.json (failed, timed out
// and aborted children) and PENDING_0.json, each written only when it has entries, and
// manifest.json listing them. params is ResultWriter's evaluated Parameters or Arguments
// ({"Bucket", "Prefix"}); writerConfig must be nil (WriterConfig is not supported yet).
// It returns the Map state's output, {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}},
// and fails with a *task.Error named States.ResultWriterFailed.
func (s *Store) WriteResults(ctx context.Context, params, writerConfig any, mapRunARN string, children []ChildExecution) (map[string]any, error) {
	out, err := s.writeResults(ctx, params, writerConfig, mapRunARN, children)
	if err != nil {
		if te, ok := err.(*task.Error); ok {
			err = fmt.Errorf("%s", te.Cause)
		}
		return nil, &task.Error{Name: sfn.ErrorResultWriterFailed, Cause: "ResultWriter: " + err.Error()}
	}
	return out, nil
}

func (s *Store) writeResults(ctx context.Context, params, writerConfig any, mapRunARN string, children []ChildExecution) (map[string]any, error) {
	if writerConfig != nil {
		return nil, fmt.Errorf("WriterConfig is not supported by the local S3 store yet")
	}
	p, _ := params.(map[string]any)
	bucket, _ := p["Bucket"].(string)
	prefix, _ := p["Prefix"].(string)
	if bucket == "" {
		return nil, fmt.Errorf("the Bucket parameter is required")
	}
	runID := mapRunARN[strings.LastIndex(mapRunARN, ":")+1:]
	if runID == "" {
		return nil, fmt.Errorf("map run ARN %q has no id", mapRunARN)
	}
	dir := runID + "/"
	if prefix != "" {
		dir = strings.TrimSuffix(prefix, "/") + "/" + dir
	}
	groups := map[string][]any{}
	for _, c := range children {
		group := "FAILED"
		switch c.Status {
		case sfn.StatusSucceeded:
			group = "SUCCEEDED"
		case sfn.StatusRunning, sfn.StatusPendingRedrive:
			group = "PENDING"
		}
		groups[group] = append(groups[group], childRecord(c))
	}
	files := map[string]any{}
	for _, group := range []string{"FAILED", "PENDING", "SUCCEEDED"} {
		files[group] = []any{}
		if len(groups[group]) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := json.Marshal(groups[group])
		if err != nil {
			return nil, fmt.Errorf("encode %s results: %w", group, err)
		}
		key := dir + group + "_0.json"
		if err := s.writeObject(bucket, key, data); err != nil {
			return nil, err
		}
		files[group] = []any{map[string]any{"Key": key, "Size": float64(len(data))}}
	}
	manifest, err := json.Marshal(map[string]any{"DestinationBucket": bucket, "MapRunArn": mapRunARN, "ResultFiles": files})
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	manifestKey := dir + "manifest.json"
	if err := s.writeObject(bucket, manifestKey, manifest); err != nil {
		return nil, err
	}
	return map[string]any{
		"MapRunArn":           mapRunARN,
		"ResultWriterDetails": map[string]any{"Bucket": bucket, "Key": manifestKey},
	}, nil
}

// childRecord is one entry of a result file: DescribeExecution's fields, input and output
// as JSON text.
func childRecord(c ChildExecution) map[string]any {
	r := map[string]any{
		"ExecutionArn":    c.ExecutionARN,
		"Input":           jsonvalue.MarshalString(c.Input),
		"InputDetails":    map[string]any{"Included": true},
		"Name":            c.Name,
		"RedriveCount":    float64(0),
		"RedriveStatus":   "NOT_REDRIVABLE",
		"StartDate":       c.StartDate.UTC().Format("2006-01-02T15:04:05.000Z"),
		"StateMachineArn": c.StateMachineARN,
		"Status":          string(c.Status),
	}
	if !c.StopDate.IsZero() {
		r["StopDate"] = c.StopDate.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	switch c.Status {
	case sfn.StatusSucceeded:
		r["Output"] = jsonvalue.MarshalString(c.Output)
		r["OutputDetails"] = map[string]any{"Included": true}
		r["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
	case sfn.StatusRunning:
	default:
		r["Error"], r["Cause"] = c.Error, c.Cause
	}
	return r
}
