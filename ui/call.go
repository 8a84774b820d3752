package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// callableOperations are the API actions the pages run directly through Operations: pointing
// aliases at versions, testing a state, and performing activity tasks by hand. The list is
// closed on purpose: the UI has no login of its own, so it offers only what its pages use, not
// the whole API (deleting state machines, tagging, ...).
var callableOperations = map[string]bool{
	"ListStateMachineVersions":  true,
	"ListStateMachineAliases":   true,
	"DescribeStateMachineAlias": true,
	"CreateStateMachineAlias":   true,
	"UpdateStateMachineAlias":   true,
	"TestState":                 true,
	"ListActivities":            true,
	"GetActivityTask":           true,
	"SendTaskSuccess":           true,
	"SendTaskFailure":           true,
	"SendTaskHeartbeat":         true,
	"DescribeActivity":          true,
	"DescribeStateMachine":      true,
}

// claimWait is how long the inbox's Claim waits for a task. A worker's GetActivityTask waits
// 60 seconds; a person clicking a button should hear "nothing waiting" sooner.
const claimWait = 5 * time.Second

// apiCall runs one allowed API action with the request body as its input and answers with
// the action's output, or {"error": "Code: message"} with the API's status.
func (s *server) apiCall(w http.ResponseWriter, r *http.Request) {
	var input json.RawMessage
	if err := decodeAction(r, &input); err != nil {
		writeError(w, err)
		return
	}
	operation := r.PathValue("operation")
	if !callableOperations[operation] {
		writeJSON(w, http.StatusNotFound, apiError{Error: "the UI does not offer the action " + operation})
		return
	}
	if s.ops == nil {
		writeJSON(w, http.StatusNotImplemented, apiError{Error: "this server's UI cannot run " + operation + " (it was started without the API)"})
		return
	}
	ctx := r.Context()
	if operation == "GetActivityTask" {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, claimWait)
		defer cancel()
	}
	var output json.RawMessage
	if err := s.ops.Call(ctx, operation, input, &output); err != nil {
		writeDeployError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, output)
}
