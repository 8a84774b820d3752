package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/events/pattern"
	"github.com/stepflow/stepflow/store"
)

var (
	ruleNamePattern = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	busNamePattern  = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,256}$`)
	targetIDChars   = regexp.MustCompile(`^[\.\-_A-Za-z0-9]+$`)
)

const (
	ruleNameRule = `Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`
	busNameRule  = `Member must satisfy regular expression pattern: [/\.\-_A-Za-z0-9]+`
)

// BusName resolves an EventBusName parameter (a name or an ARN; "" is the default bus) and
// checks that the bus exists.
func (b *Bus) BusName(ctx context.Context, nameOrARN string) (string, error) {
	name := nameOrARN
	if strings.HasPrefix(name, "arn:") {
		_, after, ok := strings.Cut(name, ":event-bus/")
		if !ok {
			return "", constraint(nameOrARN, "eventBusName", busNameRule)
		}
		name = after
	}
	if name == "" || name == DefaultBusName {
		return DefaultBusName, nil
	}
	if !busNamePattern.MatchString(name) {
		return "", constraint(nameOrARN, "eventBusName", busNameRule)
	}
	if _, err := b.cfg.Store.EventBusGet(ctx, &store.EventBusGetParams{Name: name}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", busNotFound(name)
		}
		return "", err
	}
	return name, nil
}

// CreateEventBus creates a custom bus.
func (b *Bus) CreateEventBus(ctx context.Context, name, description string) (*store.EventBus, error) {
	if name == DefaultBusName {
		return nil, &Error{Code: CodeResourceAlreadyExists, Message: "Event bus default already exists."}
	}
	if !busNamePattern.MatchString(name) {
		return nil, constraint(name, "name", busNameRule)
	}
	bus, err := b.cfg.Store.EventBusCreate(ctx, &store.EventBusCreateParams{Name: name, ARN: b.busARN(name), Description: description, CreatedDate: b.now()})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, &Error{Code: CodeResourceAlreadyExists, Message: "Event bus " + name + " already exists."}
	}
	return bus, err
}

// DescribeEventBus returns a bus; the default bus is made up, created at the zero time.
func (b *Bus) DescribeEventBus(ctx context.Context, nameOrARN string) (*store.EventBus, error) {
	name, err := b.BusName(ctx, nameOrARN)
	if err != nil {
		return nil, err
	}
	if name == DefaultBusName {
		return &store.EventBus{Name: DefaultBusName, ARN: b.busARN(DefaultBusName)}, nil
	}
	return b.cfg.Store.EventBusGet(ctx, &store.EventBusGetParams{Name: name})
}

// DeleteEventBus deletes a custom bus with its rules and targets; deleting one that does not
// exist succeeds, as on AWS.
func (b *Bus) DeleteEventBus(ctx context.Context, name string) error {
	if name == DefaultBusName {
		return validation("Cannot delete event bus default.")
	}
	if !busNamePattern.MatchString(name) {
		return constraint(name, "name", busNameRule)
	}
	err := b.cfg.Store.EventBusDelete(ctx, &store.EventBusDeleteParams{Name: name})
	b.invalidate(name)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// ListEventBuses lists buses by name; the default bus comes first on the first page when
// the prefix admits it.
func (b *Bus) ListEventBuses(ctx context.Context, prefix string, limit int, token string) ([]*store.EventBus, string, error) {
	page, err := b.cfg.Store.EventBusList(ctx, &store.EventBusListParams{NamePrefix: prefix, MaxResults: limit, NextToken: token})
	if err != nil {
		return nil, "", err
	}
	buses := page.EventBuses
	if token == "" && strings.HasPrefix(DefaultBusName, prefix) {
		buses = append([]*store.EventBus{{Name: DefaultBusName, ARN: b.busARN(DefaultBusName)}}, buses...)
	}
	return buses, page.NextToken, nil
}

// PutRuleParams is PutRule's input.
type PutRuleParams struct {
	Name               string
	EventBusName       string
	EventPattern       string
	ScheduleExpression string
	State              string
	Description        string
	RoleArn            string
}

// PutRule creates or updates a rule and returns it.
func (b *Bus) PutRule(ctx context.Context, p *PutRuleParams) (*store.EventRule, error) {
	if !ruleNamePattern.MatchString(p.Name) {
		return nil, constraint(p.Name, "name", ruleNameRule)
	}
	bus, err := b.BusName(ctx, p.EventBusName)
	if err != nil {
		return nil, err
	}
	if p.EventPattern == "" && p.ScheduleExpression == "" {
		return nil, validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if p.ScheduleExpression != "" {
		if err := checkScheduleExpression(bus, p.ScheduleExpression); err != nil {
			return nil, err
		}
	}
	compact := ""
	if p.EventPattern != "" {
		compact = pattern.Compact(p.EventPattern)
		if _, err := pattern.Parse(p.EventPattern); err != nil {
			return nil, &Error{Code: CodeInvalidEventPattern, Message: err.Error()}
		}
	}
	state := p.State
	switch state {
	case "":
		state = store.EventRuleEnabled
	case store.EventRuleEnabled, store.EventRuleDisabled:
	default:
		return nil, constraint(state, "state", "Member must satisfy enum value set: [ENABLED, DISABLED]")
	}
	if len(p.Description) > 512 {
		return nil, constraint(p.Description, "description", "Member must have length less than or equal to 512")
	}
	now := b.now()
	rule, err := b.cfg.Store.EventRulePut(ctx, &store.EventRulePutParams{Rule: store.EventRule{
		BusName: bus, Name: p.Name, ARN: b.ruleARN(bus, p.Name), EventPattern: compact, ScheduleExpression: p.ScheduleExpression,
		State: state, Description: p.Description, RoleARN: p.RoleArn, CreatedDate: now, UpdatedDate: now,
	}})
	b.invalidate(bus)
	if err != nil {
		return nil, err
	}
	if bus == DefaultBusName {
		if err := b.syncRuleSchedule(ctx, rule); err != nil {
			return nil, fmt.Errorf("schedule of rule %s: %w", rule.Name, err)
		}
	}
	return rule, nil
}

// DescribeRule returns a rule.
func (b *Bus) DescribeRule(ctx context.Context, name, busName string) (*store.EventRule, error) {
	bus, err := b.BusName(ctx, busName)
	if err != nil {
		return nil, err
	}
	if !ruleNamePattern.MatchString(name) {
		return nil, constraint(name, "name", ruleNameRule)
	}
	rule, err := b.cfg.Store.EventRuleGet(ctx, &store.EventRuleGetParams{BusName: bus, Name: name})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ruleNotFound(name, bus)
	}
	return rule, err
}

// ListRules lists a bus's rules by name.
func (b *Bus) ListRules(ctx context.Context, busName, prefix string, limit int, token string) ([]*store.EventRule, string, error) {
	bus, err := b.BusName(ctx, busName)
	if err != nil {
		return nil, "", err
	}
	page, err := b.cfg.Store.EventRuleList(ctx, &store.EventRuleListParams{BusName: bus, NamePrefix: prefix, MaxResults: limit, NextToken: token})
	if err != nil {
		return nil, "", err
	}
	return page.Rules, page.NextToken, nil
}

// DeleteRule deletes a rule, which must have no targets unless force is set. A rule that
// does not exist is deleted already.
func (b *Bus) DeleteRule(ctx context.Context, name, busName string, force bool) error {
	bus, err := b.BusName(ctx, busName)
	if err != nil {
		return err
	}
	if !ruleNamePattern.MatchString(name) {
		return constraint(name, "name", ruleNameRule)
	}
	if !force {
		targets, err := b.cfg.Store.EventTargetList(ctx, &store.EventTargetListParams{BusName: bus, RuleName: name})
		if err != nil {
			return err
		}
		if len(targets) > 0 {
			return validation("Rule can't be deleted since it has targets.")
		}
	}
	err = b.cfg.Store.EventRuleDelete(ctx, &store.EventRuleDeleteParams{BusName: bus, Name: name})
	b.invalidate(bus)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if bus == DefaultBusName {
		return b.syncRuleSchedule(ctx, &store.EventRule{BusName: bus, Name: name}) // no expression: no schedule
	}
	return nil
}

// SetRuleState enables or disables a rule.
func (b *Bus) SetRuleState(ctx context.Context, name, busName, state string) error {
	rule, err := b.DescribeRule(ctx, name, busName)
	if err != nil {
		return err
	}
	rule.State, rule.UpdatedDate = state, b.now()
	bus := rule.BusName
	rule, err = b.cfg.Store.EventRulePut(ctx, &store.EventRulePutParams{Rule: *rule})
	b.invalidate(bus)
	if err != nil {
		return err
	}
	if rule.BusName == DefaultBusName {
		return b.syncRuleSchedule(ctx, rule)
	}
	return nil
}

// FailedEntry is a target PutTargets or RemoveTargets could not handle.
type FailedEntry struct {
	TargetId     string
	ErrorCode    string
	ErrorMessage string
}

// PutTargets adds or replaces targets of a rule.
func (b *Bus) PutTargets(ctx context.Context, ruleName, busName string, targets []Target) ([]FailedEntry, error) {
	// The request is checked before the rule is looked up, as AWS validates a request first.
	for i := range targets {
		if err := checkTarget(i, &targets[i]); err != nil {
			return nil, err
		}
	}
	rule, err := b.DescribeRule(ctx, ruleName, busName)
	if err != nil {
		return nil, err
	}
	existing, err := b.cfg.Store.EventTargetList(ctx, &store.EventTargetListParams{BusName: rule.BusName, RuleName: rule.Name})
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, t := range existing {
		ids[t.ID] = true
	}
	rows := make([]store.EventTarget, 0, len(targets))
	for i := range targets {
		t := &targets[i]
		ids[t.Id] = true
		config, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		rows = append(rows, store.EventTarget{ID: t.Id, ARN: t.Arn, Config: string(config)})
	}
	if len(ids) > MaxTargetsPerRule {
		return nil, &Error{Code: CodeLimitExceeded, Message: "The requested resource exceeds the maximum number allowed."}
	}
	err = b.cfg.Store.EventTargetPut(ctx, &store.EventTargetPutParams{BusName: rule.BusName, RuleName: rule.Name, Targets: rows})
	b.invalidate(rule.BusName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ruleNotFound(rule.Name, rule.BusName)
	}
	return nil, err
}

// checkTarget refuses a target that could never be delivered; i is its index in the request.
func checkTarget(i int, t *Target) error {
	if err := checkTargetID(i, t.Id); err != nil {
		return err
	}
	if !strings.Contains(t.Arn, ":states:") || !strings.Contains(t.Arn, ":stateMachine:") {
		return validation("Stepflow delivers events to state machines only; target %s has ARN '%s'.", t.Id, t.Arn)
	}
	shapes := 0
	if t.Input != "" {
		shapes++
		if !json.Valid([]byte(t.Input)) {
			return validation("Input for target %s is not valid JSON text.", t.Id)
		}
	}
	if t.InputPath != "" {
		shapes++
		if _, err := jsonpath.Compile(t.InputPath); err != nil {
			return validation("InputPath for target %s is invalid.", t.Id)
		}
	}
	if it := t.InputTransformer; it != nil {
		shapes++
		if it.InputTemplate == "" || len(it.InputTemplate) > 8192 {
			return constraint(it.InputTemplate, "targets.member.inputTransformer.inputTemplate", "Member must have length between 1 and 8192")
		}
		if len(it.InputPathsMap) > 100 {
			return validation("InputPathsMap for target %s has more than 100 entries.", t.Id)
		}
		for k, path := range it.InputPathsMap {
			if strings.HasPrefix(strings.ToLower(k), "aws.") {
				return validation("InputTransformer for target %s has an InputPathsMap key starting with 'AWS.': %s", t.Id, k)
			}
			if _, err := jsonpath.Compile(path); err != nil {
				return validation("InputPath for target %s is invalid.", t.Id)
			}
		}
		if name := undefinedPlaceholder(it); name != "" {
			return validation("InputTemplate for target %s contains invalid placeholder %s.", t.Id, name)
		}
	}
	if shapes > 1 {
		return validation("Only one of Input, InputPath, or InputTransformer must be provided for target %s.", t.Id)
	}
	if rp := t.RetryPolicy; rp != nil {
		if n := rp.MaximumRetryAttempts; n != nil && (*n < 0 || *n > 185) {
			return constraint(*n, "targets.member.retryPolicy.maximumRetryAttempts", "Member must have value less than or equal to 185")
		}
		if n := rp.MaximumEventAgeInSeconds; n != nil && (*n < 60 || *n > 86400) {
			return constraint(*n, "targets.member.retryPolicy.maximumEventAgeInSeconds", "Member must have value between 60 and 86400")
		}
	}
	return nil
}

// RemoveTargets removes targets of a rule by id.
func (b *Bus) RemoveTargets(ctx context.Context, ruleName, busName string, ids []string) ([]FailedEntry, error) {
	rule, err := b.DescribeRule(ctx, ruleName, busName)
	if err != nil {
		return nil, err
	}
	err = b.cfg.Store.EventTargetDelete(ctx, &store.EventTargetDeleteParams{BusName: rule.BusName, RuleName: rule.Name, IDs: ids})
	b.invalidate(rule.BusName)
	return nil, err
}

// ListTargetsByRule returns a rule's targets by id.
func (b *Bus) ListTargetsByRule(ctx context.Context, ruleName, busName string) ([]Target, error) {
	rule, err := b.DescribeRule(ctx, ruleName, busName)
	if err != nil {
		return nil, err
	}
	rows, err := b.cfg.Store.EventTargetList(ctx, &store.EventTargetListParams{BusName: rule.BusName, RuleName: rule.Name})
	if err != nil {
		return nil, err
	}
	out := make([]Target, 0, len(rows))
	for _, r := range rows {
		var t Target
		if err := json.Unmarshal([]byte(r.Config), &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// ResourceExists says whether an ARN names a bus or rule of this account, for tagging.
func (b *Bus) ResourceExists(ctx context.Context, arn string) error {
	prefix := "arn:" + b.cfg.Scope.Partition + ":events:" + b.cfg.Scope.Region + ":" + b.cfg.Scope.Account + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return &Error{Code: CodeResourceNotFound, Message: "Resource " + arn + " does not exist."}
	}
	if bus, ok := strings.CutPrefix(rest, "event-bus/"); ok {
		_, err := b.BusName(ctx, bus)
		return err
	}
	if rule, ok := strings.CutPrefix(rest, "rule/"); ok {
		bus, name := DefaultBusName, rule
		if i := strings.LastIndexByte(rule, '/'); i >= 0 {
			bus, name = rule[:i], rule[i+1:]
		}
		_, err := b.DescribeRule(ctx, name, bus)
		return err
	}
	return &Error{Code: CodeResourceNotFound, Message: "Resource " + arn + " does not exist."}
}

// placeholderPattern is a placeholder of an InputTemplate: a name in angle brackets.
var placeholderPattern = regexp.MustCompile(`<([A-Za-z0-9_.\-]+)>`)

// undefinedPlaceholder is the first placeholder of the template that names neither a key of
// InputPathsMap nor a predefined variable, which EventBridge refuses at PutTargets.
func undefinedPlaceholder(it *InputTransformer) string {
	for _, m := range placeholderPattern.FindAllStringSubmatch(it.InputTemplate, -1) {
		name := m[1]
		if _, ok := it.InputPathsMap[name]; ok {
			continue
		}
		switch name {
		case varRuleARN, varRuleName, varIngestionTime, varEvent, varEventJSON:
			continue
		}
		return name
	}
	return ""
}

// checkTargetID words a bad target id as AWS's request validation does: each broken
// constraint of targets.N.member.id (N counting from 1), the pattern before the length.
func checkTargetID(i int, id string) error {
	var broken []string
	if !targetIDChars.MatchString(id) {
		broken = append(broken, ruleNameRule)
	}
	if len(id) > 64 {
		broken = append(broken, "Member must have length less than or equal to 64")
	}
	if len(broken) == 0 {
		return nil
	}
	field := fmt.Sprintf("targets.%d.member.id", i+1)
	parts := make([]string, len(broken))
	for j, rule := range broken {
		parts[j] = fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", id, field, rule)
	}
	head := "1 validation error detected: "
	if len(broken) > 1 {
		head = fmt.Sprintf("%d validation errors detected: ", len(broken))
	}
	return validation("%s", head+strings.Join(parts, "; "))
}
