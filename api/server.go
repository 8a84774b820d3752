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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/mock"
)

// DefaultMaxBodyBytes bounds a request body: a 1 MiB definition escaped inside JSON, plus room.
const DefaultMaxBodyBytes = 4 << 20

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
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
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
}

// Server is the Step Functions API as an http.Handler.
type Server struct {
	engine  *engine.Engine
	store   store.Store
	scope   sfn.Scope
	cfg     Config
	logger  *slog.Logger
	now     func() time.Time
	actions map[string]action
	nextID  atomic.Uint64
	mapRuns mapRunRegistry

	// bg ends when the server closes: it bounds the goroutines that release test cases.
	bg      context.Context
	stopBg  context.CancelFunc
	waiters sync.WaitGroup
}

// action runs one API action on its JSON input and returns the value to encode as output.
type action func(ctx context.Context, body []byte) (any, error)

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
	s := &Server{
		engine: cfg.Engine,
		store:  cfg.Engine.Store(),
		scope:  cfg.Engine.Scope(),
		cfg:    cfg,
		logger: cfg.Logger,
		now:    cfg.Now,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
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

// handle adapts a typed action method to an action: it decodes the body into In.
func handle[In any, Out any](f func(ctx context.Context, in *In) (*Out, error)) action {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := decodeInput(body, in); err != nil {
			return nil, err
		}
		return f(ctx, in)
	}
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
		return clientError(codeSerialization, "Cannot deserialize value of type %s at '%s'", typeErr.Value, typeErr.Field)
	}
	return clientError(codeSerialization, "Malformed JSON: %v", err)
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := s.requestID()
	w.Header().Set("x-amzn-RequestId", requestID)
	start := time.Now()
	out, err := s.serve(w, r)
	if err != nil {
		apiErr := fromError(err)
		if apiErr.Status >= 500 {
			s.logger.Error("api request failed", "target", r.Header.Get("X-Amz-Target"), "request_id", requestID, "err", err)
		} else {
			s.logger.Debug("api request refused", "target", r.Header.Get("X-Amz-Target"), "request_id", requestID,
				"code", apiErr.Code, "message", apiErr.Message, "duration", time.Since(start))
		}
		writeError(w, apiErr)
		return
	}
	s.logger.Debug("api request", "target", r.Header.Get("X-Amz-Target"), "request_id", requestID, "duration", time.Since(start))
	data, err := json.Marshal(out)
	if err != nil {
		s.logger.Error("api response encoding failed", "target", r.Header.Get("X-Amz-Target"), "err", err)
		writeError(w, fromError(fmt.Errorf("encode response: %w", err)))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (any, error) {
	if r.Method != http.MethodPost {
		return nil, &Error{Code: codeUnknownOperation, Message: "The API accepts POST requests to /", Status: http.StatusNotFound}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &Error{Code: codeValidation, Message: fmt.Sprintf("Request body is larger than %d bytes", s.cfg.MaxBodyBytes), Status: http.StatusRequestEntityTooLarge}
		}
		return nil, clientError(codeSerialization, "Cannot read the request body: %v", err)
	}
	if s.cfg.Credentials != nil {
		if err := verifySignature(r, body, s.cfg.Credentials, s.now()); err != nil {
			return nil, err
		}
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	act := s.actions[name]
	if !ok || act == nil {
		if target == "" {
			return nil, clientError(codeUnknownOperation, "Missing the X-Amz-Target header")
		}
		return nil, clientError(codeUnknownOperation, "Unknown operation: '%s'", target)
	}
	return act(r.Context(), body)
}

func writeError(w http.ResponseWriter, e *Error) {
	body := map[string]any{}
	for k, v := range e.Fields {
		body[k] = v
	}
	body["__type"] = e.Code
	body["message"] = e.Message
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(e.Status)
	w.Write(data)
}

func (s *Server) requestID() string {
	n := s.nextID.Add(1)
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(s.now().Unix()), n)
}
