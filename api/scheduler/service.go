package scheduler

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// SigningName is the SigV4 service name of the Scheduler API.
const SigningName = "scheduler"

// DefaultGroup is the schedule group that always exists.
const DefaultGroup = "default"

// Service returns the Scheduler API, to pass in api.Config.REST.
func Service(st store.Store, scope sfn.Scope, now func() time.Time) api.RESTService {
	if now == nil {
		now = time.Now
	}
	h := &handler{store: st, scope: scope, now: now}
	return api.RESTService{
		PathPrefixes: []string{"/schedules", "/schedule-groups", "/tags"},
		SigningName:  SigningName,
		Handle:       h.route,
		Access: func(r *api.RESTRequest) (string, string) {
			group := r.Query.Get("groupName")
			if r.Method == http.MethodPost || r.Method == http.MethodPut {
				var body struct{ GroupName string }
				_ = json.Unmarshal(r.Body, &body) // a malformed body is refused by the handler
				group = body.GroupName
			}
			return iam.SchedulerAccess(r.Method, r.Path, group, scope)
		},
	}
}

type handler struct {
	store store.Store
	scope sfn.Scope
	now   func() time.Time
}

// Scheduler's exception names and their HTTP statuses.
const (
	codeValidation = "ValidationException"
	codeConflict   = "ConflictException"
	codeNotFound   = "ResourceNotFoundException"
)

func validation(format string, args ...any) error {
	return &api.Error{Code: codeValidation, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func notFound(format string, args ...any) error {
	return &api.Error{Code: codeNotFound, Message: fmt.Sprintf(format, args...), Status: http.StatusNotFound}
}

func conflict(format string, args ...any) error {
	return &api.Error{Code: codeConflict, Message: fmt.Sprintf(format, args...), Status: http.StatusConflict}
}

func (h *handler) route(ctx context.Context, r *api.RESTRequest) (any, error) {
	parts := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	resource, name := parts[0], ""
	if len(parts) > 1 {
		name = strings.Join(parts[1:], "/")
	}
	switch {
	case resource == "schedules" && name == "" && r.Method == http.MethodGet:
		return h.listSchedules(ctx, r)
	case resource == "schedules" && name != "" && !strings.Contains(name, "/"):
		switch r.Method {
		case http.MethodPost:
			return h.createSchedule(ctx, name, r)
		case http.MethodPut:
			return h.updateSchedule(ctx, name, r)
		case http.MethodGet:
			return h.getSchedule(ctx, name, r)
		case http.MethodDelete:
			return h.deleteSchedule(ctx, name, r)
		}
	case resource == "schedule-groups" && name == "" && r.Method == http.MethodGet:
		return h.listGroups(ctx, r)
	case resource == "schedule-groups" && name != "" && !strings.Contains(name, "/"):
		switch r.Method {
		case http.MethodPost:
			return h.createGroup(ctx, name, r)
		case http.MethodGet:
			return h.getGroup(ctx, name)
		case http.MethodDelete:
			return h.deleteGroup(ctx, name)
		}
	case resource == "tags" && name != "":
		switch r.Method {
		case http.MethodPost:
			return h.tagResource(ctx, name, r)
		case http.MethodDelete:
			return h.untagResource(ctx, name, r)
		case http.MethodGet:
			return h.listTags(ctx, name)
		}
	}
	return nil, &api.Error{Code: "UnknownOperationException", Message: fmt.Sprintf("No operation answers %s %s", r.Method, r.Path), Status: http.StatusNotFound}
}

// decode reads a JSON body; an empty body is an empty input.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &api.Error{Code: "SerializationException", Message: "Malformed JSON: " + err.Error(), Status: http.StatusBadRequest}
	}
	return nil
}

var namePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)

func checkName(value, field string) error {
	if !namePattern.MatchString(value) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+ and have length between 1 and 64", value, field)
	}
	return nil
}

func (h *handler) group(value string) (string, error) {
	if value == "" {
		return DefaultGroup, nil
	}
	return value, checkName(value, "groupName")
}

func (h *handler) arnPrefix() string {
	return "arn:" + h.scope.Partition + ":scheduler:" + h.scope.Region + ":" + h.scope.Account + ":"
}

// epoch is a REST-JSON timestamp: seconds since 1970, with a fraction.
type epoch float64

func toEpoch(t time.Time) epoch { return epoch(float64(t.UnixMilli()) / 1000) }

func fromEpoch(e *epoch) *time.Time {
	if e == nil {
		return nil
	}
	sec, frac := math.Modf(float64(*e))
	t := time.Unix(int64(sec), int64(frac*1e9)).UTC().Truncate(time.Millisecond)
	return &t
}

func optEpoch(t *time.Time) *epoch {
	if t == nil {
		return nil
	}
	e := toEpoch(*t)
	return &e
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// storeError turns the store's typed errors into the API's.
func storeError(err error, what string) error {
	var nf *store.NotFoundError
	if errors.As(err, &nf) {
		return notFound("%s does not exist.", what)
	}
	var ae *store.AlreadyExistsError
	if errors.As(err, &ae) {
		return conflict("%s already exists.", what)
	}
	if errors.Is(err, store.ErrInvalidPageToken) {
		return validation("Invalid NextToken.")
	}
	return err
}

func maxResults(r *api.RESTRequest) (int, error) {
	v := r.Query.Get("MaxResults")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, validation("1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", v)
	}
	return n, nil
}
