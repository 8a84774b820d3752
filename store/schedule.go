package store

import "time"

// EventBridge Scheduler's records: schedule groups, schedules and their fires. The "default"
// group always exists and is not stored; schedules in it are.

// ScheduleGroup is a schedule group other than "default".
type ScheduleGroup struct {
	Name         string
	ARN          string
	CreatedDate  time.Time
	ModifiedDate time.Time
}

// ScheduleGroupCreateParams creates a group; an existing name gives an *AlreadyExistsError.
type ScheduleGroupCreateParams struct {
	Name        string
	ARN         string
	CreatedDate time.Time
}

// ScheduleGroupGetParams names the group to read.
type ScheduleGroupGetParams struct{ Name string }

// ScheduleGroupListParams lists groups by name, optionally those starting with NamePrefix.
type ScheduleGroupListParams struct {
	NamePrefix string
	MaxResults int
	NextToken  string
}

// ScheduleGroupListResult is a page of groups.
type ScheduleGroupListResult struct {
	Groups    []*ScheduleGroup
	NextToken string
}

// ScheduleGroupDeleteParams deletes a group with its schedules, their fires and its tags.
type ScheduleGroupDeleteParams struct{ Name string }

// Schedule states, as the Scheduler API names them.
const (
	ScheduleEnabled  = "ENABLED"
	ScheduleDisabled = "DISABLED"
)

// Schedule is one schedule. Definition is the schedule as the API received it (JSON), which
// the scheduler reads: expression, time zone, dates, window, target. NextSlot is the next
// time the expression names (nil when none is left) and NextFireAt when that slot fires.
type Schedule struct {
	GroupName    string
	Name         string
	ID           string // new for each schedule created: fires and execution names use it
	ARN          string
	State        string
	Definition   string
	NextSlot     *time.Time
	NextFireAt   *time.Time
	Version      int64 // counts every change; a fire names the version it read
	CreatedDate  time.Time
	ModifiedDate time.Time
}

// ScheduleCreateParams creates a schedule (its Version becomes 1). An existing name in the
// group gives an *AlreadyExistsError, a group that does not exist a *NotFoundError
// (the default group always exists).
type ScheduleCreateParams struct{ Schedule Schedule }

// ScheduleGetParams names the schedule to read.
type ScheduleGetParams struct{ GroupName, Name string }

// ScheduleUpdateParams replaces a schedule's state, definition and next slot, keeping its
// id and creation date, and counts its version up. A missing schedule gives a
// *NotFoundError.
type ScheduleUpdateParams struct {
	GroupName    string
	Name         string
	State        string
	Definition   string
	NextSlot     *time.Time
	NextFireAt   *time.Time
	ModifiedDate time.Time
}

// ScheduleDeleteParams deletes a schedule with its fires.
type ScheduleDeleteParams struct{ GroupName, Name string }

// ScheduleListParams lists schedules by group and name: of one group, or of all when
// GroupName is ""; optionally those whose name starts with NamePrefix, and in one State.
type ScheduleListParams struct {
	GroupName  string
	NamePrefix string
	State      string
	MaxResults int
	NextToken  string
}

// ScheduleListResult is a page of schedules.
type ScheduleListResult struct {
	Schedules []*Schedule
	NextToken string
}

// ScheduleDueParams asks for up to Limit enabled schedules whose next slot fires at or
// before Now, soonest first.
type ScheduleDueParams struct {
	Now   time.Time
	Limit int
}

// ScheduleFireParams fires one slot of a schedule, in one transaction:
//   - the schedule moves on to NextSlot/NextFireAt (nil: none left) only if its Version is
//     still the one the caller read; otherwise nothing is written and Fired is false;
//   - a fire row keyed by (schedule id, Slot) is written; if the slot has fired already,
//     the schedule still moves on but no delivery is written and Fired is false;
//   - Delivery, when not nil, and Deliveries are written with the fire: they start the
//     targets;
//   - Delete removes the schedule after the fire (ActionAfterCompletion DELETE).
type ScheduleFireParams struct {
	GroupName     string
	Name          string
	Version       int64
	Slot          time.Time
	NextSlot      *time.Time
	NextFireAt    *time.Time
	FiredAt       time.Time
	ExecutionName string
	Delivery      *EventDelivery
	Deliveries    []*EventDelivery
	Delete        bool
}

// EventRuleScheduleGroup holds the schedules of EventBridge's scheduled rules (PutRule with
// a ScheduleExpression): a group that needs no row and that the Scheduler API cannot name
// (its names are [0-9a-zA-Z-_.]+), so its schedules are the event bus's own.
const EventRuleScheduleGroup = "~eventbridge-rules"

// ScheduleFireResult says whether the slot fired now.
type ScheduleFireResult struct{ Fired bool }

// ScheduleFire is one fired slot of a schedule.
type ScheduleFire struct {
	ScheduleID    string
	Slot          time.Time
	FiredAt       time.Time
	ExecutionName string
}

// ScheduleFireListParams lists a schedule's latest fires, newest slot first.
type ScheduleFireListParams struct {
	ScheduleID string
	Limit      int
}
