package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

const eventsARN = "arn:aws:events:us-east-1:123456789012:"

func testEventBus(t *testing.T, s store.Store) {
	created := must(s.EventBusCreate(ctx, &store.EventBusCreateParams{Name: "orders", ARN: eventsARN + "event-bus/orders", Description: "d", CreatedDate: t0})).get(t)
	equal(t, "created", created, &store.EventBus{Name: "orders", ARN: eventsARN + "event-bus/orders", Description: "d", CreatedDate: at(0), UpdatedDate: at(0)})
	_, err := s.EventBusCreate(ctx, &store.EventBusCreateParams{Name: "orders", ARN: eventsARN + "event-bus/orders", CreatedDate: t0})
	wantError(t, err, "event bus orders already exists")
	must(s.EventBusCreate(ctx, &store.EventBusCreateParams{Name: "Orders2", ARN: eventsARN + "event-bus/Orders2", CreatedDate: t0})).get(t)
	must(s.EventBusCreate(ctx, &store.EventBusCreateParams{Name: "orders_3", ARN: eventsARN + "event-bus/orders_3", CreatedDate: t0})).get(t)

	// The prefix is case-sensitive and "_" is no wildcard.
	page := must(s.EventBusList(ctx, &store.EventBusListParams{NamePrefix: "orders", MaxResults: 1})).get(t)
	equal(t, "first page", page.EventBuses, []*store.EventBus{created})
	page = must(s.EventBusList(ctx, &store.EventBusListParams{NamePrefix: "orders", MaxResults: 1, NextToken: page.NextToken})).get(t)
	equal(t, "second page", page.EventBuses[0].Name, "orders_3")
	equal(t, "last token", page.NextToken, "")
	page = must(s.EventBusList(ctx, &store.EventBusListParams{NamePrefix: "orders%"})).get(t)
	equal(t, "percent prefix", len(page.EventBuses), 0)

	// Deleting a bus deletes its rules, their targets and tags.
	rule := must(s.EventRulePut(ctx, &store.EventRulePutParams{Rule: store.EventRule{BusName: "orders", Name: "r", ARN: eventsARN + "rule/orders/r",
		EventPattern: `{"source":["a"]}`, State: store.EventRuleEnabled, CreatedDate: t0, UpdatedDate: t0}})).get(t)
	check(t, s.EventTargetPut(ctx, &store.EventTargetPutParams{BusName: "orders", RuleName: "r", Targets: []store.EventTarget{{ID: "1", ARN: machineARN, Config: "{}"}}}))
	check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: rule.ARN, Tags: []store.Tag{{Key: "k", Value: "v"}}}))
	check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: created.ARN, Tags: []store.Tag{{Key: "k", Value: "v"}}}))
	check(t, s.EventBusDelete(ctx, &store.EventBusDeleteParams{Name: "orders"}))
	_, err = s.EventBusGet(ctx, &store.EventBusGetParams{Name: "orders"})
	wantError(t, err, "event bus orders does not exist")
	_, err = s.EventRuleGet(ctx, &store.EventRuleGetParams{BusName: "orders", Name: "r"})
	wantError(t, err, "event rule orders/r does not exist")
	equal(t, "targets after delete", len(must(s.EventTargetList(ctx, &store.EventTargetListParams{BusName: "orders"})).get(t)), 0)
	equal(t, "rule tags after delete", must(s.TagList(ctx, &store.TagListParams{ResourceARN: rule.ARN})).get(t), []store.Tag(nil))
	equal(t, "bus tags after delete", must(s.TagList(ctx, &store.TagListParams{ResourceARN: created.ARN})).get(t), []store.Tag(nil))
	wantError(t, s.EventBusDelete(ctx, &store.EventBusDeleteParams{Name: "orders"}), "event bus orders does not exist")
}

func testEventRule(t *testing.T, s store.Store) {
	put := func(bus, name, state string, at0 int) *store.EventRule {
		return must(s.EventRulePut(ctx, &store.EventRulePutParams{Rule: store.EventRule{BusName: bus, Name: name,
			ARN: eventsARN + "rule/" + name, EventPattern: `{"source":["` + name + `"]}`, State: state, Description: "about " + name,
			RoleARN: "role", CreatedDate: at(at0), UpdatedDate: at(at0)}})).get(t)
	}
	first := put("default", "b", store.EventRuleEnabled, 0)
	equal(t, "put", first, &store.EventRule{BusName: "default", Name: "b", ARN: eventsARN + "rule/b", EventPattern: `{"source":["b"]}`,
		State: store.EventRuleEnabled, Description: "about b", RoleARN: "role", CreatedDate: at(0), UpdatedDate: at(0)})
	// A second put replaces the fields but keeps the creation date.
	again := put("default", "b", store.EventRuleDisabled, 5)
	equal(t, "state", again.State, store.EventRuleDisabled)
	equal(t, "created", again.CreatedDate, at(0))
	equal(t, "updated", again.UpdatedDate, at(5))
	put("default", "a", store.EventRuleEnabled, 0)
	put("default", "B", store.EventRuleEnabled, 0)
	put("other", "a", store.EventRuleEnabled, 0)

	names := func(rs []*store.EventRule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.BusName+"/"+r.Name)
		}
		return out
	}
	page := must(s.EventRuleList(ctx, &store.EventRuleListParams{BusName: "default"})).get(t)
	equal(t, "default rules", names(page.Rules), []string{"default/B", "default/a", "default/b"})
	page = must(s.EventRuleList(ctx, &store.EventRuleListParams{BusName: "default", NamePrefix: "b"})).get(t)
	equal(t, "prefix b", names(page.Rules), []string{"default/b"})
	page = must(s.EventRuleList(ctx, &store.EventRuleListParams{MaxResults: 3})).get(t)
	equal(t, "all buses, first page", names(page.Rules), []string{"default/B", "default/a", "default/b"})
	page = must(s.EventRuleList(ctx, &store.EventRuleListParams{MaxResults: 3, NextToken: page.NextToken})).get(t)
	equal(t, "all buses, second page", names(page.Rules), []string{"other/a"})
	equal(t, "last token", page.NextToken, "")
	_, err := s.EventRuleList(ctx, &store.EventRuleListParams{NextToken: "bogus"})
	if err == nil {
		t.Fatal("a bogus token was accepted")
	}

	// Targets: put replaces by id, delete ignores unknown ids, a missing rule is refused.
	check(t, s.EventTargetPut(ctx, &store.EventTargetPutParams{BusName: "default", RuleName: "b", Targets: []store.EventTarget{
		{ID: "2", ARN: machineARN, Config: `{"Id":"2"}`}, {ID: "1", ARN: otherARN, Config: `{"Id":"1"}`}}}))
	check(t, s.EventTargetPut(ctx, &store.EventTargetPutParams{BusName: "default", RuleName: "b", Targets: []store.EventTarget{
		{ID: "1", ARN: machineARN, Config: `{"Id":"1","Input":"{}"}`}}}))
	check(t, s.EventTargetPut(ctx, &store.EventTargetPutParams{BusName: "other", RuleName: "a", Targets: []store.EventTarget{{ID: "1", ARN: machineARN, Config: "{}"}}}))
	equal(t, "targets", must(s.EventTargetList(ctx, &store.EventTargetListParams{BusName: "default", RuleName: "b"})).get(t), []*store.EventTarget{
		{BusName: "default", RuleName: "b", ID: "1", ARN: machineARN, Config: `{"Id":"1","Input":"{}"}`},
		{BusName: "default", RuleName: "b", ID: "2", ARN: machineARN, Config: `{"Id":"2"}`}})
	equal(t, "all targets", len(must(s.EventTargetList(ctx, &store.EventTargetListParams{})).get(t)), 3)
	wantError(t, s.EventTargetPut(ctx, &store.EventTargetPutParams{BusName: "default", RuleName: "missing", Targets: []store.EventTarget{{ID: "1"}}}),
		"event rule default/missing does not exist")
	check(t, s.EventTargetDelete(ctx, &store.EventTargetDeleteParams{BusName: "default", RuleName: "b", IDs: []string{"2", "nope"}}))
	equal(t, "after remove", len(must(s.EventTargetList(ctx, &store.EventTargetListParams{BusName: "default", RuleName: "b"})).get(t)), 1)

	check(t, s.EventRuleDelete(ctx, &store.EventRuleDeleteParams{BusName: "default", Name: "b"}))
	equal(t, "targets of the deleted rule", len(must(s.EventTargetList(ctx, &store.EventTargetListParams{BusName: "default", RuleName: "b"})).get(t)), 0)
	wantError(t, s.EventRuleDelete(ctx, &store.EventRuleDeleteParams{BusName: "default", Name: "b"}), "event rule default/b does not exist")
	// A rule put again after its deletion has no targets left over.
	put("default", "b", store.EventRuleEnabled, 9)
	equal(t, "targets of the new rule", len(must(s.EventTargetList(ctx, &store.EventTargetListParams{BusName: "default", RuleName: "b"})).get(t)), 0)
}

func testEventDelivery(t *testing.T, s store.Store) {
	delivery := func(id string, due int) *store.EventDelivery {
		return &store.EventDelivery{ID: id, EventID: "e-" + id, BusName: "default", RuleName: "r", RuleARN: eventsARN + "rule/r",
			TargetID: "t", Target: `{"Id":"t"}`, Event: `{"id":"e-` + id + `"}`, EventTime: at(0), State: store.EventDeliveryPending,
			NextAttemptAt: at(due), DeadLetterARN: "arn:aws:sqs:us-east-1:123456789012:dlq", CreatedDate: at(0)}
	}
	check(t, s.EventDeliveryCreate(ctx, &store.EventDeliveryCreateParams{Deliveries: []*store.EventDelivery{delivery("a", 0), delivery("b", 10)}}))
	// A batch repeating an id writes nothing.
	err := s.EventDeliveryCreate(ctx, &store.EventDeliveryCreateParams{Deliveries: []*store.EventDelivery{delivery("c", 0), delivery("a", 0)}})
	wantError(t, err, "event delivery a already exists")

	leased := must(s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: "n1", Now: at(1), Until: at(31), Limit: 10})).get(t)
	want := delivery("a", 31)
	want.LeaseOwner = "n1"
	equal(t, "leased", leased, []*store.EventDelivery{want})
	equal(t, "leased again before the lease ends", len(must(s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: "n2", Now: at(20), Until: at(50)})).get(t)), 1) // b only
	leased = must(s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: "n2", Now: at(31), Until: at(61)})).get(t)
	equal(t, "taken over once the lease ran out", len(leased), 1)
	equal(t, "taken over by", leased[0].ID+" "+leased[0].LeaseOwner, "a n2")

	// n2 restarts: what it held (a and b) is due at once; n1 has nothing to release.
	equal(t, "released by n1", must(s.EventDeliveryRelease(ctx, &store.EventDeliveryReleaseParams{Owner: "n1", Now: at(32)})).get(t), 0)
	equal(t, "released by n2", must(s.EventDeliveryRelease(ctx, &store.EventDeliveryReleaseParams{Owner: "n2", Now: at(32)})).get(t), 2)
	leased = must(s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: "n2", Now: at(32), Until: at(62)})).get(t)
	equal(t, "taken back after release", len(leased), 2)

	check(t, s.EventDeliveryUpdate(ctx, &store.EventDeliveryUpdateParams{ID: "a", State: store.EventDeliveryDead, Attempts: 3, NextAttemptAt: at(40), LastError: "gone"}))
	check(t, s.EventDeliveryDelete(ctx, &store.EventDeliveryDeleteParams{ID: "b"}))
	equal(t, "nothing left to lease", len(must(s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: "n1", Now: at(1000), Until: at(1030)})).get(t)), 0)
	dead := must(s.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryDead})).get(t)
	equal(t, "dead letters", len(dead.Deliveries), 1)
	d := dead.Deliveries[0]
	equal(t, "dead letter", []any{d.ID, d.Attempts, d.LastError, d.LeaseOwner}, []any{"a", 3, "gone", ""})
	equal(t, "other dead-letter ARN", len(must(s.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryDead, DeadLetterARN: "x"})).get(t).Deliveries), 0)
	wantError(t, s.EventDeliveryUpdate(ctx, &store.EventDeliveryUpdateParams{ID: "b", State: store.EventDeliveryDead}), "event delivery b does not exist")
}

// testEventDeliveryLeaseConcurrent has nodes lease at once: each delivery goes to one node.
func testEventDeliveryLeaseConcurrent(t *testing.T, s store.Store) {
	var ds []*store.EventDelivery
	for i := range 60 {
		ds = append(ds, &store.EventDelivery{ID: fmt.Sprintf("d%02d", i), State: store.EventDeliveryPending, Event: "{}", Target: "{}",
			EventTime: at(0), NextAttemptAt: at(0), CreatedDate: at(0)})
	}
	check(t, s.EventDeliveryCreate(ctx, &store.EventDeliveryCreateParams{Deliveries: ds}))
	var (
		mu   sync.Mutex
		seen = map[string]string{}
		wg   sync.WaitGroup
	)
	for n := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("n%d", n)
			for {
				got, err := s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: owner, Now: at(1), Until: at(100), Limit: 7})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					if prev, ok := seen[d.ID]; ok {
						t.Errorf("delivery %s leased by %s and %s", d.ID, prev, owner)
					}
					seen[d.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	equal(t, "deliveries leased", len(seen), 60)
}

// testStepEventDeliveries: event deliveries made by a start or a step (status-change events)
// are written in its transaction: with it when it commits, not at all when its guard fails;
// one whose id is written already is kept as it was.
func testStepEventDeliveries(t *testing.T, s store.Store) {
	delivery := func(id string) *store.EventDelivery {
		return &store.EventDelivery{ID: id, EventID: "e-" + id, BusName: "default", RuleName: "r", RuleARN: eventsARN + "rule/r",
			TargetID: "t", Target: `{"Id":"t"}`, Event: `{"id":"e-` + id + `"}`, EventTime: at(0), State: store.EventDeliveryPending,
			NextAttemptAt: at(0), CreatedDate: at(0)}
	}
	due := func() []string {
		var ids []string
		for _, d := range must(s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: "n", Now: at(1), Until: at(2), Limit: 100})).get(t) {
			ids = append(ids, d.ID)
		}
		must(s.EventDeliveryRelease(ctx, &store.EventDeliveryReleaseParams{Owner: "n", Now: at(0)})).get(t)
		return ids
	}
	exec := must(s.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: executionARN("sc"), StateMachineARN: machineARN, Name: "sc",
		Type: sfn.TypeStandard, Input: `{}`, StartDate: t0, Events: []*sfn.HistoryEvent{event(1, sfn.EventExecutionStarted)},
		EventDeliveries: []*store.EventDelivery{delivery("running")}})).get(t)
	equal(t, "after the start", due(), []string{"running"})

	err := s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 7,
		Update:          &store.ExecutionUpdate{Status: sfn.StatusSucceeded, StopDate: ptr(at(1))},
		EventDeliveries: []*store.EventDelivery{delivery("lost")}})
	if !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("step at a stale version: %v", err)
	}
	equal(t, "after a step that failed its guard", due(), []string{"running"})

	again := delivery("running")
	again.Event = "changed"
	check(t, s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: exec.ARN, ExpectedVersion: 1,
		Events:          []*sfn.HistoryEvent{event(2, sfn.EventExecutionSucceeded)},
		Update:          &store.ExecutionUpdate{Status: sfn.StatusSucceeded, StopDate: ptr(at(1))},
		EventDeliveries: []*store.EventDelivery{delivery("succeeded"), again}}))
	got := must(s.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{Owner: "n", Now: at(1), Until: at(2), Limit: 100})).get(t)
	events := map[string]string{}
	for _, d := range got {
		events[d.ID] = d.Event
	}
	equal(t, "after the step", events, map[string]string{"running": `{"id":"e-running"}`, "succeeded": `{"id":"e-succeeded"}`})
}
