package scheduler

import (
	"context"
	"strings"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/store"
)

func storeTags(tags []tag) []store.Tag {
	out := make([]store.Tag, len(tags))
	for i, t := range tags {
		out[i] = store.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func checkTags(tags []tag) error {
	if len(tags) > 200 {
		return validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 || len(t.Value) > 256 {
			return validation("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)
		}
	}
	return nil
}

// taggable checks that arn names an existing schedule group: on AWS only groups take tags.
func (h *handler) taggable(ctx context.Context, arn string) error {
	name, ok := strings.CutPrefix(arn, h.arnPrefix()+"schedule-group/")
	if !ok || name == "" {
		return validation("Invalid ResourceArn %s: tags are kept on schedule groups.", arn)
	}
	if name == DefaultGroup {
		return validation("The default schedule group cannot be tagged.")
	}
	if _, err := h.store.ScheduleGroupGet(ctx, &store.ScheduleGroupGetParams{Name: name}); err != nil {
		return storeError(err, "Schedule group "+name)
	}
	return nil
}

func (h *handler) tagResource(ctx context.Context, arn string, r *api.RESTRequest) (any, error) {
	var in struct {
		Tags []tag `json:"Tags"`
	}
	if err := decode(r.Body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, missing("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := h.taggable(ctx, arn); err != nil {
		return nil, err
	}
	if err := h.store.TagSet(ctx, &store.TagSetParams{ResourceARN: arn, Tags: storeTags(in.Tags)}); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (h *handler) untagResource(ctx context.Context, arn string, r *api.RESTRequest) (any, error) {
	keys := r.Query["TagKeys"]
	if len(keys) == 0 {
		return nil, missing("tagKeys")
	}
	if err := h.taggable(ctx, arn); err != nil {
		return nil, err
	}
	if err := h.store.TagDelete(ctx, &store.TagDeleteParams{ResourceARN: arn, Keys: keys}); err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

func (h *handler) listTags(ctx context.Context, arn string) (any, error) {
	if err := h.taggable(ctx, arn); err != nil {
		return nil, err
	}
	tags, err := h.store.TagList(ctx, &store.TagListParams{ResourceARN: arn})
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags []tag `json:"Tags"`
	}{Tags: []tag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, tag{Key: t.Key, Value: t.Value})
	}
	return &out, nil
}
