package store

import (
	"context"
	"time"
)

// Store is Stepflow's durable state. Every implementation passes store/storetest.
//
// Methods that look a resource up return a *NotFoundError when it is missing; creates return an
// *AlreadyExistsError when the key is taken; listings take a NextToken from the previous page
// and return ErrInvalidPageToken for one they did not hand out. After Close every method
// returns an error wrapping ErrClosed.
type Store interface {
	StateMachineCreate(ctx context.Context, params *StateMachineCreateParams) (*StateMachine, error)
	StateMachineGetByARN(ctx context.Context, params *StateMachineGetByARNParams) (*StateMachine, error)
	StateMachineList(ctx context.Context, params *StateMachineListParams) (*StateMachineListResult, error)
	StateMachineUpdate(ctx context.Context, params *StateMachineUpdateParams) (*StateMachine, error)
	// StateMachineDelete deletes a state machine with its versions, aliases and their tags.
	// Its executions stay until retention removes them.
	StateMachineDelete(ctx context.Context, params *StateMachineDeleteParams) error

	// StateMachineVersionCreate publishes the state machine's current configuration as the
	// next version number; numbers are never reused, even after a version is deleted.
	StateMachineVersionCreate(ctx context.Context, params *StateMachineVersionCreateParams) (*StateMachineVersion, error)
	StateMachineVersionGetByARN(ctx context.Context, params *StateMachineVersionGetByARNParams) (*StateMachineVersion, error)
	StateMachineVersionList(ctx context.Context, params *StateMachineVersionListParams) (*StateMachineVersionListResult, error)
	StateMachineVersionDelete(ctx context.Context, params *StateMachineVersionDeleteParams) error

	StateMachineAliasCreate(ctx context.Context, params *StateMachineAliasCreateParams) (*StateMachineAlias, error)
	StateMachineAliasGetByARN(ctx context.Context, params *StateMachineAliasGetByARNParams) (*StateMachineAlias, error)
	StateMachineAliasList(ctx context.Context, params *StateMachineAliasListParams) (*StateMachineAliasListResult, error)
	StateMachineAliasUpdate(ctx context.Context, params *StateMachineAliasUpdateParams) (*StateMachineAlias, error)
	StateMachineAliasDelete(ctx context.Context, params *StateMachineAliasDeleteParams) error

	// TagSet adds tags to a resource, replacing the values of keys it has already.
	TagSet(ctx context.Context, params *TagSetParams) error
	// TagDelete removes the given keys; keys the resource does not have are ignored.
	TagDelete(ctx context.Context, params *TagDeleteParams) error
	// TagList returns a resource's tags sorted by key (none for an unknown ARN).
	TagList(ctx context.Context, params *TagListParams) ([]Tag, error)

	ActivityCreate(ctx context.Context, params *ActivityCreateParams) (*Activity, error)
	ActivityGetByARN(ctx context.Context, params *ActivityGetByARNParams) (*Activity, error)
	ActivityList(ctx context.Context, params *ActivityListParams) (*ActivityListResult, error)
	ActivityDelete(ctx context.Context, params *ActivityDeleteParams) error

	// ExecutionCreate inserts an execution at version 1 together with its first step
	// (ExecutionStarted and whatever followed, the first snapshot, timers, dispatches, tokens).
	ExecutionCreate(ctx context.Context, params *ExecutionCreateParams) (*Execution, error)
	ExecutionGetByARN(ctx context.Context, params *ExecutionGetByARNParams) (*Execution, error)
	// ExecutionList lists executions newest first (by start date, then ARN), optionally of one
	// state machine, version or alias and in one status. Recovery lists StatusRunning.
	ExecutionList(ctx context.Context, params *ExecutionListParams) (*ExecutionListResult, error)
	// RecoveryCheckList returns, in ARN order after the ARN after ("" for the first), up to
	// limit (at most MaxRecoveryChecks) ARNs of the Standard executions that were running when
	// the store was upgraded to schema 12: the only ones whose end may be in their snapshot but
	// not yet in their status (see the migration). RecoveryCheckDelete removes ARNs from that
	// list once they were looked at.
	RecoveryCheckList(ctx context.Context, after string, limit int) ([]string, error)
	RecoveryCheckDelete(ctx context.Context, arns []string) error
	// ExecutionTimingList lists the status, start and stop of one state machine's executions
	// that started in a time range, newest first, without their payloads: what performance
	// charts are drawn from.
	ExecutionTimingList(ctx context.Context, params *ExecutionTimingListParams) (*ExecutionTimingListResult, error)
	// PerformanceList reads the performance rollups of one state machine in a range: as many
	// rows as the range has buckets, however many executions ran (see PerformanceListParams).
	PerformanceList(ctx context.Context, params *PerformanceListParams) (*PerformanceList, error)
	// PerformanceDeleteBefore deletes old rollup buckets (see PerformanceDeleteBeforeParams)
	// and returns how many it deleted.
	PerformanceDeleteBefore(ctx context.Context, params *PerformanceDeleteBeforeParams) (int, error)
	// ExecutionCount counts the executions of one status (of every state machine) that
	// started at or after a time, reading at most Limit index entries: the UI's home page.
	ExecutionCount(ctx context.Context, params *ExecutionCountParams) (*ExecutionCountResult, error)
	// ExecutionSnapshotGet returns the interpreter's snapshot and the version to step from.
	ExecutionSnapshotGet(ctx context.Context, params *ExecutionSnapshotGetParams) (*ExecutionSnapshot, error)
	// ExecutionStep commits one step in one transaction if the execution is still at
	// params.ExpectedVersion, leaving it at ExpectedVersion+1; otherwise it returns a
	// *ConflictError and writes nothing.
	ExecutionStep(ctx context.Context, params *ExecutionStepParams) error
	// ExecutionStepBatch commits many steps in one transaction (one fsync). errs[i] is the
	// outcome of steps[i]: nil, a *ConflictError or a *NotFoundError; those steps wrote nothing
	// and the others committed. Steps of one execution are applied in batch order, so they
	// chain their versions. A non-nil second result means nothing was committed: a database
	// failure, or a step that repeats an event id or task token (an *AlreadyExistsError).
	ExecutionStepBatch(ctx context.Context, steps []*ExecutionStepParams) (errs []error, err error)

	// ChildExecutionGetByARN returns a Distributed Map child execution (a *NotFoundError of
	// ResourceExecution when there is none).
	ChildExecutionGetByARN(ctx context.Context, params *ChildExecutionGetByARNParams) (*ChildExecution, error)
	// ChildExecutionList lists one map run's child executions, newest first.
	ChildExecutionList(ctx context.Context, params *ChildExecutionListParams) (*ChildExecutionListResult, error)
	// ChildHistoryEventList pages through a child execution's history as HistoryEventList does
	// an execution's.
	ChildHistoryEventList(ctx context.Context, params *HistoryEventListParams) (*HistoryEventListResult, error)
	// ExecutionDeleteFinishedBefore deletes up to Limit executions that stopped before Before,
	// with their history, snapshot and leftovers; it returns how many it deleted.
	ExecutionDeleteFinishedBefore(ctx context.Context, params *ExecutionDeleteFinishedBeforeParams) (int, error)

	// DefinitionPut stores a definition under the hex SHA-256 of its text; storing one that is
	// there already does nothing. Definitions are never deleted.
	DefinitionPut(ctx context.Context, params *DefinitionPutParams) error
	// DefinitionGet returns the definition stored under Hash, or a *NotFoundError.
	DefinitionGet(ctx context.Context, params *DefinitionGetParams) (string, error)

	// HistoryEventList reads an execution's history by event id, a page at a time.
	HistoryEventList(ctx context.Context, params *HistoryEventListParams) (*HistoryEventListResult, error)

	// TimerListDue lists timers whose FireAt is at or before Now, earliest first.
	TimerListDue(ctx context.Context, params *TimerListDueParams) ([]*Timer, error)

	// DispatchLease takes up to Limit dispatches of one queue that nobody holds or whose lease
	// expired at or before Now, oldest first, leases them to Owner until Until and counts an
	// attempt. Two concurrent callers never get the same dispatch.
	DispatchLease(ctx context.Context, params *DispatchLeaseParams) ([]*Dispatch, error)
	// DispatchRenew moves the lease of the named dispatches that Owner still holds to Until:
	// a node renews the tasks it is running, so that no other node takes them while they
	// run. It returns the dispatches it renewed (one gone or taken by another is left out).
	DispatchRenew(ctx context.Context, params *DispatchRenewParams) ([]DispatchKey, error)
	// DispatchRelease ends the unexpired leases Owner holds on Queue's dispatches and
	// returns how many it freed.
	DispatchRelease(ctx context.Context, params *DispatchReleaseParams) (int, error)
	// DispatchCountWaiting counts the dispatches of one queue that a DispatchLease at Now
	// could take: an activity's tasks waiting for a worker.
	DispatchCountWaiting(ctx context.Context, params *DispatchCountWaitingParams) (int, error)

	TaskTokenGet(ctx context.Context, params *TaskTokenGetParams) (*TaskToken, error)
	// TaskTokenHeartbeat moves an open token's heartbeat deadline; a closed or unknown token
	// gives a *NotFoundError.
	TaskTokenHeartbeat(ctx context.Context, params *TaskTokenHeartbeatParams) error

	EventBusCreate(ctx context.Context, params *EventBusCreateParams) (*EventBus, error)
	EventBusGet(ctx context.Context, params *EventBusGetParams) (*EventBus, error)
	EventBusList(ctx context.Context, params *EventBusListParams) (*EventBusListResult, error)
	// EventBusDelete deletes a bus with its rules, their targets and the tags of both.
	EventBusDelete(ctx context.Context, params *EventBusDeleteParams) error

	EventRulePut(ctx context.Context, params *EventRulePutParams) (*EventRule, error)
	EventRuleGet(ctx context.Context, params *EventRuleGetParams) (*EventRule, error)
	EventRuleList(ctx context.Context, params *EventRuleListParams) (*EventRuleListResult, error)
	// EventRuleDelete deletes a rule with its targets and tags.
	EventRuleDelete(ctx context.Context, params *EventRuleDeleteParams) error

	EventTargetPut(ctx context.Context, params *EventTargetPutParams) error
	EventTargetDelete(ctx context.Context, params *EventTargetDeleteParams) error
	EventTargetList(ctx context.Context, params *EventTargetListParams) ([]*EventTarget, error)

	// EventDeliveryCreate writes an accepted PutEvents' deliveries in one transaction.
	EventDeliveryCreate(ctx context.Context, params *EventDeliveryCreateParams) error
	// EventDeliveryLease takes due deliveries for one node (see EventDeliveryLeaseParams).
	EventDeliveryLease(ctx context.Context, params *EventDeliveryLeaseParams) ([]*EventDelivery, error)
	// EventDeliveryRelease makes the pending deliveries Owner holds due at Now: a node that
	// restarts takes back at once what it held when it stopped. It returns how many.
	EventDeliveryRelease(ctx context.Context, params *EventDeliveryReleaseParams) (int, error)
	EventDeliveryDelete(ctx context.Context, params *EventDeliveryDeleteParams) error
	EventDeliveryUpdate(ctx context.Context, params *EventDeliveryUpdateParams) error
	EventDeliveryList(ctx context.Context, params *EventDeliveryListParams) (*EventDeliveryListResult, error)

	// PrincipalCreate creates a user or role; an ARN, name or id already taken gives an
	// *AlreadyExistsError.
	PrincipalCreate(ctx context.Context, params *PrincipalCreateParams) (*Principal, error)
	// PrincipalGetByARN returns a principal with its inline policies.
	PrincipalGetByARN(ctx context.Context, params *PrincipalGetByARNParams) (*Principal, error)
	// PrincipalList lists the principals of a kind by ARN, with their policies.
	PrincipalList(ctx context.Context, params *PrincipalListParams) ([]*Principal, error)
	// PrincipalDelete deletes a principal with its policies, tags and access keys.
	PrincipalDelete(ctx context.Context, params *PrincipalDeleteParams) error
	// PrincipalPolicyPut adds or replaces an inline policy of an existing principal.
	PrincipalPolicyPut(ctx context.Context, params *PrincipalPolicyPutParams) error
	// PrincipalPolicyDelete removes an inline policy; a *NotFoundError if it has none by that name.
	PrincipalPolicyDelete(ctx context.Context, params *PrincipalPolicyDeleteParams) error

	// AccessKeyCreate adds an access key to an existing principal.
	AccessKeyCreate(ctx context.Context, params *AccessKeyCreateParams) (*AccessKey, error)
	// AccessKeyGet reads a key as it is now: every server sharing the database sees a status
	// change or a deletion at its next request.
	AccessKeyGet(ctx context.Context, params *AccessKeyGetParams) (*AccessKey, error)
	AccessKeyList(ctx context.Context, params *AccessKeyListParams) ([]*AccessKey, error)
	AccessKeyUpdate(ctx context.Context, params *AccessKeyUpdateParams) error
	AccessKeyDelete(ctx context.Context, params *AccessKeyDeleteParams) error

	ScheduleGroupCreate(ctx context.Context, params *ScheduleGroupCreateParams) (*ScheduleGroup, error)
	ScheduleGroupGet(ctx context.Context, params *ScheduleGroupGetParams) (*ScheduleGroup, error)
	ScheduleGroupList(ctx context.Context, params *ScheduleGroupListParams) (*ScheduleGroupListResult, error)
	// ScheduleGroupDelete deletes a group with its schedules, their fires and its tags.
	ScheduleGroupDelete(ctx context.Context, params *ScheduleGroupDeleteParams) error

	ScheduleCreate(ctx context.Context, params *ScheduleCreateParams) (*Schedule, error)
	ScheduleGet(ctx context.Context, params *ScheduleGetParams) (*Schedule, error)
	ScheduleUpdate(ctx context.Context, params *ScheduleUpdateParams) (*Schedule, error)
	ScheduleDelete(ctx context.Context, params *ScheduleDeleteParams) error
	ScheduleList(ctx context.Context, params *ScheduleListParams) (*ScheduleListResult, error)
	// ScheduleDue lists enabled schedules whose next slot is due (see ScheduleDueParams).
	ScheduleDue(ctx context.Context, params *ScheduleDueParams) ([]*Schedule, error)
	// ScheduleFire fires a slot at most once (see ScheduleFireParams).
	ScheduleFire(ctx context.Context, params *ScheduleFireParams) (*ScheduleFireResult, error)
	ScheduleFireList(ctx context.Context, params *ScheduleFireListParams) ([]*ScheduleFire, error)

	WebhookCreate(ctx context.Context, params *WebhookCreateParams) (*Webhook, error)
	WebhookGet(ctx context.Context, params *WebhookGetParams) (*Webhook, error)
	WebhookList(ctx context.Context, params *WebhookListParams) ([]*Webhook, error)
	WebhookDelete(ctx context.Context, params *WebhookDeleteParams) error
	// WebhookSignatureTake records an accepted signature; one held already is a replay.
	WebhookSignatureTake(ctx context.Context, params *WebhookSignatureTakeParams) error
	WebhookSignatureRelease(ctx context.Context, params *WebhookSignatureReleaseParams) error

	// Close releases the database; methods called afterwards return ErrClosed.
	Close() error
}

// DefaultPageSize is the page size of listings whose MaxResults is 0.
const DefaultPageSize = 100

// MaxPageSize caps MaxResults, as AWS does.
const MaxPageSize = 1000

// PageSize returns the page size for a MaxResults value: DefaultPageSize for 0 or less,
// MaxPageSize at most.
func PageSize(maxResults int) int {
	switch {
	case maxResults <= 0:
		return DefaultPageSize
	case maxResults > MaxPageSize:
		return MaxPageSize
	}
	return maxResults
}

// Stamp returns t as stores keep it: UTC, to the microsecond. Compare with stored times
// through it.
func Stamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}
