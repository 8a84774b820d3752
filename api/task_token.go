package api

import (
	"context"
	"errors"

	"github.com/stepflow/stepflow/store"
)

type taskTokenInput struct {
	TaskToken *string `json:"taskToken"`
	Output    *string `json:"output"`
	Error     *string `json:"error"`
	Cause     *string `json:"cause"`
}

// checkToken validates a task token and checks that its task still waits.
func (s *Server) checkToken(ctx context.Context, v *validationErrors, token *string) error {
	v.required("taskToken", token != nil)
	v.length("taskToken", token, 1, 2048)
	if err := v.err(); err != nil {
		return err
	}
	t, err := s.store.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: *token})
	if errors.Is(err, store.ErrNotFound) {
		return invalidToken("Invalid token")
	}
	if err != nil {
		return err
	}
	if t.Status != store.TaskTokenOpen {
		return clientError(codeTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
	}
	return nil
}

func (s *Server) sendTaskSuccess(ctx context.Context, in *taskTokenInput) (*emptyOutput, error) {
	var v validationErrors
	v.required("output", in.Output != nil)
	if err := s.checkToken(ctx, &v, in.TaskToken); err != nil {
		return nil, err
	}
	if err := checkPayload("output", in.Output, func(detail string) *Error {
		return clientError(codeInvalidOutput, "Invalid Output: '%s'", detail)
	}); err != nil {
		return nil, err
	}
	if err := s.engine.SendTaskSuccess(ctx, *in.TaskToken, *in.Output); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

func (s *Server) sendTaskFailure(ctx context.Context, in *taskTokenInput) (*emptyOutput, error) {
	var v validationErrors
	v.length("error", in.Error, 0, 256)
	v.length("cause", in.Cause, 0, 32768)
	if err := s.checkToken(ctx, &v, in.TaskToken); err != nil {
		return nil, err
	}
	if err := s.engine.SendTaskFailure(ctx, *in.TaskToken, ptrOr(in.Error, ""), ptrOr(in.Cause, "")); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

func (s *Server) sendTaskHeartbeat(ctx context.Context, in *taskTokenInput) (*emptyOutput, error) {
	var v validationErrors
	if err := s.checkToken(ctx, &v, in.TaskToken); err != nil {
		return nil, err
	}
	if err := s.engine.SendTaskHeartbeat(ctx, *in.TaskToken); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}
