package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func createMachine(t *testing.T, s store.Store, arn string) *store.StateMachine {
	t.Helper()
	return must(s.StateMachineCreate(ctx, &store.StateMachineCreateParams{
		ARN:                  arn,
		Name:                 arn[len("arn:aws:states:us-east-1:123456789012:stateMachine:"):],
		Type:                 sfn.TypeStandard,
		Definition:           `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		RoleARN:              "arn:aws:iam::123456789012:role/r",
		Description:          "orders",
		LoggingConfiguration: `{"level":"OFF"}`,
		TracingConfiguration: `{"enabled":false}`,
		RevisionID:           "rev-1",
		CreatedDate:          t0,
	})).get(t)
}

func testStateMachine(t *testing.T, s store.Store) {
	created := createMachine(t, s, machineARN)
	want := &store.StateMachine{
		ARN:                  machineARN,
		Name:                 "Orders",
		Type:                 sfn.TypeStandard,
		Definition:           `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		RoleARN:              "arn:aws:iam::123456789012:role/r",
		Description:          "orders",
		LoggingConfiguration: `{"level":"OFF"}`,
		TracingConfiguration: `{"enabled":false}`,
		RevisionID:           "rev-1",
		CreatedDate:          at(0),
		UpdatedDate:          at(0),
	}
	equal(t, "created", created, want)
	equal(t, "got", must(s.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: machineARN})).get(t), want)

	_, err := s.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: machineARN, Name: "Orders", CreatedDate: t0})
	wantError(t, err, "state machine "+machineARN+" already exists")
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("errors.Is(%v, ErrAlreadyExists) = false", err)
	}

	_, err = s.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: otherARN})
	wantError(t, err, "state machine "+otherARN+" does not exist")
	var notFound *store.NotFoundError
	if !errors.As(err, &notFound) || notFound.Resource != store.ResourceStateMachine || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("got %#v, want a *NotFoundError for the state machine", err)
	}

	updated := must(s.StateMachineUpdate(ctx, &store.StateMachineUpdateParams{
		ARN:         machineARN,
		Definition:  ptr(`{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}`),
		Description: ptr(""),
		RevisionID:  "rev-2",
		UpdatedDate: t0.Add(201 * time.Second),
	})).get(t)
	want.Definition, want.Description, want.RevisionID, want.UpdatedDate =
		`{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}`, "", "rev-2", at(201)
	equal(t, "updated", updated, want)

	_, err = s.StateMachineUpdate(ctx, &store.StateMachineUpdateParams{ARN: otherARN, RevisionID: "x", UpdatedDate: t0})
	wantError(t, err, "state machine "+otherARN+" does not exist")
}

func testStateMachineList(t *testing.T, s store.Store) {
	var want []string
	for i := range 5 {
		arn := fmt.Sprintf("%s%d", machineARN, 4-i) // created out of ARN order
		createMachine(t, s, arn)
		want = append([]string{arn}, want...)
	}
	var got []string
	token, pages := "", 0
	for {
		page := must(s.StateMachineList(ctx, &store.StateMachineListParams{MaxResults: 2, NextToken: token})).get(t)
		pages++
		for _, m := range page.StateMachines {
			got = append(got, m.ARN)
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	equal(t, "listed ARNs", got, want)
	equal(t, "pages", pages, 3)

	_, err := s.StateMachineList(ctx, &store.StateMachineListParams{NextToken: "garbage"})
	wantError(t, err, "list state machines: invalid page token")
	if !errors.Is(err, store.ErrInvalidPageToken) {
		t.Fatalf("errors.Is(%v, ErrInvalidPageToken) = false", err)
	}
	// A token of another listing is refused too.
	acts := must(s.ActivityList(ctx, &store.ActivityListParams{})).get(t)
	equal(t, "activities", len(acts.Activities), 0)
	createExecution(t, s, "e1", 0)
	createExecution(t, s, "e2", 1)
	executions := must(s.ExecutionList(ctx, &store.ExecutionListParams{MaxResults: 1})).get(t)
	_, err = s.StateMachineList(ctx, &store.StateMachineListParams{NextToken: executions.NextToken})
	wantError(t, err, "list state machines: invalid page token")
}

func testStateMachineVersion(t *testing.T, s store.Store) {
	createMachine(t, s, machineARN)
	v1 := must(s.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{
		StateMachineARN: machineARN, Description: "first", CreatedDate: t0.Add(201 * time.Second),
	})).get(t)
	want := &store.StateMachineVersion{
		ARN:                  machineARN + ":1",
		StateMachineARN:      machineARN,
		Number:               1,
		Description:          "first",
		RevisionID:           "rev-1",
		Type:                 sfn.TypeStandard,
		Definition:           `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		RoleARN:              "arn:aws:iam::123456789012:role/r",
		LoggingConfiguration: `{"level":"OFF"}`,
		TracingConfiguration: `{"enabled":false}`,
		CreatedDate:          at(201),
	}
	equal(t, "version 1", v1, want)
	equal(t, "got", must(s.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: v1.ARN})).get(t), want)

	v2 := must(s.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{StateMachineARN: machineARN, CreatedDate: t0})).get(t)
	equal(t, "second number", v2.Number, int64(2))
	check(t, s.StateMachineVersionDelete(ctx, &store.StateMachineVersionDeleteParams{ARN: v2.ARN}))
	v3 := must(s.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{StateMachineARN: machineARN, CreatedDate: t0})).get(t)
	equal(t, "number after a deletion (never reused)", v3.ARN, machineARN+":3")

	page := must(s.StateMachineVersionList(ctx, &store.StateMachineVersionListParams{StateMachineARN: machineARN, MaxResults: 1})).get(t)
	equal(t, "first page", []int64{page.Versions[0].Number}, []int64{3})
	page = must(s.StateMachineVersionList(ctx, &store.StateMachineVersionListParams{
		StateMachineARN: machineARN, MaxResults: 1, NextToken: page.NextToken})).get(t)
	equal(t, "second page", []int64{page.Versions[0].Number}, []int64{1})
	equal(t, "last token", page.NextToken, "")

	err := s.StateMachineVersionDelete(ctx, &store.StateMachineVersionDeleteParams{ARN: v2.ARN})
	wantError(t, err, "state machine version "+v2.ARN+" does not exist")
	_, err = s.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: v2.ARN})
	wantError(t, err, "state machine version "+v2.ARN+" does not exist")
	_, err = s.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{StateMachineARN: otherARN, CreatedDate: t0})
	wantError(t, err, "state machine "+otherARN+" does not exist")
}

func testStateMachineAlias(t *testing.T, s store.Store) {
	createMachine(t, s, machineARN)
	aliasARN := machineARN + ":live"
	routing := []store.RoutingEntry{{StateMachineVersionARN: machineARN + ":1", Weight: 90}, {StateMachineVersionARN: machineARN + ":2", Weight: 10}}
	created := must(s.StateMachineAliasCreate(ctx, &store.StateMachineAliasCreateParams{
		ARN: aliasARN, StateMachineARN: machineARN, Name: "live", Description: "prod", Routing: routing, CreatedDate: t0,
	})).get(t)
	want := &store.StateMachineAlias{ARN: aliasARN, StateMachineARN: machineARN, Name: "live", Description: "prod",
		Routing: routing, CreatedDate: at(0), UpdatedDate: at(0)}
	equal(t, "created", created, want)

	_, err := s.StateMachineAliasCreate(ctx, &store.StateMachineAliasCreateParams{ARN: aliasARN, StateMachineARN: machineARN, CreatedDate: t0})
	wantError(t, err, "state machine alias "+aliasARN+" already exists")

	updated := must(s.StateMachineAliasUpdate(ctx, &store.StateMachineAliasUpdateParams{
		ARN: aliasARN, Routing: routing[:1], UpdatedDate: t0.Add(201 * time.Second),
	})).get(t)
	want.Routing, want.UpdatedDate = routing[:1], at(201)
	equal(t, "updated", updated, want)

	must(s.StateMachineAliasCreate(ctx, &store.StateMachineAliasCreateParams{
		ARN: machineARN + ":beta", StateMachineARN: machineARN, Name: "beta", Routing: routing[1:], CreatedDate: t0,
	})).get(t)
	page := must(s.StateMachineAliasList(ctx, &store.StateMachineAliasListParams{StateMachineARN: machineARN, MaxResults: 1})).get(t)
	equal(t, "first page", page.Aliases[0].Name, "beta")
	page = must(s.StateMachineAliasList(ctx, &store.StateMachineAliasListParams{StateMachineARN: machineARN, MaxResults: 1, NextToken: page.NextToken})).get(t)
	equal(t, "second page", page.Aliases, []*store.StateMachineAlias{want})
	equal(t, "last token", page.NextToken, "")

	check(t, s.StateMachineAliasDelete(ctx, &store.StateMachineAliasDeleteParams{ARN: aliasARN}))
	_, err = s.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: aliasARN})
	wantError(t, err, "state machine alias "+aliasARN+" does not exist")
	err = s.StateMachineAliasDelete(ctx, &store.StateMachineAliasDeleteParams{ARN: aliasARN})
	wantError(t, err, "state machine alias "+aliasARN+" does not exist")
	_, err = s.StateMachineAliasUpdate(ctx, &store.StateMachineAliasUpdateParams{ARN: aliasARN, UpdatedDate: t0})
	wantError(t, err, "state machine alias "+aliasARN+" does not exist")
}

func testStateMachineDelete(t *testing.T, s store.Store) {
	createMachine(t, s, machineARN)
	createMachine(t, s, otherARN)
	v := must(s.StateMachineVersionCreate(ctx, &store.StateMachineVersionCreateParams{StateMachineARN: machineARN, CreatedDate: t0})).get(t)
	alias := must(s.StateMachineAliasCreate(ctx, &store.StateMachineAliasCreateParams{
		ARN: machineARN + ":live", StateMachineARN: machineARN, Name: "live", CreatedDate: t0})).get(t)
	for _, arn := range []string{machineARN, v.ARN, alias.ARN, otherARN} {
		check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: arn, Tags: []store.Tag{{Key: "team", Value: "a"}}}))
	}
	exec := createExecution(t, s, "survivor", 0)

	check(t, s.StateMachineDelete(ctx, &store.StateMachineDeleteParams{ARN: machineARN}))
	_, err := s.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: machineARN})
	wantError(t, err, "state machine "+machineARN+" does not exist")
	_, err = s.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: v.ARN})
	wantError(t, err, "state machine version "+v.ARN+" does not exist")
	_, err = s.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: alias.ARN})
	wantError(t, err, "state machine alias "+alias.ARN+" does not exist")
	for _, arn := range []string{machineARN, v.ARN, alias.ARN} {
		equal(t, "tags of "+arn, must(s.TagList(ctx, &store.TagListParams{ResourceARN: arn})).get(t), []store.Tag(nil))
	}
	equal(t, "tags of the other machine", must(s.TagList(ctx, &store.TagListParams{ResourceARN: otherARN})).get(t),
		[]store.Tag{{Key: "team", Value: "a"}})
	// Executions outlive their state machine until retention removes them.
	must(s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: exec.ARN})).get(t)

	err = s.StateMachineDelete(ctx, &store.StateMachineDeleteParams{ARN: machineARN})
	wantError(t, err, "state machine "+machineARN+" does not exist")
}

func testTag(t *testing.T, s store.Store) {
	check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: machineARN, Tags: []store.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}}}))
	check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: machineARN, Tags: []store.Tag{{Key: "b", Value: "3"}, {Key: "c", Value: ""}}}))
	equal(t, "tags", must(s.TagList(ctx, &store.TagListParams{ResourceARN: machineARN})).get(t),
		[]store.Tag{{Key: "a", Value: "2"}, {Key: "b", Value: "3"}, {Key: "c", Value: ""}})
	check(t, s.TagDelete(ctx, &store.TagDeleteParams{ResourceARN: machineARN, Keys: []string{"a", "missing"}}))
	equal(t, "after delete", must(s.TagList(ctx, &store.TagListParams{ResourceARN: machineARN})).get(t),
		[]store.Tag{{Key: "b", Value: "3"}, {Key: "c", Value: ""}})
	equal(t, "other resource", must(s.TagList(ctx, &store.TagListParams{ResourceARN: otherARN})).get(t), []store.Tag(nil))
}

func testActivity(t *testing.T, s store.Store) {
	const arn = "arn:aws:states:us-east-1:123456789012:activity:approve"
	created := must(s.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: arn, Name: "approve", CreatedDate: t0})).get(t)
	equal(t, "created", created, &store.Activity{ARN: arn, Name: "approve", CreatedDate: at(0)})
	_, err := s.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: arn, Name: "approve", CreatedDate: t0})
	wantError(t, err, "activity "+arn+" already exists")
	must(s.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: arn + "2", Name: "approve2", CreatedDate: t0})).get(t)

	page := must(s.ActivityList(ctx, &store.ActivityListParams{MaxResults: 1})).get(t)
	equal(t, "first page", page.Activities, []*store.Activity{created})
	page = must(s.ActivityList(ctx, &store.ActivityListParams{MaxResults: 1, NextToken: page.NextToken})).get(t)
	equal(t, "second page", page.Activities[0].Name, "approve2")
	equal(t, "last token", page.NextToken, "")

	check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: arn, Tags: []store.Tag{{Key: "k", Value: "v"}}}))
	check(t, s.ActivityDelete(ctx, &store.ActivityDeleteParams{ARN: arn}))
	equal(t, "tags after delete", must(s.TagList(ctx, &store.TagListParams{ResourceARN: arn})).get(t), []store.Tag(nil))
	_, err = s.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: arn})
	wantError(t, err, "activity "+arn+" does not exist")
	err = s.ActivityDelete(ctx, &store.ActivityDeleteParams{ARN: arn})
	wantError(t, err, "activity "+arn+" does not exist")
}
