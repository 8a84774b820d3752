package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/mock"
	"golang.org/x/sync/semaphore"
)

// DefaultMaxBodyBytes bounds a request body: a 1 MiB definition escaped inside JSON, plus room.
const DefaultMaxBodyBytes = 4 << 20

// DefaultMaxBodyBytesInFlight bounds the bytes of request bodies the server reads and holds
// at once, across all requests: 64 bodies of the largest size.
const DefaultMaxBodyBytesInFlight = 256 << 20

// DefaultBodyReadTimeout is how long a client may take to send a request body once its
// headers arrived; a client that trickles its body is cut off then.
const DefaultBodyReadTimeout = 30 * time.Second

// DefaultResponseWriteTimeout is how long a client may take to read the answer.
const DefaultResponseWriteTimeout = 30 * time.Second

// bodyBudgetWait is how long a request waits for room among the bodies in flight before it
// is answered ThrottlingException (which the AWS SDKs retry with back-off).
const bodyBudgetWait = time.Second

// DefaultActivityPollTimeout is how long GetActivityTask waits for a task, as on AWS.
const DefaultActivityPollTimeout = 60 * time.Second

// targetPrefix starts every X-Amz-Target of the service.
const targetPrefix = "AWSStepFunctions."

// Config configures a Server.
type Config struct {
	Engine *engine.Engine
	// Credentials maps access key ids to secret keys. When it is nil any caller is accepted;
	// otherwise every request must carry an AWS Signature Version 4 made with one of them.
	Credentials map[string]string
	// IAM, when set, authenticates every request by the access key it is signed with, as the
	// store has it now (users and keys of the iam package), and authorizes every action with
	// the caller's policies before it runs. Credentials is then ignored.
	IAM *iam.Directory
	// RequireKnownRoles, with IAM, refuses CreateStateMachine and UpdateStateMachine with a
	// roleArn that names no role in the store, as AWS refuses a role it cannot assume.
	RequireKnownRoles bool
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxBodyBytesInFlight bounds the bytes of request bodies held at once, across requests
	// (a body of unknown length counts as MaxBodyBytes); 0 means DefaultMaxBodyBytesInFlight.
	MaxBodyBytesInFlight int64
	// BodyReadTimeout bounds the time to receive a request body; 0 means DefaultBodyReadTimeout.
	BodyReadTimeout time.Duration
	// ResponseWriteTimeout bounds the time to send an answer; 0 means DefaultResponseWriteTimeout.
	// It starts when the answer is ready, so a GetActivityTask long poll is not cut by it.
	ResponseWriteTimeout time.Duration
	// Invoker runs the Task states of TestState (the engine's task router); nil fails them.
	Invoker task.Invoker
	// Mocks runs the test cases of a mock configuration: StartExecution and
	// StartSyncExecution on "stateMachineArn#TestCaseName". It must be the engine's Invoker
	// (wrapping the task router). Nil refuses test cases.
	Mocks *mock.Invoker
	// ActivityPollTimeout bounds GetActivityTask's long poll; 0 means DefaultActivityPollTimeout.
	ActivityPollTimeout time.Duration
	Logger              *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Services are other AWS JSON APIs served on the same port (EventBridge's, say), told
	// apart by their X-Amz-Target prefix; they share the body bounds and the credentials.
	Services []Service
	// REST are AWS REST-JSON APIs served on the same port (EventBridge Scheduler's), told
	// apart by the first segment of the path; they share the body bounds and the credentials.
	REST []RESTService
	// RateLimit, when set, is a token bucket of requests per access key of a signed server
	// (Credentials or IAM): a request over it is answered ThrottlingException. Under IAM, a
	// user's RateLimitTag overrides it for that user's keys.
	RateLimit *RateLimit
	// MaxRateLimitBuckets bounds the token buckets kept at once; 0 means
	// DefaultMaxRateLimitBuckets.
	MaxRateLimitBuckets int
	// MaxStartsInFlight bounds the StartExecution calls run at once, and apart the
	// StartSyncExecution calls; 0 means DefaultMaxStartsInFlight.
	MaxStartsInFlight int
	// MaxStartsQueued bounds the starts waiting for a place among those in flight; a start
	// beyond it is answered ThrottlingException at once. 0 means DefaultMaxStartsQueued.
	MaxStartsQueued int
	// StartQueueWait is how long a queued start waits before it is answered
	// ThrottlingException; 0 means DefaultStartQueueWait.
	StartQueueWait time.Duration
	// AuditLog, when set, gets one JSON line per API call of a signed server (Credentials or
	// IAM): time, request id, principal, access key id, source IP, action, resource, decision
	// and deciding statement, error code. Never a secret or a payload.
	AuditLog io.Writer
}

// RESTService is an AWS REST-JSON protocol served beside Step Functions.
type RESTService struct {
	// PathPrefixes are the paths it answers and those under them ("/schedules").
	PathPrefixes []string
	// SigningName is the service a signed request's credential scope must name ("scheduler").
	SigningName string
	// Handle answers a request: the value to encode as the JSON answer (HTTP 200), or an
	// error, which an *Error gives its AWS shape.
	Handle func(ctx context.Context, r *RESTRequest) (any, error)
	// Access names the IAM action ("scheduler:CreateSchedule") and resource of a request,
	// which a server authorizing with IAM checks before Handle runs; action "" is a call no
	// route answers (Handle refuses it). Nil leaves the service's calls unchecked beyond
	// authentication.
	Access func(r *RESTRequest) (action, resource string)
}

// RESTRequest is a request to a RESTService: its body is read and its signature checked.
type RESTRequest struct {
	Method string
	// Path is the request's path, unescaped.
	Path  string
	Query url.Values
	Body  []byte
}

// matches says whether the service answers path.
func (rs *RESTService) matches(path string) bool {
	for _, p := range rs.PathPrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Service is an AWS JSON protocol served beside Step Functions.
type Service struct {
	// TargetPrefix starts the X-Amz-Target of its actions ("AWSEvents.").
	TargetPrefix string
	// SigningName is the service a signed request's credential scope must name ("events").
	SigningName string
	// ContentType is the answers' media type ("application/x-amz-json-1.1").
	ContentType string
	Actions     map[string]Action
}

// Server is the Step Functions API as an http.Handler.
type Server struct {
	engine  *engine.Engine
	store   store.Store
	scope   sfn.Scope
	cfg     Config
	logger  *slog.Logger
	now     func() time.Time
	actions map[string]Action
	nextID  atomic.Uint64
	mapRuns mapRunRegistry
	// signing is the credential scope signed requests must name.
	signing credentialScope
	// bodies is the budget of request body bytes in flight.
	bodies *semaphore.Weighted
	// starts and syncStarts shed the starts the store cannot take (admission.go).
	starts, syncStarts *admission
	// audit is the audit log; nil keeps none.
	audit *auditLog
	// limiter keeps the token buckets of the access keys.
	limiter *rateLimiter

	// bg ends when the server closes: it bounds the goroutines that release test cases.
	bg      context.Context
	stopBg  context.CancelFunc
	waiters sync.WaitGroup
}

// Action is one API action: run decodes its JSON input and returns the value to encode as
// output (or an error, which an *Error gives its AWS shape); input is the type the body
// decodes into.
type Action struct {
	run   func(ctx context.Context, body []byte) (any, error)
	input reflect.Type
}

// Run runs the action on a JSON body in-process, outside any server: nothing is signed or
// authorized, so it is for callers that hold the store itself (the stepflow iam command).
func (a Action) Run(ctx context.Context, body []byte) (any, error) { return a.run(ctx, body) }

// New returns a server for the engine's store and scope.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("api: Config.Engine is nil")
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ActivityPollTimeout == 0 {
		cfg.ActivityPollTimeout = DefaultActivityPollTimeout
	}
	if cfg.MaxBodyBytesInFlight == 0 {
		cfg.MaxBodyBytesInFlight = DefaultMaxBodyBytesInFlight
	}
	if cfg.BodyReadTimeout == 0 {
		cfg.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if cfg.ResponseWriteTimeout == 0 {
		cfg.ResponseWriteTimeout = DefaultResponseWriteTimeout
	}
	if cfg.MaxStartsInFlight == 0 {
		cfg.MaxStartsInFlight = DefaultMaxStartsInFlight
	}
	if cfg.MaxStartsQueued == 0 {
		cfg.MaxStartsQueued = DefaultMaxStartsQueued
	}
	if cfg.StartQueueWait == 0 {
		cfg.StartQueueWait = DefaultStartQueueWait
	}
	if cfg.MaxStartsInFlight < 0 || cfg.MaxStartsQueued < 0 || cfg.StartQueueWait < 0 {
		return nil, fmt.Errorf("api: MaxStartsInFlight (%d), MaxStartsQueued (%d) and StartQueueWait (%v) must not be negative", cfg.MaxStartsInFlight, cfg.MaxStartsQueued, cfg.StartQueueWait)
	}
	if cfg.MaxBodyBytes < 0 || cfg.MaxBodyBytesInFlight < cfg.MaxBodyBytes {
		return nil, fmt.Errorf("api: MaxBodyBytesInFlight (%d) must be at least MaxBodyBytes (%d)", cfg.MaxBodyBytesInFlight, cfg.MaxBodyBytes)
	}
	s := &Server{
		engine:     cfg.Engine,
		store:      cfg.Engine.Store(),
		scope:      cfg.Engine.Scope(),
		cfg:        cfg,
		logger:     cfg.Logger,
		now:        cfg.Now,
		signing:    credentialScope{Region: cfg.Engine.Scope().Region, Service: SigningService},
		bodies:     semaphore.NewWeighted(cfg.MaxBodyBytesInFlight),
		limiter:    newRateLimiter(cfg.MaxRateLimitBuckets),
		starts:     newAdmission(cfg.MaxStartsInFlight, cfg.MaxStartsQueued, cfg.StartQueueWait),
		syncStarts: newAdmission(cfg.MaxStartsInFlight, cfg.MaxStartsQueued, cfg.StartQueueWait),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AuditLog != nil && (cfg.IAM != nil || cfg.Credentials != nil) {
		s.audit = &auditLog{w: cfg.AuditLog}
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.actions = s.routes()
	s.bg, s.stopBg = context.WithCancel(context.Background())
	if cfg.Mocks != nil {
		if err := s.awaitKeptTestCases(s.bg); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close stops the server's background work (waiting for test-case executions to end) and
// answers pending GetActivityTask long polls at once. It may be called more than once: as an
// HTTP shutdown begins, and after it.
func (s *Server) Close() {
	s.stopBg()
	s.waiters.Wait()
}

// Actions lists the action names the server answers, sorted.
func (s *Server) Actions() []string {
	names := make([]string, 0, len(s.actions))
	for n := range s.actions {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

// Handle adapts a typed action method to an Action: it decodes the body into In.
func Handle[In any, Out any](f func(ctx context.Context, in *In) (*Out, error)) Action {
	return handle(f)
}

// handle adapts a typed action method to an action: it decodes the body into In.
func handle[In any, Out any](f func(ctx context.Context, in *In) (*Out, error)) Action {
	run := func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := decodeInput(body, in); err != nil {
			return nil, err
		}
		if err := authorizeInput(ctx, in); err != nil {
			return nil, err
		}
		return f(ctx, in)
	}
	return Action{run: run, input: reflect.TypeFor[In]()}
}

// decodeInput reads a request body; an empty body is an empty input, as with the AWS SDKs.
func decodeInput(body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(in); err != nil {
		return serializationError(err)
	}
	if dec.More() {
		return clientError(codeSerialization, "Unexpected content after the end of the JSON document")
	}
	return nil
}

func serializationError(err error) *Error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return clientError(codeSerialization, "Cannot deserialize value of type %s at '%s'", elide(typeErr.Value), elide(typeErr.Field))
	}
	return clientError(codeSerialization, "Malformed JSON: %v", err)
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := s.requestID()
	w.Header().Set("x-amzn-RequestId", requestID)
	start := time.Now()
	r, audit := s.startAudit(r, requestID, s.now())
	defer func() {
		// A fault in one action must not take the connection down without an answer.
		if p := recover(); p != nil {
			s.logger.Error("api request panicked", "target", r.Header.Get("X-Amz-Target"), "request_id", requestID, "panic", p)
			internal := &Error{Code: codeInternalFailure, Message: "Internal error", Status: http.StatusInternalServerError}
			s.finishAudit(audit, internal)
			writeError(w, internal)
		}
	}()
	out, contentType, err := s.serve(w, r)
	// The answer gets its own deadline from now: a long poll may have waited a minute for it.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.ResponseWriteTimeout))
	if err != nil {
		apiErr := fromError(err)
		s.finishAudit(audit, apiErr)
		if apiErr.Status >= 500 {
			s.logger.Error("api request failed", "target", r.Header.Get("X-Amz-Target"), "request_id", requestID, "err", err)
		} else {
			s.logger.Debug("api request refused", "target", r.Header.Get("X-Amz-Target"), "request_id", requestID,
				"code", apiErr.Code, "message", apiErr.Message, "duration", time.Since(start))
		}
		writeErrorAs(w, apiErr, contentType)
		return
	}
	s.logger.Debug("api request", "target", r.Header.Get("X-Amz-Target"), "request_id", requestID, "duration", time.Since(start))
	s.finishAudit(audit, nil)
	data, err := json.Marshal(out)
	if err != nil {
		s.logger.Error("api response encoding failed", "target", r.Header.Get("X-Amz-Target"), "err", err)
		writeError(w, fromError(fmt.Errorf("encode response: %w", err)))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (out any, contentType string, err error) {
	contentType = stepFunctionsContentType
	if r.Header.Get("X-Amz-Target") == "" {
		for i := range s.cfg.REST {
			if rs := &s.cfg.REST[i]; rs.matches(r.URL.Path) {
				out, err := s.serveREST(w, r, rs)
				return out, restContentType, err
			}
		}
	}
	if r.Method != http.MethodPost {
		return nil, contentType, &Error{Code: codeUnknownOperation, Message: "The API accepts POST requests to /", Status: http.StatusNotFound}
	}
	target := r.Header.Get("X-Amz-Target")
	actions, signing := s.actions, s.signing
	name, ok := strings.CutPrefix(target, targetPrefix)
	for _, svc := range s.cfg.Services {
		if n, found := strings.CutPrefix(target, svc.TargetPrefix); found {
			name, ok, actions, contentType = n, true, svc.Actions, svc.ContentType
			signing = credentialScope{Region: s.signing.Region, Service: svc.SigningName}
			break
		}
	}
	audit := auditOf(r.Context())
	if audit != nil && ok {
		if _, known := actions[name]; known {
			// The signing name of each service is its IAM prefix too (states, events).
			audit.Action = signing.Service + ":" + name
			audit.server, audit.service, audit.action = s, signing.Service, name
		}
	}
	body, release, err := s.readBody(w, r)
	if err != nil {
		return nil, contentType, err
	}
	// The body's share of the budget is held while the action runs: its decoded form lives
	// as long.
	defer release()
	var caller *iam.Caller
	switch {
	case s.cfg.IAM != nil:
		if caller, err = s.authenticate(r, body, signing); err != nil {
			return nil, contentType, err
		}
		if audit != nil {
			audit.Principal, audit.AccessKeyID = caller.Principal.ARN, caller.KeyID
		}
		if err := s.checkRate(caller, caller.KeyID); err != nil {
			return nil, contentType, err
		}
	case s.cfg.Credentials != nil:
		if err := verifySignature(r, body, s.cfg.Credentials, s.now(), signing); err != nil {
			return nil, contentType, err
		}
		if audit != nil && audit.Action != "" {
			audit.Decision, audit.Reason = "allow", "signedKey"
		}
		if err := s.checkRate(nil, signedKeyID(r)); err != nil {
			return nil, contentType, err
		}
	}
	act, known := actions[name]
	if !ok || !known {
		if target == "" {
			return nil, contentType, clientError(codeUnknownOperation, "Missing the X-Amz-Target header")
		}
		return nil, contentType, clientError(codeUnknownOperation, "Unknown operation: '%s'", elide(target))
	}
	ctx := r.Context()
	if caller != nil {
		ctx = context.WithValue(ctx, accessCheckKey{}, &accessCheck{server: s, caller: caller, service: signing.Service, action: name, request: r})
	}
	out, err = act.run(ctx, body)
	return out, contentType, err
}

// restContentType is the media type of REST-JSON answers.
const restContentType = "application/json"

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, rs *RESTService) (any, error) {
	body, release, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	defer release()
	// REST services sign the path escaped once more than it is sent, as SigV4 asks of every
	// service but S3.
	scope := credentialScope{Region: s.signing.Region, Service: rs.SigningName, escapePathAgain: true}
	audit := auditOf(r.Context())
	if audit != nil {
		audit.Operation = r.Method + " " + r.URL.Path
	}
	switch {
	case s.cfg.IAM != nil:
		// Authenticated with the store's keys; actions of REST services are not yet
		// authorized per IAM policy (README, "What is not finished").
		caller, err := s.authenticate(r, body, scope)
		if err != nil {
			return nil, err
		}
		if audit != nil {
			audit.Principal, audit.AccessKeyID = caller.Principal.ARN, caller.KeyID
		}
		if err := s.checkRate(caller, caller.KeyID); err != nil {
			return nil, err
		}
		if rs.Access != nil {
			req := &RESTRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body}
			if action, resource := rs.Access(req); action != "" {
				if audit != nil {
					audit.Action = action
				}
				check := &accessCheck{server: s, caller: caller, service: rs.SigningName, request: r}
				if err := s.decide(r.Context(), check, action, []string{resource}, nil); err != nil {
					var denied *Error
					if errors.As(err, &denied) {
						// REST-JSON services answer AccessDeniedException with HTTP 403.
						denied.Status = http.StatusForbidden
					}
					return nil, err
				}
			}
		}
	case s.cfg.Credentials != nil:
		if err := verifySignature(r, body, s.cfg.Credentials, s.now(), scope); err != nil {
			return nil, err
		}
		if err := s.checkRate(nil, signedKeyID(r)); err != nil {
			return nil, err
		}
		if audit != nil {
			audit.Decision, audit.Reason = "allow", "signedKey"
			if rs.Access != nil {
				audit.Action, audit.Resource = rs.Access(&RESTRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body})
			}
		}
	}
	return rs.Handle(r.Context(), &RESTRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body})
}

// readBody reads the request body within the per-request size bound, the server-wide budget
// of bodies in flight and the body read timeout. release gives the body's share of the budget
// back.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	maxBytes := s.cfg.MaxBodyBytes
	// A declared length over the bound is refused before a byte of the body is read.
	if r.ContentLength > maxBytes {
		return nil, nil, bodyTooLarge(maxBytes)
	}
	// A body of unknown length (chunked) reserves the most it may grow to.
	weight := maxBytes
	if r.ContentLength >= 0 {
		weight = r.ContentLength
	}
	if weight > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), bodyBudgetWait)
		err := s.bodies.Acquire(ctx, weight)
		cancel()
		if err != nil {
			return nil, nil, errThrottled()
		}
	}
	release = func() {
		if weight > 0 {
			s.bodies.Release(weight)
		}
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(s.cfg.BodyReadTimeout))
	body, err = readAtMost(r.Body, r.ContentLength, maxBytes)
	if err != nil {
		release()
		// The connection is not read again: the read deadline stays (net/http would
		// otherwise wait for the rest of the body before answering) and it is closed after
		// the answer.
		w.Header().Set("Connection", "close")
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return nil, nil, bodyTooLarge(maxBytes)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, nil, &Error{Code: codeRequestTimeout, Message: fmt.Sprintf("The request body was not received within %s", s.cfg.BodyReadTimeout), Status: http.StatusRequestTimeout}
		}
		return nil, nil, clientError(codeSerialization, "Cannot read the request body: %v", err)
	}
	// Past the body, the connection waits for the next request as long as it likes (the
	// server's idle timeout applies): a read deadline left in place would cancel the
	// request's context when it passes, cutting long polls.
	rc.SetReadDeadline(time.Time{})
	return body, release, nil
}

// readAtMost reads a body of the declared length (or, when unknown, up to maxBytes) into a
// buffer of that size, instead of letting it grow (and double) as it arrives.
func readAtMost(body io.Reader, declared, maxBytes int64) ([]byte, error) {
	if declared >= 0 {
		buf := make([]byte, declared)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	data, err := io.ReadAll(io.LimitReader(body, maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxBytes {
		return nil, &http.MaxBytesError{Limit: maxBytes}
	}
	return data, nil
}

func bodyTooLarge(maxBytes int64) *Error {
	return &Error{Code: codeValidation, Message: fmt.Sprintf("Request body is larger than %d bytes", maxBytes), Status: http.StatusRequestEntityTooLarge}
}

// stepFunctionsContentType is the media type of the Step Functions protocol (AWS JSON 1.0).
const stepFunctionsContentType = "application/x-amz-json-1.0"

func writeError(w http.ResponseWriter, e *Error) { writeErrorAs(w, e, stepFunctionsContentType) }

func writeErrorAs(w http.ResponseWriter, e *Error, contentType string) {
	body := map[string]any{}
	for k, v := range e.Fields {
		body[k] = v
	}
	body["__type"] = e.Code
	body["message"] = e.Message
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(e.Status)
	w.Write(data)
}

func (s *Server) requestID() string {
	n := s.nextID.Add(1)
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(s.now().Unix()), n)
}
