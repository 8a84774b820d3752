package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/stepflow/stepflow/store"
)

// The activity inbox lets a person do an activity's work: claim a waiting task
// (GetActivityTask with their name as the worker), read its input, and answer it with
// SendTaskSuccess or SendTaskFailure, sending SendTaskHeartbeat while the page holds it. The
// page acts through the API's own actions (apiCall); this file lists what is waiting.

// A task claimed in the inbox is held for inboxHold and the page renews the hold with every
// heartbeat; when the page closes it gives the task back at once (a beacon on pagehide), and
// when the page just stops (a crashed or frozen tab, a machine asleep) the hold runs out and
// the task returns to the queue for the next worker. See engine.HoldActivityTask for what
// "returned" means: the task keeps its token and its timers, and the first answer wins.

// inboxHold is how long a claimed task stays with a page after its last heartbeat. Pages
// beat every 10 seconds, but browsers slow the timers of hidden tabs down to one a minute,
// so a hold must outlast that.
const inboxHold = 2 * time.Minute

// errTaskReturned is the inbox's answer when its page no longer holds the task.
var errTaskReturned = errors.New("this task is no longer yours: it went back to the queue (no heartbeat for " +
	"2 minutes, or given back), or it was answered, or its execution ended")

type claimRequest struct {
	ActivityARN string `json:"activityArn"`
	WorkerName  string `json:"workerName"`
}

type heldTask struct {
	TaskToken  string `json:"taskToken"`
	WorkerName string `json:"workerName"`
}

// apiClaim takes the next task of an activity for a person: GetActivityTask through the API's
// own action (its checks and, with access control, its policy), then a hold of inboxHold in
// place of a worker's lease for good.
func (s *server) apiClaim(w http.ResponseWriter, r *http.Request) {
	var req claimRequest
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if strings.TrimSpace(req.WorkerName) == "" {
		writeError(w, errors.New("give your name: it is the worker name the history records"))
		return
	}
	if s.ops == nil {
		writeJSON(w, http.StatusNotImplemented, apiError{Error: "this server's UI cannot claim tasks (it was started without the API)"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), claimWait)
	defer cancel()
	var task struct {
		TaskToken string `json:"taskToken"`
		Input     string `json:"input"`
	}
	if err := s.ops.Call(ctx, "GetActivityTask", req, &task); err != nil {
		writeDeployError(w, err)
		return
	}
	if task.TaskToken == "" {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	if _, err := s.eng.HoldActivityTask(r.Context(), task.TaskToken, req.WorkerName, inboxHold); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"taskToken": task.TaskToken, "input": task.Input,
		"holdSeconds": int(inboxHold / time.Second)})
}

// apiHeartbeat renews the page's hold on its task and sends SendTaskHeartbeat for the
// task's HeartbeatSeconds; 409 when the page no longer holds it.
func (s *server) apiHeartbeat(w http.ResponseWriter, r *http.Request) {
	var req heldTask
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	held, err := s.eng.HoldActivityTask(r.Context(), req.TaskToken, req.WorkerName, inboxHold)
	if err != nil {
		writeError(w, err)
		return
	}
	if !held {
		writeJSON(w, http.StatusConflict, apiError{Error: errTaskReturned.Error()})
		return
	}
	if s.ops != nil {
		if err := s.ops.Call(r.Context(), "SendTaskHeartbeat", map[string]string{"taskToken": req.TaskToken}, nil); err != nil {
			writeDeployError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"holdSeconds": int(inboxHold / time.Second)})
}

// apiRelease gives the page's task back to the queue. It is sent by navigator.sendBeacon as
// the page goes away, whose body is text/plain: that is accepted here (holding the task's
// token is what lets a caller release it), but not from another site.
func (s *server) apiRelease(w http.ResponseWriter, r *http.Request) {
	var req heldTask
	if err := decodeBeacon(r, &req); err != nil {
		writeError(w, err)
		return
	}
	released, err := s.eng.ReleaseActivityTask(r.Context(), req.TaskToken, req.WorkerName)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"released": released})
}

// decodeBeacon reads a JSON body sent as application/json or as a beacon's text/plain.
func decodeBeacon(r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/plain") {
		return errors.New("a release takes a JSON body (Content-Type: application/json or text/plain)")
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
		return errors.New("cross-site actions are refused")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	return nil
}

// maxInboxActivities bounds the inbox: one count query per activity.
const maxInboxActivities = 1000

type activityItem struct {
	ARN         string    `json:"activityArn"`
	Name        string    `json:"name"`
	CreatedDate time.Time `json:"creationDate"`
	Waiting     int       `json:"waiting"` // tasks no worker has taken yet
}

type activitiesPage struct {
	Title  string
	Page   string
	CanAct bool
}

func (s *server) activitiesPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "activities", activitiesPage{Title: "Activity inbox", Page: "activities", CanAct: s.ops != nil})
}

// apiActivities lists activities in ARN order, as ListActivities gives them, each with the
// number of its tasks waiting for a worker.
func (s *server) apiActivities(w http.ResponseWriter, r *http.Request) {
	items, truncated, err := s.activitiesWithWaiting(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"activities": items, "truncated": truncated})
}

func (s *server) activitiesWithWaiting(ctx context.Context) ([]activityItem, bool, error) {
	items := []activityItem{}
	now := time.Now()
	token := ""
	for {
		page, err := s.store.ActivityList(ctx, &store.ActivityListParams{MaxResults: store.MaxPageSize, NextToken: token})
		if err != nil {
			return nil, false, fmt.Errorf("list activities: %w", err)
		}
		for _, a := range page.Activities {
			if len(items) == maxInboxActivities {
				return items, true, nil
			}
			n, err := s.store.DispatchCountWaiting(ctx, &store.DispatchCountWaitingParams{Queue: a.ARN, Now: now})
			if err != nil {
				return nil, false, err
			}
			items = append(items, activityItem{ARN: a.ARN, Name: a.Name, CreatedDate: a.CreatedDate, Waiting: n})
		}
		if page.NextToken == "" {
			return items, false, nil
		}
		token = page.NextToken
	}
}
