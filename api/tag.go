package api

import (
	"context"
	"errors"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// maxTags is AWS's quota of tags per resource.
const maxTags = 50

type tagJSON struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

func checkTags(v *validationErrors, field string, tags []tagJSON) {
	for _, t := range tags {
		v.required(field+".member.key", t.Key != nil)
		v.length(field+".member.key", t.Key, 1, 128)
		v.length(field+".member.value", t.Value, 0, 256)
	}
}

func storeTags(tags []tagJSON) []store.Tag {
	out := make([]store.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, store.Tag{Key: ptrOr(t.Key, ""), Value: ptrOr(t.Value, "")})
	}
	return out
}

func tooManyTags(resource string) *Error {
	e := clientError(codeTooManyTags, "Too many tags: a resource can have at most %d tags", maxTags)
	e.Fields = map[string]any{"resourceName": resource}
	return e
}

// checkTaggable checks that arn names a state machine or activity that exists: the resources
// AWS tags.
func (s *Server) checkTaggable(ctx context.Context, arn string) error {
	a, err := sfn.ParseARN(arn)
	if err != nil || a.Service != "states" {
		return invalidArn(arn)
	}
	switch a.Kind {
	case "stateMachine":
		ref, err := parseMachineRef(arn)
		if err != nil {
			return err
		}
		if ref.qualified() {
			return invalidArn(arn)
		}
		_, err = s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: arn})
		if errors.Is(err, store.ErrNotFound) {
			return resourceNotFound(arn)
		}
		return err
	case "activity":
		if err := parseActivityARN(arn); err != nil {
			return err
		}
		_, err = s.store.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: arn})
		if errors.Is(err, store.ErrNotFound) {
			return resourceNotFound(arn)
		}
		return err
	}
	return wrongKind(a.Kind)
}

type tagResourceInput struct {
	ResourceArn *string   `json:"resourceArn"`
	Tags        []tagJSON `json:"tags"`
}

func (s *Server) tagResource(ctx context.Context, in *tagResourceInput) (*emptyOutput, error) {
	var v validationErrors
	v.required("resourceArn", in.ResourceArn != nil)
	v.required("tags", in.Tags != nil)
	v.length("resourceArn", in.ResourceArn, 1, 256)
	checkTags(&v, "tags", in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.checkTaggable(ctx, *in.ResourceArn); err != nil {
		return nil, err
	}
	current, err := s.store.TagList(ctx, &store.TagListParams{ResourceARN: *in.ResourceArn})
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, t := range current {
		keys[t.Key] = true
	}
	for _, t := range in.Tags {
		keys[*t.Key] = true
	}
	if len(keys) > maxTags {
		return nil, tooManyTags(*in.ResourceArn)
	}
	if err := s.store.TagSet(ctx, &store.TagSetParams{ResourceARN: *in.ResourceArn, Tags: storeTags(in.Tags)}); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

type untagResourceInput struct {
	ResourceArn *string  `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

func (s *Server) untagResource(ctx context.Context, in *untagResourceInput) (*emptyOutput, error) {
	var v validationErrors
	v.required("resourceArn", in.ResourceArn != nil)
	v.required("tagKeys", in.TagKeys != nil)
	v.length("resourceArn", in.ResourceArn, 1, 256)
	for _, k := range in.TagKeys {
		v.length("tagKeys.member", &k, 1, 128)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.checkTaggable(ctx, *in.ResourceArn); err != nil {
		return nil, err
	}
	if err := s.store.TagDelete(ctx, &store.TagDeleteParams{ResourceARN: *in.ResourceArn, Keys: in.TagKeys}); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

type listTagsForResourceInput struct {
	ResourceArn *string `json:"resourceArn"`
}

type tagOutJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type listTagsForResourceOutput struct {
	Tags []tagOutJSON `json:"tags"`
}

func (s *Server) listTagsForResource(ctx context.Context, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
	var v validationErrors
	v.required("resourceArn", in.ResourceArn != nil)
	v.length("resourceArn", in.ResourceArn, 1, 256)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.checkTaggable(ctx, *in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := s.store.TagList(ctx, &store.TagListParams{ResourceARN: *in.ResourceArn})
	if err != nil {
		return nil, err
	}
	out := &listTagsForResourceOutput{Tags: []tagOutJSON{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, tagOutJSON{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
