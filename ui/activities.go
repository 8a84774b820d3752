package ui

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/stepflow/stepflow/store"
)

// The activity inbox lets a person do an activity's work: claim a waiting task
// (GetActivityTask with their name as the worker), read its input, and answer it with
// SendTaskSuccess or SendTaskFailure, sending SendTaskHeartbeat while the page holds it. The
// page acts through the API's own actions (apiCall); this file lists what is waiting.

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
