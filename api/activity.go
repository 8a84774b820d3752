package api

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/stepflow/stepflow/store"
)

type createActivityInput struct {
	Name                    *string         `json:"name"`
	Tags                    []tagJSON       `json:"tags"`
	EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration"`
}

type createActivityOutput struct {
	ActivityArn  string      `json:"activityArn"`
	CreationDate json.Number `json:"creationDate"`
}

func (s *Server) createActivity(ctx context.Context, in *createActivityInput) (*createActivityOutput, error) {
	var v validationErrors
	v.required("name", in.Name != nil)
	v.length("name", in.Name, 1, maxNameLength)
	checkTags(&v, "tags", in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validName(*in.Name) {
		return nil, invalidName(*in.Name)
	}
	if len(in.Tags) > maxTags {
		return nil, tooManyTags(*in.Name)
	}
	arn := s.scope.ActivityARN(*in.Name)
	// Creating an activity is idempotent on its name; the tags of a repeated request are ignored.
	existing, err := s.store.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: arn})
	if err == nil {
		return &createActivityOutput{ActivityArn: existing.ARN, CreationDate: epoch(existing.CreatedDate)}, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	activity, err := s.store.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: arn, Name: *in.Name, CreatedDate: store.Stamp(s.now())})
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.store.TagSet(ctx, &store.TagSetParams{ResourceARN: arn, Tags: storeTags(in.Tags)}); err != nil {
			return nil, err
		}
	}
	return &createActivityOutput{ActivityArn: activity.ARN, CreationDate: epoch(activity.CreatedDate)}, nil
}

type activityARNInput struct {
	ActivityArn *string `json:"activityArn"`
}

func checkActivityARN(v *validationErrors, arn *string) error {
	v.required("activityArn", arn != nil)
	v.length("activityArn", arn, 1, 256)
	if err := v.err(); err != nil {
		return err
	}
	return parseActivityARN(*arn)
}

func (s *Server) getActivity(ctx context.Context, arn string) (*store.Activity, error) {
	activity, err := s.store.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, activityDoesNotExist(arn)
	}
	return activity, err
}

type describeActivityOutput struct {
	ActivityArn  string      `json:"activityArn"`
	Name         string      `json:"name"`
	CreationDate json.Number `json:"creationDate"`
}

func (s *Server) describeActivity(ctx context.Context, in *activityARNInput) (*describeActivityOutput, error) {
	var v validationErrors
	if err := checkActivityARN(&v, in.ActivityArn); err != nil {
		return nil, err
	}
	activity, err := s.getActivity(ctx, *in.ActivityArn)
	if err != nil {
		return nil, err
	}
	return &describeActivityOutput{ActivityArn: activity.ARN, Name: activity.Name, CreationDate: epoch(activity.CreatedDate)}, nil
}

func (s *Server) deleteActivity(ctx context.Context, in *activityARNInput) (*emptyOutput, error) {
	var v validationErrors
	if err := checkActivityARN(&v, in.ActivityArn); err != nil {
		return nil, err
	}
	// Deleting an activity that does not exist succeeds, as on AWS.
	err := s.store.ActivityDelete(ctx, &store.ActivityDeleteParams{ARN: *in.ActivityArn})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return &emptyOutput{}, nil
}

type listActivitiesOutput struct {
	Activities []describeActivityOutput `json:"activities"`
	NextToken  string                   `json:"nextToken,omitempty"`
}

func (s *Server) listActivities(ctx context.Context, in *listInput) (*listActivitiesOutput, error) {
	var v validationErrors
	in.check(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	maxResults, token := in.page()
	res, err := s.store.ActivityList(ctx, &store.ActivityListParams{MaxResults: maxResults, NextToken: token})
	if err != nil {
		return nil, err
	}
	out := &listActivitiesOutput{Activities: []describeActivityOutput{}, NextToken: res.NextToken}
	for _, a := range res.Activities {
		out.Activities = append(out.Activities, describeActivityOutput{ActivityArn: a.ARN, Name: a.Name, CreationDate: epoch(a.CreatedDate)})
	}
	return out, nil
}

type getActivityTaskInput struct {
	ActivityArn *string `json:"activityArn"`
	WorkerName  *string `json:"workerName"`
}

type getActivityTaskOutput struct {
	TaskToken *string `json:"taskToken,omitempty"`
	Input     *string `json:"input,omitempty"`
}

func (s *Server) getActivityTask(ctx context.Context, in *getActivityTaskInput) (*getActivityTaskOutput, error) {
	var v validationErrors
	v.length("workerName", in.WorkerName, 1, maxNameLength)
	if err := checkActivityARN(&v, in.ActivityArn); err != nil {
		return nil, err
	}
	if _, err := s.getActivity(ctx, *in.ActivityArn); err != nil {
		return nil, err
	}
	pollCtx, cancel := context.WithTimeout(ctx, s.cfg.ActivityPollTimeout)
	defer cancel()
	// Closing the server ends the long poll with an empty answer, so a shutdown need not
	// wait out a worker's 60 seconds.
	defer context.AfterFunc(s.bg, cancel)()
	task, err := s.engine.GetActivityTask(pollCtx, *in.ActivityArn, ptrOr(in.WorkerName, ""))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return &getActivityTaskOutput{}, nil
		}
		return nil, err
	}
	if task == nil {
		return &getActivityTaskOutput{}, nil
	}
	return &getActivityTaskOutput{TaskToken: &task.TaskToken, Input: &task.Input}, nil
}
