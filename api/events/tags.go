package events

import (
	"context"
	"fmt"
	"net/http"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/store"
)

type tag struct {
	Key   string
	Value string
}

// maxTags is EventBridge's limit of tags per resource.
const maxTags = 50

func (h *handler) setTags(ctx context.Context, arn string, tags []tag) error {
	st := make([]store.Tag, 0, len(tags))
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return &api.Error{Code: events.CodeValidation, Status: http.StatusBadRequest,
				Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)}
		}
		st = append(st, store.Tag{Key: t.Key, Value: t.Value})
	}
	existing, err := h.store.TagList(ctx, &store.TagListParams{ResourceARN: arn})
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, t := range existing {
		keys[t.Key] = true
	}
	for _, t := range st {
		keys[t.Key] = true
	}
	if len(keys) > maxTags {
		return &api.Error{Code: events.CodeLimitExceeded, Status: http.StatusBadRequest, Message: "The requested resource exceeds the maximum number allowed."}
	}
	return h.store.TagSet(ctx, &store.TagSetParams{ResourceARN: arn, Tags: st})
}

type tagResourceInput struct {
	ResourceARN string
	Tags        []tag
}

func (h *handler) tagResource(ctx context.Context, in *tagResourceInput) (*empty, error) {
	if err := required(in.ResourceARN, "resourceARN"); err != nil {
		return nil, err
	}
	if err := h.bus.ResourceExists(ctx, in.ResourceARN); err != nil {
		return nil, fail(err)
	}
	if err := h.setTags(ctx, in.ResourceARN, in.Tags); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type untagResourceInput struct {
	ResourceARN string
	TagKeys     []string
}

func (h *handler) untagResource(ctx context.Context, in *untagResourceInput) (*empty, error) {
	if err := required(in.ResourceARN, "resourceARN"); err != nil {
		return nil, err
	}
	if err := h.bus.ResourceExists(ctx, in.ResourceARN); err != nil {
		return nil, fail(err)
	}
	if err := h.store.TagDelete(ctx, &store.TagDeleteParams{ResourceARN: in.ResourceARN, Keys: in.TagKeys}); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type listTagsInput struct {
	ResourceARN string
}

type listTagsOutput struct {
	Tags []tag
}

func (h *handler) listTagsForResource(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	if err := required(in.ResourceARN, "resourceARN"); err != nil {
		return nil, err
	}
	if err := h.bus.ResourceExists(ctx, in.ResourceARN); err != nil {
		return nil, fail(err)
	}
	tags, err := h.store.TagList(ctx, &store.TagListParams{ResourceARN: in.ResourceARN})
	if err != nil {
		return nil, err
	}
	out := &listTagsOutput{Tags: []tag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
