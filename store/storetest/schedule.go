package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/store"
)

const schedulerARN = "arn:aws:scheduler:us-east-1:123456789012:"

func testScheduleGroup(t *testing.T, s store.Store) {
	created := must(s.ScheduleGroupCreate(ctx, &store.ScheduleGroupCreateParams{Name: "jobs", ARN: schedulerARN + "schedule-group/jobs", CreatedDate: t0})).get(t)
	equal(t, "created", created, &store.ScheduleGroup{Name: "jobs", ARN: schedulerARN + "schedule-group/jobs", CreatedDate: at(0), ModifiedDate: at(0)})
	_, err := s.ScheduleGroupCreate(ctx, &store.ScheduleGroupCreateParams{Name: "jobs", ARN: "x", CreatedDate: t0})
	wantError(t, err, "schedule group jobs already exists")
	must(s.ScheduleGroupCreate(ctx, &store.ScheduleGroupCreateParams{Name: "jobs_2", ARN: "y", CreatedDate: t0})).get(t)
	must(s.ScheduleGroupCreate(ctx, &store.ScheduleGroupCreateParams{Name: "other", ARN: "z", CreatedDate: t0})).get(t)

	page := must(s.ScheduleGroupList(ctx, &store.ScheduleGroupListParams{NamePrefix: "jobs", MaxResults: 1})).get(t)
	equal(t, "first page", page.Groups, []*store.ScheduleGroup{created})
	page = must(s.ScheduleGroupList(ctx, &store.ScheduleGroupListParams{NamePrefix: "jobs", MaxResults: 1, NextToken: page.NextToken})).get(t)
	equal(t, "second page", page.Groups[0].Name, "jobs_2")
	equal(t, "last token", page.NextToken, "")

	// A schedule needs its group; deleting the group deletes its schedules, fires and tags.
	_, err = s.ScheduleCreate(ctx, &store.ScheduleCreateParams{Schedule: store.Schedule{GroupName: "nope", Name: "a", ID: "id-nope", State: store.ScheduleEnabled, CreatedDate: t0}})
	wantError(t, err, "schedule group nope does not exist")
	sc := must(s.ScheduleCreate(ctx, &store.ScheduleCreateParams{Schedule: store.Schedule{GroupName: "jobs", Name: "a", ID: "id-a",
		ARN: schedulerARN + "schedule/jobs/a", State: store.ScheduleEnabled, Definition: "{}", NextSlot: ptr(at(60)), NextFireAt: ptr(at(60)), CreatedDate: t0}})).get(t)
	fired := must(s.ScheduleFire(ctx, &store.ScheduleFireParams{GroupName: "jobs", Name: "a", Version: sc.Version, Slot: at(60), FiredAt: at(61), ExecutionName: "e"})).get(t)
	equal(t, "fired", fired.Fired, true)
	check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: created.ARN, Tags: []store.Tag{{Key: "k", Value: "v"}}}))
	check(t, s.ScheduleGroupDelete(ctx, &store.ScheduleGroupDeleteParams{Name: "jobs"}))
	_, err = s.ScheduleGroupGet(ctx, &store.ScheduleGroupGetParams{Name: "jobs"})
	wantError(t, err, "schedule group jobs does not exist")
	_, err = s.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: "jobs", Name: "a"})
	wantError(t, err, "schedule jobs/a does not exist")
	equal(t, "fires after delete", len(must(s.ScheduleFireList(ctx, &store.ScheduleFireListParams{ScheduleID: "id-a"})).get(t)), 0)
	equal(t, "tags after delete", must(s.TagList(ctx, &store.TagListParams{ResourceARN: created.ARN})).get(t), []store.Tag(nil))
	wantError(t, s.ScheduleGroupDelete(ctx, &store.ScheduleGroupDeleteParams{Name: "jobs"}), "schedule group jobs does not exist")
}

func testSchedule(t *testing.T, s store.Store) {
	create := func(name, state string, next *int) *store.Schedule {
		sc := store.Schedule{GroupName: "default", Name: name, ID: "id-" + name, ARN: schedulerARN + "schedule/default/" + name,
			State: state, Definition: `{"n":"` + name + `"}`, CreatedDate: t0}
		if next != nil {
			sc.NextSlot, sc.NextFireAt = ptr(at(*next)), ptr(at(*next+5))
		}
		return must(s.ScheduleCreate(ctx, &store.ScheduleCreateParams{Schedule: sc})).get(t)
	}
	b := create("b", store.ScheduleEnabled, ptr(100))
	equal(t, "created", b, &store.Schedule{GroupName: "default", Name: "b", ID: "id-b", ARN: schedulerARN + "schedule/default/b",
		State: store.ScheduleEnabled, Definition: `{"n":"b"}`, NextSlot: ptr(at(100)), NextFireAt: ptr(at(105)), Version: 1,
		CreatedDate: at(0), ModifiedDate: at(0)})
	_, err := s.ScheduleCreate(ctx, &store.ScheduleCreateParams{Schedule: store.Schedule{GroupName: "default", Name: "b", ID: "id-b2", CreatedDate: t0}})
	wantError(t, err, "schedule default/b already exists")
	create("a", store.ScheduleDisabled, ptr(50))
	create("c", store.ScheduleEnabled, ptr(10))
	create("d", store.ScheduleEnabled, nil) // no slot left

	// Due: enabled, with a fire time at or before now, soonest first.
	due := must(s.ScheduleDue(ctx, &store.ScheduleDueParams{Now: at(105)})).get(t)
	equal(t, "due", []string{due[0].Name, due[1].Name}, []string{"c", "b"})
	equal(t, "due count", len(due), 2)
	equal(t, "due before", len(must(s.ScheduleDue(ctx, &store.ScheduleDueParams{Now: at(104)})).get(t)), 1)

	// Listing by state, prefix, pages.
	page := must(s.ScheduleList(ctx, &store.ScheduleListParams{GroupName: "default", State: store.ScheduleEnabled, MaxResults: 2})).get(t)
	equal(t, "page 1", []string{page.Schedules[0].Name, page.Schedules[1].Name}, []string{"b", "c"})
	page = must(s.ScheduleList(ctx, &store.ScheduleListParams{GroupName: "default", State: store.ScheduleEnabled, MaxResults: 2, NextToken: page.NextToken})).get(t)
	equal(t, "page 2", page.Schedules[0].Name, "d")
	equal(t, "page 2 token", page.NextToken, "")
	equal(t, "all groups", len(must(s.ScheduleList(ctx, &store.ScheduleListParams{})).get(t).Schedules), 4)

	// An update replaces state, definition and next slot and counts the version up.
	up := must(s.ScheduleUpdate(ctx, &store.ScheduleUpdateParams{GroupName: "default", Name: "b", State: store.ScheduleDisabled,
		Definition: `{"v":2}`, NextSlot: ptr(at(200)), NextFireAt: ptr(at(200)), ModifiedDate: at(7)})).get(t)
	equal(t, "updated", up, &store.Schedule{GroupName: "default", Name: "b", ID: "id-b", ARN: b.ARN, State: store.ScheduleDisabled,
		Definition: `{"v":2}`, NextSlot: ptr(at(200)), NextFireAt: ptr(at(200)), Version: 2, CreatedDate: at(0), ModifiedDate: at(7)})
	_, err = s.ScheduleUpdate(ctx, &store.ScheduleUpdateParams{GroupName: "default", Name: "zz"})
	wantError(t, err, "schedule default/zz does not exist")

	// A fire with a stale version writes nothing.
	res := must(s.ScheduleFire(ctx, &store.ScheduleFireParams{GroupName: "default", Name: "b", Version: 1, Slot: at(100), FiredAt: at(101),
		ExecutionName: "stale", Delivery: &store.EventDelivery{ID: "stale", NextAttemptAt: at(0), EventTime: at(0), CreatedDate: at(0)}})).get(t)
	equal(t, "stale fire", res.Fired, false)
	equal(t, "no stale delivery", len(must(s.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryPending})).get(t).Deliveries), 0)

	// A fire moves the schedule on, writes the fire row and the delivery.
	res = must(s.ScheduleFire(ctx, &store.ScheduleFireParams{GroupName: "default", Name: "b", Version: 2, Slot: at(200), NextSlot: ptr(at(300)),
		NextFireAt: ptr(at(310)), FiredAt: at(201), ExecutionName: "b-200",
		Delivery: &store.EventDelivery{ID: "b-200", RuleARN: b.ARN, Target: "{}", Event: "{}", EventTime: at(200), NextAttemptAt: at(201), CreatedDate: at(201)}})).get(t)
	equal(t, "fired", res.Fired, true)
	after := must(s.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: "default", Name: "b"})).get(t)
	equal(t, "moved on", []any{after.NextSlot, after.NextFireAt, after.Version}, []any{ptr(at(300)), ptr(at(310)), int64(3)})
	equal(t, "delivery", must(s.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryPending})).get(t).Deliveries[0].ID, "b-200")

	// The same slot again (a schedule moved back to it) moves on but does not fire.
	res = must(s.ScheduleFire(ctx, &store.ScheduleFireParams{GroupName: "default", Name: "b", Version: 3, Slot: at(200), NextSlot: ptr(at(300)),
		NextFireAt: ptr(at(300)), FiredAt: at(202), ExecutionName: "b-200",
		Delivery: &store.EventDelivery{ID: "b-200-again", EventTime: at(200), NextAttemptAt: at(201), CreatedDate: at(201)}})).get(t)
	equal(t, "refired", res.Fired, false)
	equal(t, "version after refire", must(s.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: "default", Name: "b"})).get(t).Version, int64(4))
	equal(t, "one delivery", len(must(s.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryPending})).get(t).Deliveries), 1)
	fires := must(s.ScheduleFireList(ctx, &store.ScheduleFireListParams{ScheduleID: "id-b"})).get(t)
	equal(t, "fires", fires, []*store.ScheduleFire{{ScheduleID: "id-b", Slot: at(200), FiredAt: at(201), ExecutionName: "b-200"}})

	// A last fire can delete the schedule (ActionAfterCompletion DELETE).
	c := must(s.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: "default", Name: "c"})).get(t)
	res = must(s.ScheduleFire(ctx, &store.ScheduleFireParams{GroupName: "default", Name: "c", Version: c.Version, Slot: at(10), FiredAt: at(11), ExecutionName: "c", Delete: true})).get(t)
	equal(t, "fired and deleted", res.Fired, true)
	_, err = s.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: "default", Name: "c"})
	wantError(t, err, "schedule default/c does not exist")
	equal(t, "fires of deleted", len(must(s.ScheduleFireList(ctx, &store.ScheduleFireListParams{ScheduleID: "id-c"})).get(t)), 0)

	check(t, s.ScheduleDelete(ctx, &store.ScheduleDeleteParams{GroupName: "default", Name: "b"}))
	wantError(t, s.ScheduleDelete(ctx, &store.ScheduleDeleteParams{GroupName: "default", Name: "b"}), "schedule default/b does not exist")
}

// Many callers firing the same slot of the same version at once: exactly one fires it.
func testScheduleFireConcurrent(t *testing.T, s store.Store) {
	const schedules, callers = 5, 8
	for i := range schedules {
		must(s.ScheduleCreate(ctx, &store.ScheduleCreateParams{Schedule: store.Schedule{GroupName: "default", Name: fmt.Sprint("s", i),
			ID: fmt.Sprint("id-s", i), State: store.ScheduleEnabled, Definition: "{}", NextSlot: ptr(at(0)), NextFireAt: ptr(at(0)), CreatedDate: t0}})).get(t)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fired = map[string]int{}
	)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range schedules {
				name := fmt.Sprint("s", i)
				res, err := s.ScheduleFire(ctx, &store.ScheduleFireParams{GroupName: "default", Name: name, Version: 1, Slot: at(0),
					NextSlot: ptr(at(60)), NextFireAt: ptr(at(60)), FiredAt: at(1), ExecutionName: fmt.Sprint(name, "-", c),
					Delivery: &store.EventDelivery{ID: name + "-slot0", EventTime: at(0), NextAttemptAt: at(0), CreatedDate: at(0)}})
				if err != nil {
					t.Error(err)
					return
				}
				if res.Fired {
					mu.Lock()
					fired[name]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for i := range schedules {
		equal(t, fmt.Sprint("fires of s", i), fired[fmt.Sprint("s", i)], 1)
	}
	equal(t, "deliveries", len(must(s.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryPending})).get(t).Deliveries), schedules)
}
