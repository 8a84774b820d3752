package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stepflow/stepflow/store"
)

func testTaskToken(t *testing.T, s store.Store) {
	const activity = "arn:aws:states:us-east-1:123456789012:activity:approve"
	a := createExecution(t, s, "a", 0)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1,
		TaskTokensAdd: []*store.TaskTokenAdd{
			{Token: "AAAAKgAAAAIAAAAA-1", TaskID: "t1", ActivityARN: activity, HeartbeatDeadline: ptr(t0.Add(time.Minute)), CreatedDate: t0},
			{Token: "callback-2", TaskID: "t2", CreatedDate: t0},
		}}))
	want := &store.TaskToken{Token: "AAAAKgAAAAIAAAAA-1", ExecutionARN: a.ARN, TaskID: "t1", ActivityARN: activity,
		Status: store.TaskTokenOpen, HeartbeatDeadline: ptr(at(60)), CreatedDate: at(0)}
	equal(t, "token", must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: want.Token})).get(t), want)

	check(t, s.TaskTokenHeartbeat(ctx, &store.TaskTokenHeartbeatParams{Token: want.Token, HeartbeatDeadline: t0.Add(2 * time.Minute)}))
	want.HeartbeatDeadline = ptr(at(120))
	equal(t, "after heartbeat", must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: want.Token})).get(t), want)

	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 2, TaskTokensClose: []string{want.Token}}))
	want.Status = store.TaskTokenClosed
	equal(t, "closed", must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: want.Token})).get(t), want)
	equal(t, "other token still open", must(s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "callback-2"})).get(t).Status, store.TaskTokenOpen)

	err := s.TaskTokenHeartbeat(ctx, &store.TaskTokenHeartbeatParams{Token: want.Token, HeartbeatDeadline: t0})
	wantError(t, err, "task token AAAAKgAA… does not exist")
	_, err = s.TaskTokenGet(ctx, &store.TaskTokenGetParams{Token: "nope"})
	wantError(t, err, "task token nope does not exist")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("errors.Is(%v, ErrNotFound) = false", err)
	}
}
