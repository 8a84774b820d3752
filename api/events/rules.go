package events

import (
	"context"
	"strconv"

	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/store"
)

type testEventPatternInput struct {
	EventPattern string
	Event        string
}

type testEventPatternOutput struct {
	Result bool
}

func (h *handler) testEventPattern(_ context.Context, in *testEventPatternInput) (*testEventPatternOutput, error) {
	if err := required(in.EventPattern, "eventPattern"); err != nil {
		return nil, err
	}
	if err := required(in.Event, "event"); err != nil {
		return nil, err
	}
	ok, err := events.TestEventPattern(in.EventPattern, in.Event)
	if err != nil {
		return nil, fail(err)
	}
	return &testEventPatternOutput{Result: ok}, nil
}

type putRuleInput struct {
	Name               string
	EventPattern       string
	ScheduleExpression string
	State              string
	Description        string
	RoleArn            string
	EventBusName       string
	Tags               []tag
}

type putRuleOutput struct {
	RuleArn string
}

func (h *handler) putRule(ctx context.Context, in *putRuleInput) (*putRuleOutput, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	rule, err := h.bus.PutRule(ctx, &events.PutRuleParams{Name: in.Name, EventBusName: in.EventBusName, EventPattern: in.EventPattern,
		ScheduleExpression: in.ScheduleExpression, State: in.State, Description: in.Description, RoleArn: in.RoleArn})
	if err != nil {
		return nil, fail(err)
	}
	if len(in.Tags) > 0 {
		if err := h.setTags(ctx, rule.ARN, in.Tags); err != nil {
			return nil, err
		}
	}
	return &putRuleOutput{RuleArn: rule.ARN}, nil
}

type ruleInput struct {
	Name         string
	EventBusName string
	Force        bool
}

type ruleOutput struct {
	Name               string
	Arn                string
	EventPattern       string `json:",omitempty"`
	ScheduleExpression string `json:",omitempty"`
	State              string
	Description        string `json:",omitempty"`
	RoleArn            string `json:",omitempty"`
	EventBusName       string
	CreatedBy          string `json:",omitempty"`
}

func (h *handler) ruleOut(r *store.EventRule, account string) *ruleOutput {
	return &ruleOutput{Name: r.Name, Arn: r.ARN, EventPattern: r.EventPattern, ScheduleExpression: r.ScheduleExpression,
		State: r.State, Description: r.Description, RoleArn: r.RoleARN, EventBusName: r.BusName, CreatedBy: account}
}

func (h *handler) describeRule(ctx context.Context, in *ruleInput) (*ruleOutput, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	r, err := h.bus.DescribeRule(ctx, in.Name, in.EventBusName)
	if err != nil {
		return nil, fail(err)
	}
	return h.ruleOut(r, h.bus.Account()), nil
}

type listRulesInput struct {
	NamePrefix   string
	EventBusName string
	NextToken    string
	Limit        *int
}

type listRulesOutput struct {
	Rules     []*ruleOutput
	NextToken string `json:",omitempty"`
}

func (h *handler) listRules(ctx context.Context, in *listRulesInput) (*listRulesOutput, error) {
	if err := checkLimit(in.Limit); err != nil {
		return nil, err
	}
	rules, next, err := h.bus.ListRules(ctx, in.EventBusName, in.NamePrefix, limitOf(in.Limit), in.NextToken)
	if err != nil {
		return nil, fail(err)
	}
	out := &listRulesOutput{Rules: []*ruleOutput{}, NextToken: next}
	for _, r := range rules {
		o := h.ruleOut(r, "")
		out.Rules = append(out.Rules, o)
	}
	return out, nil
}

type empty struct{}

func (h *handler) deleteRule(ctx context.Context, in *ruleInput) (*empty, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := h.bus.DeleteRule(ctx, in.Name, in.EventBusName, in.Force); err != nil {
		return nil, fail(err)
	}
	return &empty{}, nil
}

func (h *handler) enableRule(ctx context.Context, in *ruleInput) (*empty, error) {
	return h.setState(ctx, in, store.EventRuleEnabled)
}

func (h *handler) disableRule(ctx context.Context, in *ruleInput) (*empty, error) {
	return h.setState(ctx, in, store.EventRuleDisabled)
}

func (h *handler) setState(ctx context.Context, in *ruleInput, state string) (*empty, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := h.bus.SetRuleState(ctx, in.Name, in.EventBusName, state); err != nil {
		return nil, fail(err)
	}
	return &empty{}, nil
}

type putTargetsInput struct {
	Rule         string
	EventBusName string
	Targets      []events.Target
}

type targetsOutput struct {
	FailedEntryCount int
	FailedEntries    []events.FailedEntry
}

func (h *handler) putTargets(ctx context.Context, in *putTargetsInput) (*targetsOutput, error) {
	if err := required(in.Rule, "rule"); err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 || len(in.Targets) > 10 {
		return nil, fail(&events.Error{Code: events.CodeValidation, Message: "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10"})
	}
	failed, err := h.bus.PutTargets(ctx, in.Rule, in.EventBusName, in.Targets)
	if err != nil {
		return nil, fail(err)
	}
	return &targetsOutput{FailedEntryCount: len(failed), FailedEntries: append([]events.FailedEntry{}, failed...)}, nil
}

type removeTargetsInput struct {
	Rule         string
	EventBusName string
	Ids          []string
	Force        bool
}

func (h *handler) removeTargets(ctx context.Context, in *removeTargetsInput) (*targetsOutput, error) {
	if err := required(in.Rule, "rule"); err != nil {
		return nil, err
	}
	if len(in.Ids) == 0 || len(in.Ids) > 100 {
		return nil, fail(&events.Error{Code: events.CodeValidation, Message: "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100"})
	}
	failed, err := h.bus.RemoveTargets(ctx, in.Rule, in.EventBusName, in.Ids)
	if err != nil {
		return nil, fail(err)
	}
	return &targetsOutput{FailedEntryCount: len(failed), FailedEntries: append([]events.FailedEntry{}, failed...)}, nil
}

type listTargetsInput struct {
	Rule         string
	EventBusName string
	NextToken    string
	Limit        *int
}

type listTargetsOutput struct {
	Targets   []events.Target
	NextToken string `json:",omitempty"`
}

func (h *handler) listTargetsByRule(ctx context.Context, in *listTargetsInput) (*listTargetsOutput, error) {
	if err := required(in.Rule, "rule"); err != nil {
		return nil, err
	}
	if err := checkLimit(in.Limit); err != nil {
		return nil, err
	}
	targets, err := h.bus.ListTargetsByRule(ctx, in.Rule, in.EventBusName)
	if err != nil {
		return nil, fail(err)
	}
	// A rule has at most five targets: one page holds them; the token is the index to go on from.
	start := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 || n > len(targets) {
			return nil, fail(store.ErrInvalidPageToken)
		}
		start = n
	}
	end := min(len(targets), start+limitOf(in.Limit))
	out := &listTargetsOutput{Targets: append([]events.Target{}, targets[start:end]...)}
	if end < len(targets) {
		out.NextToken = strconv.Itoa(end)
	}
	return out, nil
}
