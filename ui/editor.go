package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/graph"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// Operations runs Step Functions API actions in process, answering as the API would over the
// wire (api.Server's Call). The editor deploys through it, so a definition saved from the UI
// passes exactly the checks CreateStateMachine, UpdateStateMachine and
// PublishStateMachineVersion make. A refusal should carry its HTTP status (HTTPStatus() int).
type Operations interface {
	Call(ctx context.Context, operation string, input, output any) error
}

// Option configures Handler.
type Option func(*server)

// WithOperations lets the editor deploy through ops; without it, deploying answers 501.
func WithOperations(ops Operations) Option {
	return func(s *server) { s.ops = ops }
}

// maxEditorDefinitionBytes is AWS's definition limit (1,048,576 characters), as bytes: a
// definition past it could never be deployed, so it is not validated either.
const maxEditorDefinitionBytes = 1 << 20

// newDefinition is what the editor shows for a new state machine.
const newDefinition = `{
  "Comment": "A new state machine",
  "StartAt": "Hello",
  "States": {
    "Hello": {
      "Type": "Pass",
      "Result": {"hello": "world"},
      "End": true
    }
  }
}
`

type editorPage struct {
	Title        string
	Page         string
	StateMachine *store.StateMachine // nil for a new one
	Definition   string
	Type         sfn.StateMachineType
	RoleARN      string
	CanDeploy    bool
}

func (s *server) newEditorPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "editor", editorPage{
		Title: "New state machine", Page: "editor", Definition: newDefinition, Type: sfn.TypeStandard,
		RoleARN: s.eng.Scope().RoleARN("StepflowExecutionRole"), CanDeploy: s.ops != nil,
	})
}

func (s *server) editorPage(w http.ResponseWriter, r *http.Request) {
	sm, err := s.store.StateMachineGetByARN(r.Context(), &store.StateMachineGetByARNParams{ARN: r.PathValue("arn")})
	if err != nil {
		s.renderError(w, err)
		return
	}
	s.render(w, http.StatusOK, "editor", editorPage{
		Title: "Edit " + sm.Name, Page: "editor", StateMachine: sm, Definition: sm.Definition, Type: sm.Type,
		RoleARN: sm.RoleARN, CanDeploy: s.ops != nil,
	})
}

type validateRequest struct {
	Definition string `json:"definition"`
	Type       string `json:"type"`
	// Expand draws every branch of a large definition, which is otherwise collapsed.
	Expand bool `json:"expand"`
}

// editorDiagnostic is a problem of the definition, with where it is in the text and the state
// it belongs to ("" for the machine as a whole).
type editorDiagnostic struct {
	asl.Diagnostic
	textPosition
	State string `json:"state,omitempty"`
}

type validateResponse struct {
	Result      string             `json:"result"` // OK or FAIL, as ValidateStateMachineDefinition
	Diagnostics []editorDiagnostic `json:"diagnostics"`
	Truncated   bool               `json:"truncated"`
	// Graph is the definition's SVG, drawn whenever its shape could be read, even with errors.
	Graph string `json:"graph"`
	// States counts the definition's states, nested ones included. Above collapseAbove, the
	// graph draws each Parallel and Map as one box without its branches (unless expanded),
	// and CollapsedInto names, for each state not drawn, the box that holds it.
	States        int               `json:"states"`
	Collapsed     bool              `json:"collapsed"`
	CollapsedInto map[string]string `json:"collapsedInto,omitempty"`
}

// collapseAbove is the number of states above which the editor's graph collapses branches:
// a drawing of thousands of boxes takes seconds to lay out and megabytes of SVG, and is
// unreadable at any size the page can show.
const collapseAbove = 200

// maxEditorDiagnostics bounds the problems one validation returns; a megabyte of definition
// can hold tens of thousands.
const maxEditorDiagnostics = 500

// apiValidate runs the static checks of ValidateStateMachineDefinition (the parser every
// deploy goes through), with warnings, and answers each problem with its line, column and
// state, and the graph of what could be read.
func (s *server) apiValidate(w http.ResponseWriter, r *http.Request) {
	var req validateRequest
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if len(req.Definition) > maxEditorDefinitionBytes {
		writeError(w, fmt.Errorf("the definition is %d bytes; the limit is %d", len(req.Definition), maxEditorDefinitionBytes))
		return
	}
	typ := sfn.StateMachineType(req.Type)
	switch typ {
	case "":
		typ = sfn.TypeStandard
	case sfn.TypeStandard, sfn.TypeExpress:
	default:
		writeError(w, fmt.Errorf("type must be STANDARD or EXPRESS, not %q", req.Type))
		return
	}
	writeJSON(w, http.StatusOK, validateDefinition(req.Definition, typ, req.Expand, s.drawings))
}

func validateDefinition(definition string, typ sfn.StateMachineType, expand bool, drawings *svgCache) *validateResponse {
	sm, diags := asl.Parse([]byte(definition), interp.ParseOptions(typ))
	out := &validateResponse{Result: "OK", Diagnostics: []editorDiagnostic{}}
	if diags.HasErrors() {
		out.Result = "FAIL"
	}
	if len(diags) > maxEditorDiagnostics {
		diags, out.Truncated = diags[:maxEditorDiagnostics], true
	}
	locations := make([]string, len(diags))
	for i, d := range diags {
		locations[i] = d.Location
	}
	positions := locateAll([]byte(definition), locations)
	for i, d := range diags {
		out.Diagnostics = append(out.Diagnostics, editorDiagnostic{
			Diagnostic: d, textPosition: positions[i], State: stateOfLocation(locationSegments(d.Location)),
		})
	}
	if sm != nil {
		out.States = countStates(sm)
		drawn := sm
		if out.States > collapseAbove && !expand {
			into := map[string]string{}
			if collapsed := collapseBranches(sm, into); len(into) > 0 {
				drawn, out.Collapsed, out.CollapsedInto = collapsed, true, into
			}
		}
		out.Graph = drawings.svg(graph.Build(drawn))
	}
	return out
}

func countStates(sm *asl.StateMachine) int {
	n := 0
	for _, st := range sm.States {
		n++
		for _, sub := range subMachines(st) {
			n += countStates(sub)
		}
	}
	return n
}

// collapseBranches returns a copy of sm whose Parallel and Map states have no branches, and
// records where each left-out state went.
func collapseBranches(sm *asl.StateMachine, into map[string]string) *asl.StateMachine {
	cp := *sm
	cp.States = make(map[string]asl.State, len(sm.States))
	for name, st := range sm.States {
		switch s := st.(type) {
		case *asl.Parallel:
			for _, b := range s.Branches {
				for inner := range namesIn(b, map[string]bool{}) {
					into[inner] = name
				}
			}
			c := *s
			c.Branches = nil
			st = &c
		case *asl.Map:
			for inner := range namesIn(s.ItemProcessor, map[string]bool{}) {
				into[inner] = name
			}
			c := *s
			c.ItemProcessor = nil
			st = &c
		}
		cp.States[name] = st
	}
	return &cp
}

// deployRequest is one deploy from the editor. Action is create (CreateStateMachine), update
// (UpdateStateMachine) or publish (PublishStateMachineVersion of the current revision).
type deployRequest struct {
	Action          string `json:"action"`
	StateMachineARN string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	RoleARN         string `json:"roleArn"`
	Definition      string `json:"definition"`
	// RevisionID is the revision the editor loaded: an update is refused when the state
	// machine has changed since, rather than overwriting someone else's edit.
	RevisionID         string `json:"revisionId"`
	Publish            bool   `json:"publish"`
	VersionDescription string `json:"versionDescription"`
}

type deployResponse struct {
	StateMachineARN        string `json:"stateMachineArn"`
	StateMachineVersionARN string `json:"stateMachineVersionArn,omitempty"`
	RevisionID             string `json:"revisionId"`
}

// errConcurrentEdit is an update of a revision that is no longer the current one.
var errConcurrentEdit = errors.New("the state machine was changed by someone else since you opened it")

func (s *server) apiDeploy(w http.ResponseWriter, r *http.Request) {
	var req deployRequest
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if s.ops == nil {
		writeJSON(w, http.StatusNotImplemented, apiError{Error: "this server's UI cannot deploy (it was started without the API)"})
		return
	}
	ctx := r.Context()
	var out deployResponse
	var err error
	switch req.Action {
	case "create":
		out, err = s.deployCreate(ctx, &req)
	case "update":
		out, err = s.deployUpdate(ctx, &req)
	case "publish":
		out, err = s.deployPublish(ctx, &req)
	default:
		err = fmt.Errorf("action must be create, update or publish, not %q", req.Action)
	}
	if err != nil {
		writeDeployError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// optional is nil for "", so an empty field is left out of an API input as a client would.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *server) deployCreate(ctx context.Context, req *deployRequest) (deployResponse, error) {
	in := map[string]any{
		"name": req.Name, "definition": req.Definition, "roleArn": req.RoleARN,
		"type": optional(req.Type), "publish": req.Publish,
	}
	if req.Publish {
		in["versionDescription"] = optional(req.VersionDescription)
	}
	var out struct {
		StateMachineArn        string `json:"stateMachineArn"`
		StateMachineVersionArn string `json:"stateMachineVersionArn"`
	}
	if err := s.ops.Call(ctx, "CreateStateMachine", in, &out); err != nil {
		return deployResponse{}, err
	}
	sm, err := s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: out.StateMachineArn})
	if err != nil {
		return deployResponse{}, err
	}
	return deployResponse{StateMachineARN: out.StateMachineArn, StateMachineVersionARN: out.StateMachineVersionArn, RevisionID: sm.RevisionID}, nil
}

func (s *server) deployUpdate(ctx context.Context, req *deployRequest) (deployResponse, error) {
	sm, err := s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: req.StateMachineARN})
	if err != nil {
		return deployResponse{}, err
	}
	// The check and the update are two steps: two saves in the same instant can still both
	// pass it. It catches the common case, an editor left open while someone else deployed.
	if req.RevisionID != "" && req.RevisionID != sm.RevisionID {
		return deployResponse{}, errConcurrentEdit
	}
	in := map[string]any{"stateMachineArn": req.StateMachineARN, "definition": req.Definition, "publish": req.Publish}
	if req.RoleARN != "" && req.RoleARN != sm.RoleARN {
		in["roleArn"] = req.RoleARN
	}
	if req.Publish {
		in["versionDescription"] = optional(req.VersionDescription)
	}
	var out struct {
		RevisionID             string `json:"revisionId"`
		StateMachineVersionArn string `json:"stateMachineVersionArn"`
	}
	if err := s.ops.Call(ctx, "UpdateStateMachine", in, &out); err != nil {
		return deployResponse{}, err
	}
	return deployResponse{StateMachineARN: req.StateMachineARN, StateMachineVersionARN: out.StateMachineVersionArn, RevisionID: out.RevisionID}, nil
}

func (s *server) deployPublish(ctx context.Context, req *deployRequest) (deployResponse, error) {
	sm, err := s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: req.StateMachineARN})
	if err != nil {
		return deployResponse{}, err
	}
	in := map[string]any{"stateMachineArn": req.StateMachineARN, "revisionId": sm.RevisionID, "description": optional(req.VersionDescription)}
	var out struct {
		StateMachineVersionArn string `json:"stateMachineVersionArn"`
	}
	if err := s.ops.Call(ctx, "PublishStateMachineVersion", in, &out); err != nil {
		return deployResponse{}, err
	}
	return deployResponse{StateMachineARN: sm.ARN, StateMachineVersionARN: out.StateMachineVersionArn, RevisionID: sm.RevisionID}, nil
}

// writeDeployError answers an API refusal with the API's own status (400 for an invalid
// definition or name, 404 for a missing state machine), a concurrent edit with 409.
func writeDeployError(w http.ResponseWriter, err error) {
	var withStatus interface{ HTTPStatus() int }
	switch {
	case errors.Is(err, errConcurrentEdit):
		writeJSON(w, http.StatusConflict, apiError{Error: err.Error()})
	case errors.As(err, &withStatus):
		writeJSON(w, withStatus.HTTPStatus(), apiError{Error: err.Error()})
	default:
		writeError(w, err)
	}
}
