package store

import "time"

// The event bus's records (EventBridge): buses, rules, targets and deliveries. The "default"
// bus always exists and is not stored; rules and targets on it are.

// EventBus is a custom event bus.
type EventBus struct {
	Name        string
	ARN         string
	Description string
	CreatedDate time.Time
	UpdatedDate time.Time
}

// EventBusCreateParams creates a bus; an existing name gives an *AlreadyExistsError.
type EventBusCreateParams struct {
	Name        string
	ARN         string
	Description string
	CreatedDate time.Time
}

// EventBusGetParams names the bus to read.
type EventBusGetParams struct{ Name string }

// EventBusListParams lists buses by name, optionally those whose name starts with NamePrefix.
type EventBusListParams struct {
	NamePrefix string
	MaxResults int
	NextToken  string
}

// EventBusListResult is a page of buses.
type EventBusListResult struct {
	EventBuses []*EventBus
	NextToken  string
}

// EventBusDeleteParams deletes a bus with its rules, targets and their tags.
type EventBusDeleteParams struct{ Name string }

// Rule states, as the EventBridge API names them.
const (
	EventRuleEnabled  = "ENABLED"
	EventRuleDisabled = "DISABLED"
)

// EventRule is a rule of a bus: an event pattern (or a schedule expression) and a state.
type EventRule struct {
	BusName            string
	Name               string
	ARN                string
	EventPattern       string
	ScheduleExpression string
	State              string // EventRuleEnabled or EventRuleDisabled
	Description        string
	RoleARN            string
	CreatedDate        time.Time
	UpdatedDate        time.Time
}

// EventRulePutParams creates a rule or replaces the fields of an existing one (keeping its
// CreatedDate and targets): PutRule's upsert.
type EventRulePutParams struct {
	Rule EventRule
}

// EventRuleGetParams names the rule to read.
type EventRuleGetParams struct{ BusName, Name string }

// EventRuleListParams lists rules by name: of one bus, or of all buses when BusName is "".
type EventRuleListParams struct {
	BusName    string
	NamePrefix string
	MaxResults int
	NextToken  string
}

// EventRuleListResult is a page of rules.
type EventRuleListResult struct {
	Rules     []*EventRule
	NextToken string
}

// EventRuleDeleteParams deletes a rule with its targets and its tags.
type EventRuleDeleteParams struct{ BusName, Name string }

// EventTarget is one target of a rule. Config is the target as the API received it (JSON),
// which the event layer reads: input shaping, retry policy, dead-letter configuration.
type EventTarget struct {
	BusName  string
	RuleName string
	ID       string
	ARN      string
	Config   string
}

// EventTargetPutParams adds targets to a rule or replaces those with the same ids; a missing
// rule gives a *NotFoundError.
type EventTargetPutParams struct {
	BusName  string
	RuleName string
	Targets  []EventTarget
}

// EventTargetDeleteParams removes targets of a rule by id; ids it does not have are ignored.
type EventTargetDeleteParams struct {
	BusName  string
	RuleName string
	IDs      []string
}

// EventTargetListParams lists the targets of one rule by id, or of every rule of a bus when
// RuleName is "" (by rule name, then id), or of all buses when BusName is "" too.
type EventTargetListParams struct {
	BusName  string
	RuleName string
}

// Delivery states.
const (
	EventDeliveryPending = "PENDING" // to be tried when NextAttemptAt comes
	EventDeliveryDead    = "DEAD"    // given up and kept as a dead letter
)

// EventDelivery is an accepted event on its way to one target of one rule.
type EventDelivery struct {
	ID            string // unique; the event id, rule and target id make it
	EventID       string
	BusName       string
	RuleName      string
	RuleARN       string
	TargetID      string
	Target        string // the target's Config when the event was accepted
	Event         string // the event (JSON)
	EventTime     time.Time
	State         string // EventDeliveryPending or EventDeliveryDead
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LastError     string
	DeadLetterARN string
	CreatedDate   time.Time
}

// EventDeliveryCreateParams writes deliveries in one transaction: an accepted PutEvents.
// An id that exists already gives an *AlreadyExistsError and writes nothing.
type EventDeliveryCreateParams struct {
	Deliveries []*EventDelivery
}

// EventDeliveryLeaseParams takes up to Limit pending deliveries due at or before Now, oldest
// due first, for Owner: their NextAttemptAt moves to Until, so another node takes them only
// once that lease ran out. Two concurrent callers never get the same delivery.
type EventDeliveryLeaseParams struct {
	Owner string
	Now   time.Time
	Until time.Time
	Limit int
}

// EventDeliveryReleaseParams names the node whose leased deliveries become due at Now.
type EventDeliveryReleaseParams struct {
	Owner string
	Now   time.Time
}

// EventDeliveryDeleteParams removes a delivery that reached its target.
type EventDeliveryDeleteParams struct{ ID string }

// EventDeliveryUpdateParams records a failed attempt: the delivery is tried again at
// NextAttemptAt, or kept as a dead letter (State EventDeliveryDead). A missing delivery gives
// a *NotFoundError.
type EventDeliveryUpdateParams struct {
	ID            string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
}

// EventDeliveryListParams lists deliveries in one state by id, optionally only those kept
// for one dead-letter ARN.
type EventDeliveryListParams struct {
	State         string
	DeadLetterARN string
	MaxResults    int
	NextToken     string
}

// EventDeliveryListResult is a page of deliveries.
type EventDeliveryListResult struct {
	Deliveries []*EventDelivery
	NextToken  string
}
