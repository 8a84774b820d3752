package storetest

import (
	"errors"
	"testing"

	"github.com/stepflow/stepflow/store"
)

const (
	userARN = "arn:aws:iam::123456789012:user/alice"
	roleARN = "arn:aws:iam::123456789012:role/etl"
)

func testPrincipal(t *testing.T, s store.Store) {
	alice := must(s.PrincipalCreate(ctx, &store.PrincipalCreateParams{ARN: userARN, Kind: store.PrincipalUser, Name: "alice", ID: "AIDAALICE", CreatedDate: t0})).get(t)
	equal(t, "created", alice, &store.Principal{ARN: userARN, Kind: store.PrincipalUser, Name: "alice", ID: "AIDAALICE", CreatedDate: at(0)})
	// The ARN, the kind and name, and the id are each unique.
	for _, p := range []store.PrincipalCreateParams{
		{ARN: userARN, Kind: store.PrincipalUser, Name: "alice2", ID: "AIDA2"},
		{ARN: userARN + "x", Kind: store.PrincipalUser, Name: "alice", ID: "AIDA3"},
		{ARN: userARN + "y", Kind: store.PrincipalUser, Name: "alice4", ID: "AIDAALICE"},
	} {
		_, err := s.PrincipalCreate(ctx, &p)
		wantError(t, err, "principal "+p.ARN+" already exists")
	}
	must(s.PrincipalCreate(ctx, &store.PrincipalCreateParams{ARN: roleARN, Kind: store.PrincipalRole, Name: "etl", ID: "AROAETL", CreatedDate: t0})).get(t)
	// A user and a role may share a name.
	must(s.PrincipalCreate(ctx, &store.PrincipalCreateParams{ARN: "arn:aws:iam::123456789012:role/alice", Kind: store.PrincipalRole, Name: "alice", ID: "AROAALICE", CreatedDate: t0})).get(t)

	check(t, s.PrincipalPolicyPut(ctx, &store.PrincipalPolicyPutParams{PrincipalARN: userARN, Name: "start", Document: `{"v":1}`}))
	check(t, s.PrincipalPolicyPut(ctx, &store.PrincipalPolicyPutParams{PrincipalARN: userARN, Name: "read", Document: `{"v":2}`}))
	check(t, s.PrincipalPolicyPut(ctx, &store.PrincipalPolicyPutParams{PrincipalARN: userARN, Name: "start", Document: `{"v":3}`}))
	got := must(s.PrincipalGetByARN(ctx, &store.PrincipalGetByARNParams{ARN: userARN})).get(t)
	equal(t, "policies", got.Policies, []store.PrincipalPolicy{{Name: "read", Document: `{"v":2}`}, {Name: "start", Document: `{"v":3}`}})
	err := s.PrincipalPolicyPut(ctx, &store.PrincipalPolicyPutParams{PrincipalARN: userARN + "nobody", Name: "p", Document: "{}"})
	wantError(t, err, "principal "+userARN+"nobody does not exist")

	users := must(s.PrincipalList(ctx, &store.PrincipalListParams{Kind: store.PrincipalUser})).get(t)
	equal(t, "users", users, []*store.Principal{got})
	roles := must(s.PrincipalList(ctx, &store.PrincipalListParams{Kind: store.PrincipalRole})).get(t)
	equal(t, "roles", len(roles), 2)

	check(t, s.PrincipalPolicyDelete(ctx, &store.PrincipalPolicyDeleteParams{PrincipalARN: userARN, Name: "read"}))
	err = s.PrincipalPolicyDelete(ctx, &store.PrincipalPolicyDeleteParams{PrincipalARN: userARN, Name: "read"})
	wantError(t, err, "principal policy "+userARN+" read does not exist")

	check(t, s.TagSet(ctx, &store.TagSetParams{ResourceARN: userARN, Tags: []store.Tag{{Key: "team", Value: "blue"}}}))
	must(s.AccessKeyCreate(ctx, &store.AccessKeyCreateParams{ID: "AKIA1", PrincipalARN: userARN, SealedSecret: "sealed", Status: store.AccessKeyActive, CreatedDate: t0})).get(t)
	check(t, s.PrincipalDelete(ctx, &store.PrincipalDeleteParams{ARN: userARN}))
	_, err = s.PrincipalGetByARN(ctx, &store.PrincipalGetByARNParams{ARN: userARN})
	wantError(t, err, "principal "+userARN+" does not exist")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%v is not ErrNotFound", err)
	}
	_, err = s.AccessKeyGet(ctx, &store.AccessKeyGetParams{ID: "AKIA1"})
	wantError(t, err, "access key AKIA1 does not exist")
	equal(t, "tags after delete", must(s.TagList(ctx, &store.TagListParams{ResourceARN: userARN})).get(t), []store.Tag(nil))
	// A user created again under the same name starts without the old policies.
	must(s.PrincipalCreate(ctx, &store.PrincipalCreateParams{ARN: userARN, Kind: store.PrincipalUser, Name: "alice", ID: "AIDANEW", CreatedDate: t0})).get(t)
	equal(t, "policies of the new alice", must(s.PrincipalGetByARN(ctx, &store.PrincipalGetByARNParams{ARN: userARN})).get(t).Policies, []store.PrincipalPolicy(nil))
	err = s.PrincipalDelete(ctx, &store.PrincipalDeleteParams{ARN: "arn:aws:iam::123456789012:user/nobody"})
	wantError(t, err, "principal arn:aws:iam::123456789012:user/nobody does not exist")
}

func testAccessKey(t *testing.T, s store.Store) {
	must(s.PrincipalCreate(ctx, &store.PrincipalCreateParams{ARN: userARN, Kind: store.PrincipalUser, Name: "alice", ID: "AIDAALICE", CreatedDate: t0})).get(t)
	first := must(s.AccessKeyCreate(ctx, &store.AccessKeyCreateParams{ID: "AKIAFIRST", PrincipalARN: userARN, SealedSecret: "s1", Status: store.AccessKeyActive, CreatedDate: t0})).get(t)
	equal(t, "created", first, &store.AccessKey{ID: "AKIAFIRST", PrincipalARN: userARN, SealedSecret: "s1", Status: store.AccessKeyActive, CreatedDate: at(0)})
	second := must(s.AccessKeyCreate(ctx, &store.AccessKeyCreateParams{ID: "AKIASECOND", PrincipalARN: userARN, SealedSecret: "s2", Status: store.AccessKeyActive, CreatedDate: at(5)})).get(t)
	_, err := s.AccessKeyCreate(ctx, &store.AccessKeyCreateParams{ID: "AKIAFIRST", PrincipalARN: userARN, SealedSecret: "s3", Status: store.AccessKeyActive, CreatedDate: t0})
	wantError(t, err, "access key AKIAFIRST already exists")
	_, err = s.AccessKeyCreate(ctx, &store.AccessKeyCreateParams{ID: "AKIAORPHAN", PrincipalARN: roleARN, SealedSecret: "s", Status: store.AccessKeyActive, CreatedDate: t0})
	wantError(t, err, "principal "+roleARN+" does not exist")

	equal(t, "list", must(s.AccessKeyList(ctx, &store.AccessKeyListParams{PrincipalARN: userARN})).get(t), []*store.AccessKey{first, second})

	check(t, s.AccessKeyUpdate(ctx, &store.AccessKeyUpdateParams{ID: "AKIAFIRST", Status: store.AccessKeyInactive}))
	equal(t, "status", must(s.AccessKeyGet(ctx, &store.AccessKeyGetParams{ID: "AKIAFIRST"})).get(t).Status, store.AccessKeyInactive)
	err = s.AccessKeyUpdate(ctx, &store.AccessKeyUpdateParams{ID: "AKIANONE", Status: store.AccessKeyInactive})
	wantError(t, err, "access key AKIANONE does not exist")

	check(t, s.AccessKeyDelete(ctx, &store.AccessKeyDeleteParams{ID: "AKIAFIRST"}))
	wantError(t, s.AccessKeyDelete(ctx, &store.AccessKeyDeleteParams{ID: "AKIAFIRST"}), "access key AKIAFIRST does not exist")
	equal(t, "list after delete", must(s.AccessKeyList(ctx, &store.AccessKeyListParams{PrincipalARN: userARN})).get(t), []*store.AccessKey{second})
}
