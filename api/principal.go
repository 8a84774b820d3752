package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/stepflow/stepflow/iam"
)

// This file lets a person signed in elsewhere (the web UI's login) act through the API's own
// checks: SignIn proves an access key by its id and secret instead of a signature, ActAs puts
// the key's principal into a context, and Call and Authorize then check every action with
// that principal's policies and write it to the audit log, as a signed request would be.

// ErrSignInRefused is SignIn's answer to an unknown, inactive or deleted access key or a wrong
// secret; which of them it was is not told.
var ErrSignInRefused = errors.New("the access key id or the secret access key is not right, or the key is not active")

// ErrSignInUnavailable: the server does not authenticate callers (--auth none), so there is
// nobody to sign in as.
var ErrSignInUnavailable = errors.New("the server does not authenticate callers")

// actingPrincipal is what ActAs leaves in a context: the key a person signed in with, its
// caller as the store has it now (nil under --auth sigv4, where every key may do everything)
// and the request the person made, whose connection the condition keys and the audit log name.
type actingPrincipal struct {
	keyID    string
	identity *Identity // instead of keyID, for a person signed in through a provider
	caller   *iam.Caller
	request  *http.Request
}

type actingPrincipalKey struct{}

func actingOf(ctx context.Context) *actingPrincipal {
	a, _ := ctx.Value(actingPrincipalKey{}).(*actingPrincipal)
	return a
}

// SignIn checks an access key id and its secret against the keys the server accepts (the
// --access-key pairs, or the store's keys under IAM) and returns the name of its principal:
// the user's ARN under IAM, the key id itself otherwise. Every attempt goes to the audit log
// (never the secret). A refusal is ErrSignInRefused.
func (s *Server) SignIn(ctx context.Context, r *http.Request, keyID, secret string) (string, error) {
	principal, err := s.signIn(ctx, keyID, secret)
	if s.audit != nil {
		rec := s.uiAuditRecord(r, keyID)
		rec.Action, rec.Operation = "stepflow:SignIn", r.Method+" "+r.URL.Path
		rec.Principal = principal
		rec.Decision, rec.Reason = "allow", "signedIn"
		var apiErr *Error
		if err != nil {
			rec.Principal, rec.Decision, rec.Reason = "", "deny", "badCredentials"
			apiErr = &Error{Code: codeUnrecognizedClient}
			if !errors.Is(err, ErrSignInRefused) {
				apiErr.Code = codeInternalFailure
			}
		}
		s.finishAudit(rec, apiErr)
	}
	return principal, err
}

func (s *Server) signIn(ctx context.Context, keyID, secret string) (string, error) {
	switch {
	case s.cfg.IAM != nil:
		caller, want, err := s.cfg.IAM.Authenticate(ctx, keyID)
		if errors.Is(err, iam.ErrUnknownAccessKey) || errors.Is(err, iam.ErrSealedSecret) {
			return "", ErrSignInRefused
		}
		if err != nil {
			return "", err
		}
		if subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
			return "", ErrSignInRefused
		}
		return caller.Principal.ARN, nil
	case s.cfg.Credentials != nil:
		want, ok := s.cfg.Credentials[keyID]
		if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
			return "", ErrSignInRefused
		}
		return keyID, nil
	}
	return "", ErrSignInUnavailable
}

// ActAs returns ctx in which Call and Authorize act as the principal of an access key signed in
// with SignIn, looked up as the store has it now: a key disabled or deleted since, or a
// principal deleted since, is refused with ErrSignInRefused, and policies changed since apply.
// r is the person's request.
func (s *Server) ActAs(ctx context.Context, r *http.Request, keyID string) (context.Context, error) {
	acting := &actingPrincipal{keyID: keyID, request: r}
	switch {
	case s.cfg.IAM != nil:
		caller, _, err := s.cfg.IAM.Authenticate(ctx, keyID)
		if errors.Is(err, iam.ErrUnknownAccessKey) || errors.Is(err, iam.ErrSealedSecret) {
			return nil, ErrSignInRefused
		}
		if err != nil {
			return nil, err
		}
		acting.caller = caller
	case s.cfg.Credentials != nil:
		if _, ok := s.cfg.Credentials[keyID]; !ok {
			return nil, ErrSignInRefused
		}
	default:
		return nil, ErrSignInUnavailable
	}
	return context.WithValue(ctx, actingPrincipalKey{}, acting), nil
}

// Authorize checks whether the principal ctx acts as (ActAs) may perform action ("states:
// StopExecution", "events:ListRules") with input, on the resources the API would check that
// action's call with that input on. A denial is AWS's AccessDeniedException. Without a principal
// in ctx, or under --auth sigv4, nothing is checked. A denial, and an allowed action that is not
// a read, goes to the audit log: the UI performs it next, through the engine.
func (s *Server) Authorize(ctx context.Context, action string, input map[string]any) error {
	acting := actingOf(ctx)
	if acting == nil {
		return nil
	}
	service, name, _ := strings.Cut(action, ":")
	var rec *auditRecord
	if s.audit != nil {
		rec = acting.auditRecord(s)
		rec.Action, rec.Operation = action, acting.request.Method+" "+acting.request.URL.Path
		ctx = context.WithValue(ctx, auditRecordKey{}, rec)
	}
	var err error
	if acting.caller == nil {
		if rec != nil {
			resources, _ := s.resourcesOf(service, name, input, acting.caller)
			rec.Resource = strings.Join(resources, ",")
			rec.Decision, rec.Reason = "allow", "signedKey"
		}
	} else {
		if rec != nil {
			rec.Principal = acting.caller.Principal.ARN
		}
		check := &accessCheck{server: s, caller: acting.caller, service: service, action: name, request: acting.request}
		resources, _ := s.resourcesOf(service, name, input, acting.caller)
		err = s.decide(ctx, check, action, resources, input)
	}
	if rec != nil && (err != nil || !readOnlyAction(name)) {
		var apiErr *Error
		if err != nil {
			apiErr = fromError(err)
		}
		s.finishAudit(rec, apiErr)
	}
	return err
}

// readOnlyAction reports whether an action only reads: the UI's reads are not audited when
// allowed, as its pages poll them every second.
func readOnlyAction(name string) bool {
	for _, prefix := range []string{"List", "Describe", "Get", "Validate"} {
		if strings.HasPrefix(name, prefix) && name != "GetActivityTask" {
			return true
		}
	}
	return false
}

// uiAuditRecord begins the audit record of something a signed-in person does.
func (s *Server) uiAuditRecord(r *http.Request, keyID string) *auditRecord {
	rec := &auditRecord{Time: s.now().UTC().Format(time.RFC3339Nano), RequestID: s.requestID(), AccessKeyID: keyID}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rec.SourceIP = host
	}
	return rec
}

// callAs prepares Call of operation for the principal ctx acts as: the access check the
// action's handler makes once its input is decoded, and its audit record. finish writes the
// record with the call's outcome.
func (s *Server) callAs(ctx context.Context, operation string) (context.Context, func(error)) {
	acting := actingOf(ctx)
	if acting == nil {
		return ctx, func(error) {}
	}
	var rec *auditRecord
	if s.audit != nil {
		rec = acting.auditRecord(s)
		rec.Action = SigningService + ":" + operation
		rec.Operation = acting.request.Method + " " + acting.request.URL.Path
		rec.server, rec.service, rec.action = s, SigningService, operation
		ctx = context.WithValue(ctx, auditRecordKey{}, rec)
	}
	if acting.caller != nil {
		if rec != nil {
			rec.Principal = acting.caller.Principal.ARN
		}
		ctx = context.WithValue(ctx, accessCheckKey{}, &accessCheck{server: s, caller: acting.caller, service: SigningService, action: operation, request: acting.request})
	} else if rec != nil {
		rec.Decision, rec.Reason = "allow", "signedKey"
	}
	return ctx, func(err error) {
		if rec == nil || (err == nil && readOnlyAction(operation)) {
			return
		}
		var apiErr *Error
		if err != nil {
			apiErr = fromError(err)
		}
		s.finishAudit(rec, apiErr)
	}
}

// Permits reports whether the principal ctx acts as may perform action with input, without
// writing to the audit log: the UI asks it to hide the buttons of actions a person may not
// take. Without a principal in ctx, or under --auth sigv4, everything is permitted.
func (s *Server) Permits(ctx context.Context, action string, input map[string]any) (bool, error) {
	acting := actingOf(ctx)
	if acting == nil || acting.caller == nil {
		return true, nil
	}
	service, name, _ := strings.Cut(action, ":")
	check := &accessCheck{server: s, caller: acting.caller, service: service, action: name, request: acting.request}
	resources, _ := s.resourcesOf(service, name, input, acting.caller)
	err := s.decide(context.WithValue(ctx, auditRecordKey{}, (*auditRecord)(nil)), check, action, resources, input)
	var denied *Error
	if errors.As(err, &denied) && denied.Code == codeAccessDenied {
		return false, nil
	}
	return err == nil, err
}
