package storetest

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func testTimer(t *testing.T, s store.Store) {
	a, b := createExecution(t, s, "a", 0), createExecution(t, s, "b", 0)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1,
		TimersAdd: []*store.TimerAdd{{TimerID: "wait", FireAt: t0.Add(30 * time.Second)}, {TimerID: "timeout", FireAt: t0.Add(time.Hour)}}}))
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: b.ARN, ExpectedVersion: 1,
		TimersAdd: []*store.TimerAdd{{TimerID: "wait", FireAt: t0.Add(10 * time.Second)}}}))

	due := func(now time.Time, limit int) []*store.Timer {
		t.Helper()
		return must(s.TimerListDue(ctx, &store.TimerListDueParams{Now: now, Limit: limit})).get(t)
	}
	equal(t, "nothing due yet", due(t0, 0), []*store.Timer(nil))
	equal(t, "due at 30s, earliest first", due(t0.Add(30*time.Second), 0), []*store.Timer{
		{ExecutionARN: b.ARN, TimerID: "wait", FireAt: at(10)},
		{ExecutionARN: a.ARN, TimerID: "wait", FireAt: at(30)},
	})
	equal(t, "limit", len(due(t0.Add(2*time.Hour), 2)), 2)

	// A step fires one timer (deletes it) and moves another (adds it again).
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 2,
		TimersDelete: []string{"wait"}, TimersAdd: []*store.TimerAdd{{TimerID: "timeout", FireAt: t0.Add(20 * time.Second)}}}))
	equal(t, "after the step", due(t0.Add(2*time.Hour), 0), []*store.Timer{
		{ExecutionARN: b.ARN, TimerID: "wait", FireAt: at(10)},
		{ExecutionARN: a.ARN, TimerID: "timeout", FireAt: at(20)},
	})
}

func testDispatch(t *testing.T, s store.Store) {
	const activity = "arn:aws:states:us-east-1:123456789012:activity:approve"
	a := createExecution(t, s, "a", 0)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1,
		DispatchesAdd: []*store.DispatchAdd{
			{TaskID: "t2", Resource: "arn:aws:lambda:us-east-1:123456789012:function:f", Input: `{"i":2}`, CreatedDate: t0.Add(2 * time.Second)},
			{TaskID: "t1", Resource: "arn:aws:lambda:us-east-1:123456789012:function:f", Input: `{"i":1}`, CreatedDate: t0.Add(1 * time.Second)},
			{TaskID: "t3", Resource: "arn:aws:lambda:us-east-1:123456789012:function:f", Input: `{"i":3}`, CreatedDate: t0.Add(3 * time.Second)},
			{TaskID: "act", Queue: activity, Resource: activity, Input: `{}`, CreatedDate: t0},
		}}))
	lease := func(queue, owner string, now time.Time, limit int) []*store.Dispatch {
		t.Helper()
		return must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Queue: queue, Owner: owner, Now: now, Until: now.Add(time.Minute), Limit: limit})).get(t)
	}
	got := lease("", "w1", t0, 2)
	equal(t, "first lease, oldest first", got, []*store.Dispatch{
		{ExecutionARN: a.ARN, TaskID: "t1", Resource: "arn:aws:lambda:us-east-1:123456789012:function:f", Input: `{"i":1}`,
			Attempts: 1, LeaseOwner: "w1", LeaseExpiresAt: ptr(at(60)), CreatedDate: at(1)},
		{ExecutionARN: a.ARN, TaskID: "t2", Resource: "arn:aws:lambda:us-east-1:123456789012:function:f", Input: `{"i":2}`,
			Attempts: 1, LeaseOwner: "w1", LeaseExpiresAt: ptr(at(60)), CreatedDate: at(2)},
	})
	got = lease("", "w2", t0.Add(time.Second), 0)
	equal(t, "second lease gets what is left", len(got), 1)
	equal(t, "second lease task", got[0].TaskID, "t3")
	equal(t, "nothing left while leased", lease("", "w2", t0.Add(59*time.Second), 0), []*store.Dispatch(nil))

	waiting := func(queue string, now time.Time) int {
		t.Helper()
		return must(s.DispatchCountWaiting(ctx, &store.DispatchCountWaitingParams{Queue: queue, Now: now})).get(t)
	}
	equal(t, "activity task waiting", waiting(activity, t0), 1)
	equal(t, "leased tasks are not waiting", waiting("", t0.Add(time.Second)), 0)
	equal(t, "expired leases are waiting again", waiting("", t0.Add(61*time.Second)), 3)
	equal(t, "no such queue", waiting("arn:aws:states:us-east-1:123456789012:activity:none", t0), 0)
	got = lease(activity, "worker", t0, 0)
	equal(t, "activity queue", len(got), 1)
	equal(t, "activity task taken", waiting(activity, t0), 0)
	equal(t, "activity task", got[0].TaskID, "act")

	// t1 completes (its step deletes it); the others' leases expire and they are handed out again.
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 2, DispatchesDelete: []string{"t1"}}))
	got = lease("", "w3", t0.Add(61*time.Second), 0)
	equal(t, "after expiry", len(got), 2)
	equal(t, "retaken", []string{got[0].TaskID, got[1].TaskID}, []string{"t2", "t3"})
	equal(t, "attempts", []int{got[0].Attempts, got[1].Attempts}, []int{2, 2})
	equal(t, "owner", got[0].LeaseOwner, "w3")
}

// Concurrent leasers split the dispatches between them and never share one.
func testDispatchLeaseConcurrent(t *testing.T, s store.Store) {
	a := createExecution(t, s, "a", 0)
	var adds []*store.DispatchAdd
	const total = 40
	for i := range total {
		adds = append(adds, &store.DispatchAdd{TaskID: string(rune('A'+i%26)) + string(rune('a'+i/26)), Resource: "r", Input: "{}", CreatedDate: t0})
	}
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1, DispatchesAdd: adds}))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = map[string]int{}
		errs []error
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				got, err := s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: string(rune('0' + w)), Now: t0, Until: t0.Add(time.Hour), Limit: 3})
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, d := range got {
					seen[d.TaskID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	equal(t, "leased dispatches", len(seen), total)
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("dispatch %s leased %d times", id, n)
		}
	}
}

// A node renews the leases of the tasks it runs; a lease another node took is not its to renew.
func testDispatchRenew(t *testing.T, s store.Store) {
	a := createExecution(t, s, "renew", 0)
	lease := t0.Add(time.Minute)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1,
		DispatchesAdd: []*store.DispatchAdd{
			{TaskID: "mine", Resource: "r", Input: `{}`, CreatedDate: t0, LeaseOwner: "n1", LeaseExpiresAt: &lease},
			{TaskID: "theirs", Resource: "r", Input: `{}`, CreatedDate: t0, LeaseOwner: "n2", LeaseExpiresAt: &lease},
		}}))
	renewed := must(s.DispatchRenew(ctx, &store.DispatchRenewParams{Owner: "n1", Until: t0.Add(10 * time.Minute),
		Dispatches: []store.DispatchKey{{ExecutionARN: a.ARN, TaskID: "mine"}, {ExecutionARN: a.ARN, TaskID: "theirs"},
			{ExecutionARN: a.ARN, TaskID: "gone"}}})).get(t)
	equal(t, "renewed", renewed, []store.DispatchKey{{ExecutionARN: a.ARN, TaskID: "mine"}})
	// After the first lease ran out, another node finds only the one that was not renewed.
	later := t0.Add(2 * time.Minute)
	taken := must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "n3", Now: later, Until: later.Add(time.Minute)})).get(t)
	var ids []string
	for _, d := range taken {
		ids = append(ids, d.TaskID)
	}
	equal(t, "taken after the first lease", ids, []string{"theirs"})
	taken = must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "n3", Now: t0.Add(11 * time.Minute), Until: t0.Add(12 * time.Minute)})).get(t)
	equal(t, "taken after the renewed lease", len(taken), 2)
}

// A node that starts again under its old name frees what its earlier life leased, and only that:
// other owners' leases, other queues and rows nobody holds stay as they are.
func testDispatchRelease(t *testing.T, s store.Store) {
	a := createExecution(t, s, "release", 0)
	lease := t0.Add(time.Hour)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1,
		DispatchesAdd: []*store.DispatchAdd{
			{TaskID: "mine", Resource: "r", Input: `{}`, CreatedDate: t0, LeaseOwner: "n1", LeaseExpiresAt: &lease},
			{TaskID: "theirs", Resource: "r", Input: `{}`, CreatedDate: t0, LeaseOwner: "n2", LeaseExpiresAt: &lease},
			{TaskID: "activity", Queue: "q", Resource: "r", Input: `{}`, CreatedDate: t0, LeaseOwner: "n1", LeaseExpiresAt: &lease},
			{TaskID: "free", Resource: "r", Input: `{}`, CreatedDate: t0},
		}}))
	released := must(s.DispatchRelease(ctx, &store.DispatchReleaseParams{Owner: "n1"})).get(t)
	equal(t, "released", released, 1)
	taken := must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "n1", Now: t0, Until: t0.Add(time.Minute)})).get(t)
	var ids []string
	for _, d := range taken {
		ids = append(ids, d.TaskID)
	}
	equal(t, "leasable before any lease ran out", ids, []string{"free", "mine"})
}

// A step fenced by a dispatch lease commits only while the lease is held as the fence says:
// once another node took the task over, the first node's result writes nothing.
func testExecutionStepFence(t *testing.T, s store.Store) {
	a := createExecution(t, s, "fence", 0)
	expired := t0.Add(time.Minute)
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 1,
		DispatchesAdd: []*store.DispatchAdd{
			{TaskID: "t1", Resource: "r", Input: `{}`, CreatedDate: t0, LeaseOwner: "n1", LeaseExpiresAt: &expired},
		}}))
	later := t0.Add(2 * time.Minute)
	taken := must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "n2", Now: later, Until: later.Add(time.Minute)})).get(t)
	equal(t, "taken over", len(taken), 1)
	equal(t, "attempts", taken[0].Attempts, 1)

	stale := &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 2, DispatchesDelete: []string{"t1"},
		Fences: []*store.DispatchFence{{TaskID: "t1", Owner: "n1", Attempts: 0}}}
	err := s.ExecutionStep(ctx, stale)
	var lost *store.LeaseLostError
	if !errors.As(err, &lost) || !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("stale owner's step: got %v, want a *store.LeaseLostError", err)
	}
	// Nothing of it was written: the version did not move and the dispatch is still n2's.
	errs := must(s.ExecutionStepBatch(ctx, []*store.ExecutionStepParams{
		{ExecutionARN: a.ARN, ExpectedVersion: 2, DispatchesDelete: []string{"t1"},
			Fences: []*store.DispatchFence{{TaskID: "t1", Owner: "n2", Attempts: 1}}},
	})).get(t)
	check(t, errs[0])
	got := must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: a.ARN})).get(t)
	equal(t, "version", got.Version, int64(3))
	// The dispatch went with the fenced step: a fence on it now fails.
	err = s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: a.ARN, ExpectedVersion: 3,
		Fences: []*store.DispatchFence{{TaskID: "t1", Owner: "n2", Attempts: 1}}})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("step fenced by a deleted dispatch: got %v, want ErrLeaseLost", err)
	}
}

// Fenced steps of one batch each commit or not on their own: a held lease commits (its
// dispatch deleted, its events added), a lost one and a held one with a stale version write
// nothing and say why, and a step without a fence is not held back by them. This is what a
// busy node on a shared store commits: every task result comes with its lease's fence.
func testExecutionStepBatchFences(t *testing.T, s store.Store) {
	lease := t0.Add(time.Hour)
	names := []string{"held", "lost", "stale", "plain"}
	for _, name := range names {
		e := createExecution(t, s, "batch-fence-"+name, 0)
		check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: e.ARN, ExpectedVersion: 1,
			DispatchesAdd: []*store.DispatchAdd{{TaskID: "t1", Resource: "r", Input: `{}`, CreatedDate: t0,
				LeaseOwner: "n1", LeaseExpiresAt: &lease}}}))
	}
	fence := []*store.DispatchFence{{TaskID: "t1", Owner: "n1", Attempts: 0}}
	step := func(name string, version int64, fences []*store.DispatchFence) *store.ExecutionStepParams {
		return &store.ExecutionStepParams{ExecutionARN: executionARN("batch-fence-" + name), ExpectedVersion: version,
			Snapshot: []byte("snapshot-3"), DispatchesDelete: []string{"t1"}, Fences: fences,
			Events: []*sfn.HistoryEvent{event(2, sfn.EventTaskSucceeded)}}
	}
	errs := must(s.ExecutionStepBatch(ctx, []*store.ExecutionStepParams{
		step("held", 2, fence),
		step("lost", 2, []*store.DispatchFence{{TaskID: "t1", Owner: "n2", Attempts: 0}}),
		step("stale", 1, fence),
		step("plain", 2, nil),
	})).get(t)
	check(t, errs[0])
	if !errors.Is(errs[1], store.ErrLeaseLost) {
		t.Fatalf("step whose lease another node holds: got %v, want ErrLeaseLost", errs[1])
	}
	var conflict *store.ConflictError
	if !errors.As(errs[2], &conflict) || conflict.ActualVersion != 2 {
		t.Fatalf("fenced step with a stale version: got %v, want a *store.ConflictError at version 2", errs[2])
	}
	check(t, errs[3])
	for name, want := range map[string]struct {
		version int64
		events  int
	}{"held": {3, 2}, "lost": {2, 1}, "stale": {2, 1}, "plain": {3, 2}} {
		arn := executionARN("batch-fence-" + name)
		got := must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})).get(t)
		equal(t, name+" version", got.Version, want.version)
		equal(t, name+" events", len(history(t, s, arn)), want.events)
	}
	// The refused steps' dispatches stay, leased as they were; the committed ones' went.
	taken := must(s.DispatchLease(ctx, &store.DispatchLeaseParams{Owner: "n3", Now: lease.Add(time.Second),
		Until: lease.Add(time.Minute)})).get(t)
	var left []string
	for _, d := range taken {
		left = append(left, strings.TrimPrefix(d.ExecutionARN, executionARN("batch-fence-")))
	}
	sort.Strings(left)
	equal(t, "dispatches left", left, []string{"lost", "stale"})
}
