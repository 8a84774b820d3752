package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/stepflow/stepflow/scheduler"
	"github.com/stepflow/stepflow/store"
)

// Bounds of the event pages: how many rules and schedules are listed, how many of a target's
// executions are searched for those a rule started, and how many are shown.
const (
	maxListedRules        = 500
	maxListedSchedules    = 500
	maxSearchedExecutions = 1000
	maxShownStarts        = 10
	nextFireTimesShown    = 5
	lastFiresShown        = 10
)

type rulesPage struct {
	Title string
	Page  string
	Rules []ruleView
}

type ruleView struct {
	Rule    *store.EventRule
	Pattern string // indented
	Targets []targetView
}

type targetView struct {
	ID     string
	ARN    string
	Config string // indented
	// Starts are the latest executions the target started for this rule.
	Starts []*store.Execution
}

// rulesPage lists every bus's rules with their patterns, targets and the executions the
// targets started. The store keeps no record of matches once a delivery is made, but each
// delivery names its execution <event id>_<digest of rule and target>, so the executions
// of a target's state machine with that suffix are the rule's recent matches.
func (s *server) rulesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	res, err := s.store.EventRuleList(ctx, &store.EventRuleListParams{MaxResults: maxListedRules})
	if err != nil {
		s.renderError(w, err)
		return
	}
	page := rulesPage{Title: "Rules", Page: "rules"}
	for _, rule := range res.Rules {
		view := ruleView{Rule: rule, Pattern: indentJSON(rule.EventPattern)}
		targets, err := s.store.EventTargetList(ctx, &store.EventTargetListParams{BusName: rule.BusName, RuleName: rule.Name})
		if err != nil {
			s.renderError(w, err)
			return
		}
		for _, t := range targets {
			tv := targetView{ID: t.ID, ARN: t.ARN, Config: indentJSON(t.Config)}
			sum := sha256.Sum256([]byte(rule.ARN + "\x00" + t.ID))
			if tv.Starts, err = s.executionsNamed(ctx, t.ARN, func(name string) bool {
				return strings.HasSuffix(name, "_"+hex.EncodeToString(sum[:6]))
			}); err != nil {
				s.renderError(w, err)
				return
			}
			view.Targets = append(view.Targets, tv)
		}
		page.Rules = append(page.Rules, view)
	}
	s.render(w, http.StatusOK, "rules", page)
}

// executionsNamed returns the latest executions of a state machine whose names pass keep,
// searching its newest maxSearchedExecutions. A target that is not a state machine of this
// server has none.
func (s *server) executionsNamed(ctx context.Context, machineARN string, keep func(string) bool) ([]*store.Execution, error) {
	if !strings.Contains(machineARN, ":stateMachine:") {
		return nil, nil
	}
	var found []*store.Execution
	token := ""
	for searched := 0; searched < maxSearchedExecutions; {
		res, err := s.store.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: machineARN, MaxResults: 100, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, e := range res.Executions {
			if keep(e.Name) {
				found = append(found, e)
				if len(found) == maxShownStarts {
					return found, nil
				}
			}
		}
		searched += len(res.Executions)
		if token = res.NextToken; token == "" || len(res.Executions) == 0 {
			break
		}
	}
	return found, nil
}

type schedulesPage struct {
	Title     string
	Page      string
	Schedules []scheduleView
}

type scheduleView struct {
	Schedule   *store.Schedule
	Definition scheduler.Definition
	TimeZone   string
	// Problem says why fire times could not be computed (a definition the scheduler refuses).
	Problem   string
	NextFires []fireTime
	LastFires []lastFire
}

type fireTime struct {
	Local string // in the schedule's time zone
	UTC   time.Time
}

type lastFire struct {
	Fire         *store.ScheduleFire
	ExecutionARN string
	Execution    *store.Execution // nil: not started (yet), or deleted
}

// schedulesPage lists schedules with their expression, time zone, next fire times (computed
// by the scheduler's own plan, so they are the slots it will fire) and latest fires with the
// executions they started.
func (s *server) schedulesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	res, err := s.store.ScheduleList(ctx, &store.ScheduleListParams{MaxResults: maxListedSchedules})
	if err != nil {
		s.renderError(w, err)
		return
	}
	now := time.Now()
	page := schedulesPage{Title: "Schedules", Page: "schedules"}
	for _, sc := range res.Schedules {
		// The list may leave out the definition; read each schedule whole.
		full, err := s.store.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: sc.GroupName, Name: sc.Name})
		if err != nil {
			continue // deleted since it was listed
		}
		view := scheduleView{Schedule: full, TimeZone: "UTC"}
		if err := json.Unmarshal([]byte(full.Definition), &view.Definition); err != nil {
			view.Problem = "unreadable definition: " + err.Error()
		} else {
			if view.Definition.ScheduleExpressionTimezone != "" {
				view.TimeZone = view.Definition.ScheduleExpressionTimezone
			}
			view.NextFires, view.Problem = nextFires(&view.Definition, full, now)
		}
		fires, err := s.store.ScheduleFireList(ctx, &store.ScheduleFireListParams{ScheduleID: full.ID, Limit: lastFiresShown})
		if err != nil {
			s.renderError(w, err)
			return
		}
		for _, f := range fires {
			lf := lastFire{Fire: f}
			if target := view.Definition.Target.Arn; strings.Contains(target, ":stateMachine:") && f.ExecutionName != "" {
				lf.ExecutionARN = strings.Replace(target, ":stateMachine:", ":execution:", 1) + ":" + f.ExecutionName
				if e, err := s.store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: lf.ExecutionARN}); err == nil {
					lf.Execution = e
				}
			}
			view.LastFires = append(view.LastFires, lf)
		}
		page.Schedules = append(page.Schedules, view)
	}
	s.render(w, http.StatusOK, "schedules", page)
}

// nextFires computes a schedule's next slots from now, as the scheduler will fire them.
func nextFires(def *scheduler.Definition, sc *store.Schedule, now time.Time) ([]fireTime, string) {
	if sc.State != store.ScheduleEnabled {
		return nil, ""
	}
	plan, err := scheduler.NewPlan(def, sc.ID, sc.CreatedDate)
	if err != nil {
		return nil, err.Error()
	}
	loc := time.UTC
	if def.ScheduleExpressionTimezone != "" {
		if loc, err = scheduler.LoadLocation(def.ScheduleExpressionTimezone); err != nil {
			return nil, err.Error()
		}
	}
	var out []fireTime
	slot, ok := plan.FirstSlot(now)
	if sc.NextSlot != nil && sc.NextSlot.Before(now) {
		slot, ok = *sc.NextSlot, true // due and not fired yet
	}
	for ok && len(out) < nextFireTimesShown {
		at := plan.FireAt(slot)
		out = append(out, fireTime{Local: at.In(loc).Format("Mon 2006-01-02 15:04:05 MST"), UTC: at})
		slot, ok = plan.NextSlot(slot)
	}
	return out, ""
}

// indentJSON shows stored JSON indented; text that is not JSON is shown as it is.
func indentJSON(text string) string {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return text
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return text
	}
	return string(out)
}
