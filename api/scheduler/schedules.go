package scheduler

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/scheduler"
	"github.com/stepflow/stepflow/store"
)

// scheduleInput is CreateSchedule's and UpdateSchedule's body.
type scheduleInput struct {
	ActionAfterCompletion      string                        `json:"ActionAfterCompletion"`
	ClientToken                string                        `json:"ClientToken"`
	Description                string                        `json:"Description"`
	EndDate                    *epoch                        `json:"EndDate"`
	FlexibleTimeWindow         *scheduler.FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	GroupName                  string                        `json:"GroupName"`
	KmsKeyArn                  string                        `json:"KmsKeyArn"`
	ScheduleExpression         string                        `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string                        `json:"ScheduleExpressionTimezone"`
	StartDate                  *epoch                        `json:"StartDate"`
	State                      string                        `json:"State"`
	Target                     *scheduler.Target             `json:"Target"`
}

type scheduleARNOutput struct {
	ScheduleArn string `json:"ScheduleArn"`
}

func missing(field string) error {
	return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
}

// definition checks an input and returns the definition to store and the state.
func (h *handler) definition(in *scheduleInput) (*scheduler.Definition, string, error) {
	switch {
	case in.ScheduleExpression == "":
		return nil, "", missing("scheduleExpression")
	case in.FlexibleTimeWindow == nil:
		return nil, "", missing("flexibleTimeWindow")
	case in.Target == nil:
		return nil, "", missing("target")
	case in.Target.Arn == "":
		return nil, "", missing("target.arn")
	case in.Target.RoleArn == "":
		return nil, "", missing("target.roleArn")
	}
	if len(in.ScheduleExpression) > 256 {
		return nil, "", validation("1 validation error detected: Value at 'scheduleExpression' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	if _, err := scheduler.ParseExpression(in.ScheduleExpression); err != nil {
		return nil, "", validation("Invalid Schedule Expression %s.", in.ScheduleExpression)
	}
	if in.ScheduleExpressionTimezone != "" {
		if _, err := scheduler.LoadLocation(in.ScheduleExpressionTimezone); err != nil {
			return nil, "", validation("Invalid time zone: %s.", in.ScheduleExpressionTimezone)
		}
	}
	w := in.FlexibleTimeWindow
	switch w.Mode {
	case scheduler.WindowOff:
		if w.MaximumWindowInMinutes != nil {
			return nil, "", validation("MaximumWindowInMinutes must not be provided when Mode is OFF.")
		}
	case scheduler.WindowFlexible:
		if w.MaximumWindowInMinutes == nil {
			return nil, "", validation("MaximumWindowInMinutes must be provided when Mode is FLEXIBLE.")
		}
		if m := *w.MaximumWindowInMinutes; m < 1 || m > 1440 {
			return nil, "", validation("1 validation error detected: Value '%d' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must have value between 1 and 1440", m)
		}
	default:
		return nil, "", validation("1 validation error detected: Value '%s' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]", w.Mode)
	}
	if !strings.HasPrefix(in.Target.Arn, "arn:") || !strings.Contains(in.Target.Arn, ":states:") || !strings.Contains(in.Target.Arn, ":stateMachine:") {
		return nil, "", validation("Stepflow's Scheduler starts state machines only (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME); target %s is not one.", in.Target.Arn)
	}
	if rp := in.Target.RetryPolicy; rp != nil {
		if a := rp.MaximumEventAgeInSeconds; a != nil && (*a < 60 || *a > 86400) {
			return nil, "", validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400", *a)
		}
		if a := rp.MaximumRetryAttempts; a != nil && (*a < 0 || *a > 185) {
			return nil, "", validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value between 0 and 185", *a)
		}
	}
	if in.Target.Input != "" && !json.Valid([]byte(in.Target.Input)) && !strings.Contains(in.Target.Input, "<aws.scheduler.") {
		return nil, "", validation("Target Input must be valid JSON for a state machine target.")
	}
	state := in.State
	switch state {
	case "":
		state = store.ScheduleEnabled
	case store.ScheduleEnabled, store.ScheduleDisabled:
	default:
		return nil, "", validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", state)
	}
	action := in.ActionAfterCompletion
	switch action {
	case "":
		action = scheduler.CompletionNone
	case scheduler.CompletionNone, scheduler.CompletionDelete:
	default:
		return nil, "", validation("1 validation error detected: Value '%s' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]", action)
	}
	if len(in.Description) > 512 {
		return nil, "", validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512")
	}
	start, end := fromEpoch(in.StartDate), fromEpoch(in.EndDate)
	if start != nil && end != nil && !end.After(*start) {
		return nil, "", validation("The StartDate must come before the EndDate.")
	}
	return &scheduler.Definition{ScheduleExpression: in.ScheduleExpression, ScheduleExpressionTimezone: in.ScheduleExpressionTimezone,
		StartDate: start, EndDate: end, FlexibleTimeWindow: *w, Target: *in.Target, Description: in.Description,
		ActionAfterCompletion: action, KmsKeyArn: in.KmsKeyArn}, state, nil
}

// firstSlot is where a new or changed schedule starts: its first slot from now.
func firstSlot(def *scheduler.Definition, id string, created, now time.Time) (slot, fireAt *time.Time, err error) {
	plan, err := scheduler.NewPlan(def, id, created)
	if err != nil {
		return nil, nil, err
	}
	s, ok := plan.FirstSlot(now)
	if !ok {
		return nil, nil, nil
	}
	f := plan.FireAt(s)
	return &s, &f, nil
}

func (h *handler) createSchedule(ctx context.Context, name string, r *api.RESTRequest) (any, error) {
	var in scheduleInput
	if err := decode(r.Body, &in); err != nil {
		return nil, err
	}
	if err := checkName(name, "name"); err != nil {
		return nil, err
	}
	group, err := h.group(in.GroupName)
	if err != nil {
		return nil, err
	}
	def, state, err := h.definition(&in)
	if err != nil {
		return nil, err
	}
	text, _ := json.Marshal(def)
	now := store.Stamp(h.now())
	id := newID()
	slot, fireAt, err := firstSlot(def, id, now, now)
	if err != nil {
		return nil, err
	}
	sc, err := h.store.ScheduleCreate(ctx, &store.ScheduleCreateParams{Schedule: store.Schedule{GroupName: group, Name: name, ID: id,
		ARN: h.arnPrefix() + "schedule/" + group + "/" + name, State: state, Definition: string(text), NextSlot: slot, NextFireAt: fireAt,
		CreatedDate: now}})
	if err != nil {
		var nf *store.NotFoundError
		if isNotFound(err, &nf) && nf.Resource == store.ResourceScheduleGroup {
			return nil, notFound("Schedule group %s does not exist.", group)
		}
		return nil, storeError(err, "Schedule "+name)
	}
	return &scheduleARNOutput{ScheduleArn: sc.ARN}, nil
}

func (h *handler) updateSchedule(ctx context.Context, name string, r *api.RESTRequest) (any, error) {
	var in scheduleInput
	if err := decode(r.Body, &in); err != nil {
		return nil, err
	}
	group, err := h.group(in.GroupName)
	if err != nil {
		return nil, err
	}
	def, state, err := h.definition(&in)
	if err != nil {
		return nil, err
	}
	old, err := h.store.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: group, Name: name})
	if err != nil {
		return nil, storeError(err, "Schedule "+name)
	}
	text, _ := json.Marshal(def)
	now := store.Stamp(h.now())
	slot, fireAt, err := firstSlot(def, old.ID, old.CreatedDate, now)
	if err != nil {
		return nil, err
	}
	sc, err := h.store.ScheduleUpdate(ctx, &store.ScheduleUpdateParams{GroupName: group, Name: name, State: state,
		Definition: string(text), NextSlot: slot, NextFireAt: fireAt, ModifiedDate: now})
	if err != nil {
		return nil, storeError(err, "Schedule "+name)
	}
	return &scheduleARNOutput{ScheduleArn: sc.ARN}, nil
}

// scheduleOutput is GetSchedule's answer.
type scheduleOutput struct {
	ActionAfterCompletion      string                       `json:"ActionAfterCompletion,omitempty"`
	Arn                        string                       `json:"Arn"`
	CreationDate               epoch                        `json:"CreationDate"`
	Description                string                       `json:"Description,omitempty"`
	EndDate                    *epoch                       `json:"EndDate,omitempty"`
	FlexibleTimeWindow         scheduler.FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	GroupName                  string                       `json:"GroupName"`
	KmsKeyArn                  string                       `json:"KmsKeyArn,omitempty"`
	LastModificationDate       epoch                        `json:"LastModificationDate"`
	Name                       string                       `json:"Name"`
	ScheduleExpression         string                       `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string                       `json:"ScheduleExpressionTimezone,omitempty"`
	StartDate                  *epoch                       `json:"StartDate,omitempty"`
	State                      string                       `json:"State"`
	Target                     scheduler.Target             `json:"Target"`
}

func (h *handler) getSchedule(ctx context.Context, name string, r *api.RESTRequest) (any, error) {
	group, err := h.group(r.Query.Get("groupName"))
	if err != nil {
		return nil, err
	}
	sc, err := h.store.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: group, Name: name})
	if err != nil {
		return nil, storeError(err, "Schedule "+name)
	}
	var def scheduler.Definition
	if err := json.Unmarshal([]byte(sc.Definition), &def); err != nil {
		return nil, err
	}
	return &scheduleOutput{ActionAfterCompletion: def.ActionAfterCompletion, Arn: sc.ARN, CreationDate: toEpoch(sc.CreatedDate),
		Description: def.Description, EndDate: optEpoch(def.EndDate), FlexibleTimeWindow: def.FlexibleTimeWindow, GroupName: sc.GroupName,
		KmsKeyArn: def.KmsKeyArn, LastModificationDate: toEpoch(sc.ModifiedDate), Name: sc.Name, ScheduleExpression: def.ScheduleExpression,
		ScheduleExpressionTimezone: def.ScheduleExpressionTimezone, StartDate: optEpoch(def.StartDate), State: sc.State, Target: def.Target}, nil
}

func (h *handler) deleteSchedule(ctx context.Context, name string, r *api.RESTRequest) (any, error) {
	group, err := h.group(r.Query.Get("groupName"))
	if err != nil {
		return nil, err
	}
	if err := h.store.ScheduleDelete(ctx, &store.ScheduleDeleteParams{GroupName: group, Name: name}); err != nil {
		return nil, storeError(err, "Schedule "+name)
	}
	return &struct{}{}, nil
}

type scheduleSummary struct {
	Arn                  string `json:"Arn"`
	CreationDate         epoch  `json:"CreationDate"`
	GroupName            string `json:"GroupName"`
	LastModificationDate epoch  `json:"LastModificationDate"`
	Name                 string `json:"Name"`
	State                string `json:"State"`
	Target               struct {
		Arn string `json:"Arn"`
	} `json:"Target"`
}

type listSchedulesOutput struct {
	NextToken string            `json:"NextToken,omitempty"`
	Schedules []scheduleSummary `json:"Schedules"`
}

func (h *handler) listSchedules(ctx context.Context, r *api.RESTRequest) (any, error) {
	limit, err := maxResults(r)
	if err != nil {
		return nil, err
	}
	state := r.Query.Get("State")
	if state != "" && state != store.ScheduleEnabled && state != store.ScheduleDisabled {
		return nil, validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", state)
	}
	page, err := h.store.ScheduleList(ctx, &store.ScheduleListParams{GroupName: r.Query.Get("ScheduleGroup"),
		NamePrefix: r.Query.Get("NamePrefix"), State: state, MaxResults: limit, NextToken: r.Query.Get("NextToken")})
	if err != nil {
		return nil, storeError(err, "")
	}
	out := &listSchedulesOutput{NextToken: page.NextToken, Schedules: []scheduleSummary{}}
	for _, sc := range page.Schedules {
		if sc.GroupName == store.EventRuleScheduleGroup {
			continue // the event bus's scheduled rules, not the Scheduler's schedules
		}
		var def scheduler.Definition
		_ = json.Unmarshal([]byte(sc.Definition), &def)
		s := scheduleSummary{Arn: sc.ARN, CreationDate: toEpoch(sc.CreatedDate), GroupName: sc.GroupName,
			LastModificationDate: toEpoch(sc.ModifiedDate), Name: sc.Name, State: sc.State}
		s.Target.Arn = def.Target.Arn
		out.Schedules = append(out.Schedules, s)
	}
	return out, nil
}
