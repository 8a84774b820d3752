package iamadmin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/iam"
)

// Local runs admin actions in-process on a directory, with the same inputs, answers and
// errors as over HTTP but without a signature or a policy check: it is for the operator who
// holds the database (stepflow iam without --endpoint), as the first administrator is made.
type Local struct {
	svc api.Service
}

// NewLocal returns the admin actions over dir.
func NewLocal(dir *iam.Directory) *Local { return &Local{svc: Service(dir)} }

// Call runs an action as Client.Call does.
func (l *Local) Call(ctx context.Context, action string, in, out any) error {
	act, ok := l.svc.Actions[action]
	if !ok {
		return &api.Error{Code: "UnknownOperationException", Message: fmt.Sprintf("Unknown operation: '%s%s'", TargetPrefix, action), Status: http.StatusBadRequest}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s input: %w", action, err)
	}
	answer, err := act.Run(ctx, body)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	data, err := json.Marshal(answer)
	if err != nil {
		return fmt.Errorf("encode %s answer: %w", action, err)
	}
	return json.Unmarshal(data, out)
}
