package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

const codeAccessDenied = "AccessDeniedException"

// accessCheck is what serve leaves in a request's context when the server authorizes with
// IAM: who called and which action. The action's handler checks it once its input is decoded,
// so the resource IAM sees is read from the very input the action will run with.
type accessCheck struct {
	server *Server
	caller *iam.Caller
	// service is the IAM prefix of the action's service (states, events), action its name.
	service string
	action  string
	request *http.Request
}

type accessCheckKey struct{}

// CallerOf is the authenticated caller of a request under IAM authorization, or nil.
func CallerOf(ctx context.Context) *iam.Caller {
	if check, _ := ctx.Value(accessCheckKey{}).(*accessCheck); check != nil {
		return check.caller
	}
	return nil
}

// CallerUserName is the user name of a caller, or "" when it is nil or not a user.
func CallerUserName(c *iam.Caller) string {
	if c == nil || c.Principal.Kind != store.PrincipalUser {
		return ""
	}
	return c.Principal.Name
}

// authenticate verifies the request's SigV4 signature with the secret of its access key as
// the store has it now, and returns the key's caller.
func (s *Server) authenticate(r *http.Request, body []byte, signing credentialScope) (*iam.Caller, error) {
	var caller *iam.Caller
	err := verifySignatureWith(r, body, func(accessKey string) (string, error) {
		c, secret, err := s.cfg.IAM.Authenticate(r.Context(), accessKey)
		if errors.Is(err, iam.ErrUnknownAccessKey) {
			return "", errUnknownAccessKey
		}
		if errors.Is(err, iam.ErrSealedSecret) {
			// The key was sealed under another server key: the caller cannot be told apart
			// from one with a wrong key, but the operator should hear of it.
			s.logger.Warn("access key does not open with the server key (was the server key changed?)", "access_key", accessKey)
			return "", errUnknownAccessKey
		}
		if err != nil {
			return "", fmt.Errorf("authenticate access key %s: %w", accessKey, err)
		}
		caller = c
		return secret, nil
	}, s.now(), signing)
	if err != nil {
		return nil, err
	}
	return caller, nil
}

// authorizeInput checks the decoded input of an action against the caller's policies, when the
// server authorizes with IAM; it refuses with AWS's AccessDeniedException.
func authorizeInput(ctx context.Context, in any) error {
	check, _ := ctx.Value(accessCheckKey{}).(*accessCheck)
	if check == nil {
		if rec := auditOf(ctx); rec != nil && rec.server != nil {
			// Under --auth sigv4 nothing is authorized, but the audit log still names the
			// resource the call acts on.
			resources, _ := rec.server.resourcesOf(rec.service, rec.action, inputFields(in), nil)
			rec.Resource = strings.Join(resources, ",")
		}
		return nil
	}
	return check.server.authorize(ctx, check, in)
}

func (s *Server) authorize(ctx context.Context, check *accessCheck, in any) error {
	input := inputFields(in)
	resources, _ := s.resourcesOf(check.service, check.action, input, check.caller)
	return s.decide(ctx, check, check.service+":"+check.action, resources, input)
}

// decide checks an action on each of its resources (PutEvents acts on every bus its entries
// name) and refuses at the first denial.
func (s *Server) decide(ctx context.Context, check *accessCheck, action string, resources []string, input map[string]any) error {
	for _, resource := range resources {
		reqCtx, err := s.requestContext(ctx, check, input, resource)
		if err != nil {
			return err
		}
		req := &iam.Request{Principal: check.caller.Principal.ARN, Action: action, Resource: resource, Context: reqCtx}
		decision := iam.Evaluate(check.caller.Policies, req)
		auditOf(ctx).decided(req, decision)
		s.logger.Debug("api authorization", "principal", req.Principal, "access_key", check.caller.KeyID, "action", req.Action,
			"resource", resource, "decision", decision.Outcome.String(), "policy", decision.Policy, "statement", decision.Statement, "sid", decision.Sid)
		if !decision.Allowed() {
			return &Error{Code: codeAccessDenied, Message: iam.DenialMessage(req, decision), Status: http.StatusBadRequest}
		}
	}
	return nil
}

// inputFields is an action's input as IAM's tables name its members: its JSON form.
func inputFields(in any) map[string]any {
	var input map[string]any
	if data, err := json.Marshal(in); err == nil {
		_ = json.Unmarshal(data, &input)
	}
	return input
}

// resourcesOf is the resources an action is checked on; caller, when known, is who calls (an
// access-key action of the admin API that names no user acts on the caller). An action the
// tables lack is checked on "*": only a policy granting it on every resource lets it through.
func (s *Server) resourcesOf(service, action string, input map[string]any, caller *iam.Caller) ([]string, bool) {
	switch service {
	case iam.AdminService:
		if resource, known := iam.AdminResource(action, input, s.scope, CallerUserName(caller)); known {
			return []string{resource}, true
		}
	case iam.StepFunctionsService:
		if resource, known := iam.StepFunctionsResource(action, input, s.scope); known {
			return []string{resource}, true
		}
	case iam.EventBridgeService:
		return iam.EventBridgeResources(action, input, s.scope)
	}
	return []string{"*"}, false
}

// requestContext gathers the condition keys of a request: the caller's, the connection's, the
// clock's, the request's tags and the tags of the resource it acts on.
// A store that cannot list the resource's tags fails the request: deciding without them could
// let through what a Deny on a tag refuses.
func (s *Server) requestContext(ctx context.Context, check *accessCheck, input map[string]any, resource string) (iam.Context, error) {
	c := iam.Context{}
	check.caller.FillContext(c, s.scope.Account)
	now := s.now().UTC()
	c.Set(iam.KeyCurrentTime, now.Format("2006-01-02T15:04:05Z"))
	c.Set(iam.KeyEpochTime, strconv.FormatInt(now.Unix(), 10))
	c.Set(iam.KeySecureTransport, strconv.FormatBool(check.request.TLS != nil))
	c.Set(iam.KeyRequestedRegion, s.scope.Region)
	if host, _, err := net.SplitHostPort(check.request.RemoteAddr); err == nil {
		c.Set(iam.KeySourceIP, host)
	}
	switch check.service {
	case iam.StepFunctionsService:
		iam.StepFunctionsRequestTags(check.action, input, c)
	case iam.AdminService:
		iam.AdminRequestTags(check.action, input, c)
	}
	if taggable(resource) {
		tags, err := s.store.TagList(ctx, &store.TagListParams{ResourceARN: resource})
		if err != nil {
			return nil, fmt.Errorf("authorize: tags of %s: %w", resource, err)
		}
		for _, t := range tags {
			c.Set(iam.KeyResourceTag+t.Key, t.Value)
		}
	}
	return c, nil
}

// taggable reports whether an ARN names a resource that carries tags: a state machine (not a
// version or alias of it) or an activity.
func taggable(arn string) bool {
	a, err := sfn.ParseARN(arn)
	if err != nil {
		return false
	}
	switch a.Kind {
	case "stateMachine":
		return !strings.Contains(a.Resource, ":")
	case "activity":
		return true
	}
	return false
}

// assumableRole refuses, when the server requires known roles, a roleArn that names no role in
// the store, as AWS refuses a role Step Functions cannot assume.
func (s *Server) assumableRole(ctx context.Context, roleARN string) error {
	if !s.cfg.RequireKnownRoles || s.cfg.IAM == nil {
		return nil
	}
	p, err := s.store.PrincipalGetByARN(ctx, &store.PrincipalGetByARNParams{ARN: roleARN})
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.Kind != store.PrincipalRole) {
		return &Error{Code: codeAccessDenied, Status: http.StatusBadRequest,
			Message: "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role."}
	}
	if err != nil {
		return fmt.Errorf("role %s: %w", roleARN, err)
	}
	return nil
}
