package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/stepflow/stepflow/iam"
)

// This file lets a person an OpenID Connect provider vouched for (the UI's sign-in through a
// provider) act through the API's checks, as SignIn and ActAs do for an access key: under
// --auth iam as the IAM user or role their identity is mapped to, under --auth sigv4 with
// every action allowed, as every key is there.

// Identity is a person signed in through an identity provider.
type Identity struct {
	// Provider is the provider's issuer URL and Subject its "sub" for the person: together
	// they name the person for good (an email address can change hands).
	Provider string
	Subject  string
	// Principal is the ARN of the IAM user or role the person acts as under --auth iam; ""
	// under --auth sigv4.
	Principal string
}

// auditRecord begins the audit record of something the acting person does.
func (a *actingPrincipal) auditRecord(s *Server) *auditRecord {
	rec := s.uiAuditRecord(a.request, a.keyID)
	if a.identity != nil {
		rec.IdentityProvider, rec.Subject = a.identity.Provider, a.identity.Subject
	}
	return rec
}

// ErrNoSuchPrincipal is SignInIdentity's and ActAsIdentity's answer when the user or role an
// identity is mapped to is not in the store (never made, or deleted since).
var ErrNoSuchPrincipal = errors.New("the IAM user or role of this identity does not exist")

// SignInIdentity signs in a person a provider vouched for, as the principal their identity is
// mapped to: under --auth iam that principal must exist (else ErrNoSuchPrincipal); under
// --auth sigv4 it must be "". The sign-in, accepted or refused, goes to the audit log.
func (s *Server) SignInIdentity(ctx context.Context, r *http.Request, id Identity) error {
	_, err := s.ActAsIdentity(ctx, r, id)
	reason := "signedIn"
	switch {
	case errors.Is(err, ErrNoSuchPrincipal):
		reason = "noSuchPrincipal"
	case err != nil:
		reason = "failed"
	}
	s.AuditIdentitySignIn(r, id, reason)
	return err
}

// AuditIdentitySignIn writes a sign-in through a provider to the audit log: reason
// "signedIn" is an accepted one, any other names why it was refused (wrongAudience,
// expiredToken, unmappedIdentity, badState, ...). id has what was known when it was refused.
func (s *Server) AuditIdentitySignIn(r *http.Request, id Identity, reason string) {
	if s.audit == nil {
		return
	}
	rec := s.uiAuditRecord(r, "")
	rec.Action, rec.Operation = "stepflow:SignIn", r.Method+" "+r.URL.Path
	rec.IdentityProvider, rec.Subject, rec.Principal = id.Provider, id.Subject, id.Principal
	rec.Decision, rec.Reason = "allow", reason
	var apiErr *Error
	switch reason {
	case "signedIn":
	case "failed":
		rec.Decision = "deny"
		apiErr = &Error{Code: codeInternalFailure}
	default:
		rec.Decision = "deny"
		apiErr = &Error{Code: codeAccessDenied}
	}
	s.finishAudit(rec, apiErr)
}

// ActAsIdentity returns ctx in which Call and Authorize act as a person signed in through a
// provider, with their principal's policies as the store has them now: a principal deleted
// since is ErrNoSuchPrincipal.
func (s *Server) ActAsIdentity(ctx context.Context, r *http.Request, id Identity) (context.Context, error) {
	acting := &actingPrincipal{identity: &id, request: r}
	switch {
	case s.cfg.IAM != nil:
		caller, err := s.cfg.IAM.CallerByARN(ctx, id.Principal)
		var iamErr *iam.Error
		if errors.As(err, &iamErr) && iamErr.Code == iam.CodeNoSuchEntity {
			return nil, fmt.Errorf("%w: %s", ErrNoSuchPrincipal, id.Principal)
		}
		if err != nil {
			return nil, err
		}
		acting.caller = caller
	case s.cfg.Credentials != nil:
		if id.Principal != "" {
			return nil, fmt.Errorf("%w: %s (under --auth sigv4 there are no users or roles)", ErrNoSuchPrincipal, id.Principal)
		}
	default:
		return nil, ErrSignInUnavailable
	}
	return context.WithValue(ctx, actingPrincipalKey{}, acting), nil
}
