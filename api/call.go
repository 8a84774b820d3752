package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Call runs one API action in process, as an HTTP request with X-Amz-Target
// AWSStepFunctions.<operation> would, without the wire or its signature check: the embedded
// UI deploys state machines through it, so they pass exactly the API's checks; in a context
// from ActAs, the action is authorized with the signed-in principal's policies and audited.
// input is encoded as the request body and the answer decoded into output (which may be nil).
// A refusal is an *Error carrying AWS's code, message and HTTP status.
func (s *Server) Call(ctx context.Context, operation string, input, output any) error {
	act, ok := s.actions[operation]
	if !ok {
		return clientError(codeUnknownOperation, "Unknown operation: '%s'", elide(targetPrefix+operation))
	}
	body, err := json.Marshal(input)
	if err != nil {
		return fmt.Errorf("encode %s input: %w", operation, err)
	}
	// A person signed in to the UI (ActAs) calls with their own policies and audit record.
	ctx, finish := s.callAs(ctx, operation)
	out, err := act.run(ctx, body)
	finish(err)
	if err != nil {
		return fromError(err)
	}
	if output == nil {
		return nil
	}
	data, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode %s output: %w", operation, err)
	}
	return json.Unmarshal(data, output)
}

// HTTPStatus is the status the API answers the error with.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}
