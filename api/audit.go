package api

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/stepflow/stepflow/iam"
)

// auditRecord is one line of the audit log: who called, from where, which action on which
// resource, what was decided and by which statement, and the error the call ended with. It
// never holds a secret, a signature, a definition, an input or an output: only names.
type auditRecord struct {
	Time        string `json:"time"`
	RequestID   string `json:"requestId"`
	Principal   string `json:"principal,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// IdentityProvider and Subject name a person signed in to the UI through an OpenID
	// Connect provider: its issuer URL and its "sub" for them.
	IdentityProvider string `json:"identityProvider,omitempty"`
	Subject          string `json:"subject,omitempty"`
	SourceIP         string `json:"sourceIp,omitempty"`
	Action           string `json:"action,omitempty"`
	// Operation is the HTTP method and path of a REST call (the Scheduler API's), whose
	// action is named by its route.
	Operation string `json:"operation,omitempty"`
	Resource  string `json:"resource,omitempty"`
	// Decision is "allow" or "deny" once the call was authorized; absent when it ended
	// before (a bad signature, an unknown operation, a malformed input).
	Decision string `json:"decision,omitempty"`
	// Reason is IAM's evaluation outcome: allowed, explicitDeny or implicitDeny; "signedKey"
	// under --auth sigv4, where every configured key may do everything.
	Reason         string `json:"reason,omitempty"`
	Policy         string `json:"policy,omitempty"`
	StatementIndex *int   `json:"statementIndex,omitempty"`
	Sid            string `json:"sid,omitempty"`
	ErrorCode      string `json:"errorCode,omitempty"`

	// server, service and action let an unauthorized (sigv4) call name its resource too.
	server  *Server
	service string
	action  string
}

type auditRecordKey struct{}

// auditOf returns the record a request's call fills, or nil without an audit log.
func auditOf(ctx context.Context) *auditRecord {
	rec, _ := ctx.Value(auditRecordKey{}).(*auditRecord)
	return rec
}

// decided notes an IAM decision in the request's audit record.
func (rec *auditRecord) decided(req *iam.Request, d iam.Decision) {
	if rec == nil {
		return
	}
	rec.Resource = req.Resource
	rec.Reason = d.Outcome.String()
	rec.Decision = "deny"
	if d.Allowed() {
		rec.Decision = "allow"
	}
	if d.Statement >= 0 && d.Policy != "" {
		rec.Policy, rec.Sid = d.Policy, d.Sid
		index := d.Statement
		rec.StatementIndex = &index
	}
}

// auditLog writes records as JSON lines, one write per line so that lines of concurrent
// calls never interleave.
type auditLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *auditLog) write(rec *auditRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.w.Write(line)
	return err
}

// startAudit begins the audit record of a call when the server keeps an audit log.
func (s *Server) startAudit(r *http.Request, requestID string, now time.Time) (*http.Request, *auditRecord) {
	if s.audit == nil {
		return r, nil
	}
	rec := &auditRecord{Time: now.UTC().Format(time.RFC3339Nano), RequestID: requestID}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rec.SourceIP = host
	}
	if a, ok := parseAuthorization(r.Header.Get("Authorization")); ok {
		// The key id is what names the caller when the signature does not hold; it is not
		// a secret (it travels in clear in every request).
		rec.AccessKeyID = a.AccessKey
	}
	return r.WithContext(context.WithValue(r.Context(), auditRecordKey{}, rec)), rec
}

// finishAudit writes the record with the error code the call ended with.
func (s *Server) finishAudit(rec *auditRecord, apiErr *Error) {
	if rec == nil {
		return
	}
	if apiErr != nil {
		rec.ErrorCode = apiErr.Code
	}
	if err := s.audit.write(rec); err != nil {
		s.logger.Error("audit log write failed", "request_id", rec.RequestID, "err", err)
	}
}
