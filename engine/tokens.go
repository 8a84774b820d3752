package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/store"
)

// maxTokenLength is AWS's limit on a task token.
const maxTokenLength = 1024

// openTask looks a token up: unknown tokens are TaskDoesNotExist, tokens of tasks that ended
// are TaskTimedOut, as AWS answers.
func (e *Engine) openTask(ctx context.Context, token string) (*store.TaskToken, error) {
	if token == "" || len(token) > maxTokenLength {
		return nil, &InvalidTokenError{Message: "Invalid Token: 'Invalid token'"}
	}
	t, err := e.cfg.Store.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: token})
	if isNotFound(err) {
		return nil, &TaskDoesNotExistError{}
	}
	if err != nil {
		return nil, fmt.Errorf("look task token up: %w", err)
	}
	if t.Status != store.TaskTokenOpen {
		return nil, &TaskTimedOutError{}
	}
	return t, nil
}

// stillWaits refuses a token whose task the execution no longer waits for.
func stillWaits(taskID string) func(lx *liveExecution) error {
	return func(lx *liveExecution) error {
		if !waitsFor(lx.ex, interp.TaskSucceeded{TaskID: taskID}) {
			return &TaskTimedOutError{}
		}
		return nil
	}
}

func (e *Engine) sendTaskSuccess(ctx context.Context, token, output string) error {
	out, err := jsonvalue.Decode([]byte(output))
	if err != nil {
		return &InvalidOutputError{Message: "Invalid Output: '" + err.Error() + "'"}
	}
	return e.answerTask(ctx, token, func(t *store.TaskToken) interp.Event {
		return interp.TaskSucceeded{TaskID: t.TaskID, Output: out}
	})
}

func (e *Engine) sendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return e.answerTask(ctx, token, func(t *store.TaskToken) interp.Event {
		return interp.TaskFailed{TaskID: t.TaskID, Error: errName, Cause: cause}
	})
}

func (e *Engine) answerTask(ctx context.Context, token string, event func(*store.TaskToken) interp.Event) error {
	t, err := e.openTask(ctx, token)
	if err != nil {
		return err
	}
	_, err = e.deliver(ctx, t.ExecutionARN, delivery{event: event(t), check: stillWaits(t.TaskID),
		dispatchDone: t.TaskID, tokenDone: token})
	return tokenError(err)
}

func (e *Engine) sendTaskHeartbeat(ctx context.Context, token string) error {
	t, err := e.openTask(ctx, token)
	if err != nil {
		return err
	}
	_, err = e.deliver(ctx, t.ExecutionARN, delivery{event: interp.TaskHeartbeat{TaskID: t.TaskID},
		check: stillWaits(t.TaskID)})
	return tokenError(err)
}

func tokenError(err error) error {
	if errors.Is(err, errExecutionEnded) || isNotFound(err) {
		return &TaskTimedOutError{}
	}
	return err
}
