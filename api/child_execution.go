package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// The iterations of a Distributed Map are child workflow executions, as on AWS: their ARNs
// (arn:...:execution:MACHINE/LABEL:NAME) answer DescribeExecution and GetExecutionHistory,
// and ListExecutions with a mapRunArn lists them. They are stored apart from executions
// (store.ChildExecution), so an execution lookup that finds nothing looks for a child.

// getExecutionOrChild looks arn up as an execution, then as a child execution: exactly one
// of the two is set when err is nil, ExecutionDoesNotExist when there is neither.
func (s *Server) getExecutionOrChild(ctx context.Context, arn string) (*store.Execution, *store.ChildExecution, error) {
	exec, err := s.getExecution(ctx, arn)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != codeExecutionDoesNotExist {
		return exec, nil, err
	}
	child, err := s.store.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, executionDoesNotExist(arn)
	}
	return nil, child, err
}

// describeChild answers DescribeExecution for a child execution: its own fields, its map run
// (mapRunArn), and whether a redrive of its parent would start it again.
func (s *Server) describeChild(ctx context.Context, child *store.ChildExecution, metadataOnly bool) (*describeExecutionOutput, error) {
	out := &describeExecutionOutput{
		ExecutionArn:    child.ARN,
		StateMachineArn: child.StateMachineARN,
		Name:            child.Name,
		Status:          string(child.Status),
		StartDate:       epoch(child.StartDate),
		StopDate:        epochPtr(child.StopDate),
		Input:           &child.Input,
		InputDetails:    &payloadDetails{Included: true},
		Error:           child.Error,
		Cause:           child.Cause,
		MapRunArn:       child.MapRunARN,
		RedriveCount:    child.RedriveCount,
		RedriveDate:     epochPtr(child.RedriveDate),
	}
	if child.Output != nil {
		out.Output = child.Output
		out.OutputDetails = &payloadDetails{Included: true}
	}
	if metadataOnly {
		out.Input, out.InputDetails, out.Output, out.OutputDetails = nil, &payloadDetails{}, nil, &payloadDetails{}
	}
	out.RedriveStatus, out.RedriveStatusReason = s.childRedriveStatus(ctx, child)
	return out, nil
}

// childRedriveStatus: a child that ended without success is redriven with its parent, so it is
// REDRIVABLE while its parent is.
func (s *Server) childRedriveStatus(ctx context.Context, child *store.ChildExecution) (status, reason string) {
	switch child.Status {
	case sfn.StatusRunning, sfn.StatusSucceeded:
		return "NOT_REDRIVABLE", fmt.Sprintf("Execution is %s and cannot be redriven", child.Status)
	}
	parent, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: child.ParentARN})
	if err != nil {
		return "NOT_REDRIVABLE", "Execution cannot be redriven: its parent execution no longer exists"
	}
	status, reason = s.redriveStatus(parent)
	if status != "REDRIVABLE" {
		reason = "Its parent execution cannot be redriven: " + reason
	}
	return status, reason
}

// listChildren answers ListExecutions with a mapRunArn: the run's child executions, newest
// first, with their map run and item count.
func (s *Server) listChildren(ctx context.Context, in *listExecutionsInput) (*listExecutionsOutput, error) {
	if _, _, err := s.findMapRun(ctx, *in.MapRunArn); err != nil {
		return nil, err
	}
	maxResults, token := in.page()
	params := &store.ChildExecutionListParams{
		MapRunARN:  *in.MapRunArn,
		Status:     sfn.ExecutionStatus(ptrOr(in.StatusFilter, "")),
		MaxResults: maxResults,
		NextToken:  token,
	}
	// The store filters, so that every page but the last is full.
	if f := ptrOr(in.RedriveFilter, ""); f != "" {
		redriven := f == "REDRIVEN"
		params.Redriven = &redriven
	}
	res, err := s.store.ChildExecutionList(ctx, params)
	if err != nil {
		return nil, err
	}
	out := &listExecutionsOutput{Executions: []executionListItem{}, NextToken: res.NextToken}
	for _, child := range res.Children {
		count := child.ItemCount
		out.Executions = append(out.Executions, executionListItem{
			ExecutionArn:    child.ARN,
			StateMachineArn: child.StateMachineARN,
			Name:            child.Name,
			Status:          string(child.Status),
			StartDate:       epoch(child.StartDate),
			StopDate:        epochPtr(child.StopDate),
			MapRunArn:       child.MapRunARN,
			ItemCount:       &count,
			RedriveCount:    child.RedriveCount,
			RedriveDate:     epochPtr(child.RedriveDate),
		})
	}
	return out, nil
}
