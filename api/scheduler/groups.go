package scheduler

import (
	"context"
	"errors"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/store"
)

func isNotFound(err error, target **store.NotFoundError) bool { return errors.As(err, target) }

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type createGroupInput struct {
	ClientToken string `json:"ClientToken"`
	Tags        []tag  `json:"Tags"`
}

type groupOutput struct {
	Arn                  string `json:"Arn"`
	CreationDate         epoch  `json:"CreationDate"`
	LastModificationDate epoch  `json:"LastModificationDate"`
	Name                 string `json:"Name"`
	State                string `json:"State"`
}

func (h *handler) groupARN(name string) string { return h.arnPrefix() + "schedule-group/" + name }

// defaultGroup is the group every account has; its dates are those of the epoch, as it
// was never created.
func (h *handler) defaultGroup() *groupOutput {
	return &groupOutput{Arn: h.groupARN(DefaultGroup), Name: DefaultGroup, State: "ACTIVE"}
}

func (h *handler) createGroup(ctx context.Context, name string, r *api.RESTRequest) (any, error) {
	var in createGroupInput
	if err := decode(r.Body, &in); err != nil {
		return nil, err
	}
	if err := checkName(name, "name"); err != nil {
		return nil, err
	}
	if name == DefaultGroup {
		return nil, conflict("Schedule group %s already exists.", name)
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	g, err := h.store.ScheduleGroupCreate(ctx, &store.ScheduleGroupCreateParams{Name: name, ARN: h.groupARN(name), CreatedDate: h.now()})
	if err != nil {
		return nil, storeError(err, "Schedule group "+name)
	}
	if len(in.Tags) > 0 {
		if err := h.store.TagSet(ctx, &store.TagSetParams{ResourceARN: g.ARN, Tags: storeTags(in.Tags)}); err != nil {
			return nil, err
		}
	}
	return &struct {
		ScheduleGroupArn string `json:"ScheduleGroupArn"`
	}{g.ARN}, nil
}

func (h *handler) getGroup(ctx context.Context, name string) (any, error) {
	if name == DefaultGroup {
		return h.defaultGroup(), nil
	}
	g, err := h.store.ScheduleGroupGet(ctx, &store.ScheduleGroupGetParams{Name: name})
	if err != nil {
		return nil, storeError(err, "Schedule group "+name)
	}
	return &groupOutput{Arn: g.ARN, CreationDate: toEpoch(g.CreatedDate), LastModificationDate: toEpoch(g.ModifiedDate), Name: g.Name, State: "ACTIVE"}, nil
}

func (h *handler) deleteGroup(ctx context.Context, name string) (any, error) {
	if name == DefaultGroup {
		return nil, validation("The default schedule group cannot be deleted.")
	}
	if err := h.store.ScheduleGroupDelete(ctx, &store.ScheduleGroupDeleteParams{Name: name}); err != nil {
		return nil, storeError(err, "Schedule group "+name)
	}
	return &struct{}{}, nil
}

func (h *handler) listGroups(ctx context.Context, r *api.RESTRequest) (any, error) {
	limit, err := maxResults(r)
	if err != nil {
		return nil, err
	}
	prefix, token := r.Query.Get("NamePrefix"), r.Query.Get("NextToken")
	out := struct {
		NextToken      string         `json:"NextToken,omitempty"`
		ScheduleGroups []*groupOutput `json:"ScheduleGroups"`
	}{ScheduleGroups: []*groupOutput{}}
	// The default group comes first, on the first page.
	if token == "" && len(prefix) <= len(DefaultGroup) && DefaultGroup[:len(prefix)] == prefix {
		out.ScheduleGroups = append(out.ScheduleGroups, h.defaultGroup())
		if limit > 0 {
			limit--
		}
		if limit == 0 && r.Query.Get("MaxResults") != "" {
			out.NextToken = ""
			page, err := h.store.ScheduleGroupList(ctx, &store.ScheduleGroupListParams{NamePrefix: prefix, MaxResults: 1})
			if err != nil {
				return nil, storeError(err, "")
			}
			if len(page.Groups) > 0 {
				out.NextToken = "start"
			}
			return &out, nil
		}
	}
	if token == "start" {
		token = ""
	}
	page, err := h.store.ScheduleGroupList(ctx, &store.ScheduleGroupListParams{NamePrefix: prefix, MaxResults: limit, NextToken: token})
	if err != nil {
		return nil, storeError(err, "")
	}
	for _, g := range page.Groups {
		out.ScheduleGroups = append(out.ScheduleGroups, &groupOutput{Arn: g.ARN, CreationDate: toEpoch(g.CreatedDate),
			LastModificationDate: toEpoch(g.ModifiedDate), Name: g.Name, State: "ACTIVE"})
	}
	out.NextToken = page.NextToken
	return &out, nil
}
