package iam_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

func openDirectory(t *testing.T) (*iam.Directory, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := iam.NewSecretBox([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return iam.NewDirectory(st, box, sfn.DefaultScope, nil), st
}

func wantIAMError(t *testing.T, err error, code, message string) {
	t.Helper()
	var e *iam.Error
	if !errors.As(err, &e) || e.Code != code || e.Message != message {
		t.Fatalf("got %v, want %s: %s", err, code, message)
	}
}

func TestDirectoryUsersAndKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, st := openDirectory(t)
	alice, err := d.CreatePrincipal(ctx, store.PrincipalUser, "alice", []store.Tag{{Key: "team", Value: "blue"}})
	if err != nil {
		t.Fatal(err)
	}
	if alice.ARN != "arn:aws:iam::123456789012:user/alice" || !strings.HasPrefix(alice.ID, "AIDA") || len(alice.ID) != 21 {
		t.Fatalf("user: %+v", alice)
	}
	_, err = d.CreatePrincipal(ctx, store.PrincipalUser, "alice", nil)
	wantIAMError(t, err, iam.CodeEntityAlreadyExists, "User with name alice already exists.")
	_, err = d.CreatePrincipal(ctx, store.PrincipalUser, "al ice", nil)
	wantIAMError(t, err, iam.CodeValidationError, "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-")

	err = d.PutPolicy(ctx, store.PrincipalUser, "alice", "start", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:StartExecution"}}`)
	wantIAMError(t, err, iam.CodeMalformedPolicyDocument, "Policy statement must contain resources.")
	err = d.PutPolicy(ctx, store.PrincipalUser, "bob", "start", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`)
	wantIAMError(t, err, iam.CodeNoSuchEntity, "The user with name bob cannot be found.")
	if err := d.PutPolicy(ctx, store.PrincipalUser, "alice", "start", `{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Allow","Action":"states:StartExecution","Resource":"*"}}`); err != nil {
		t.Fatal(err)
	}

	k1, err := d.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k1.ID, "AKIA") || len(k1.ID) != 20 || len(k1.Secret) != 40 || k1.Status != store.AccessKeyActive {
		t.Fatalf("key: %+v", k1)
	}
	// The store keeps the secret sealed, never in clear.
	stored, err := st.AccessKeyGet(ctx, &store.AccessKeyGetParams{ID: k1.ID})
	if err != nil || strings.Contains(stored.SealedSecret, k1.Secret) {
		t.Fatalf("stored key %+v, %v", stored, err)
	}
	k2, err := d.CreateAccessKey(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.CreateAccessKey(ctx, "alice")
	wantIAMError(t, err, iam.CodeLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: 2")

	caller, secret, err := d.Authenticate(ctx, k1.ID)
	if err != nil || secret != k1.Secret || caller.Principal.ARN != alice.ARN || caller.KeyID != k1.ID ||
		len(caller.Policies) != 1 || len(caller.Tags) != 1 {
		t.Fatalf("authenticate: %+v %q %v", caller, secret, err)
	}
	c := iam.Context{}
	caller.FillContext(c, "123456789012")
	dec := iam.Evaluate(caller.Policies, &iam.Request{Principal: alice.ARN, Action: "states:StartExecution", Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:x", Context: c})
	if !dec.Allowed() || dec.Policy != "start" || dec.Sid != "S" {
		t.Fatalf("decision %+v", dec)
	}

	// Inactive keys and deleted keys stop at once; the other key keeps working.
	if err := d.UpdateAccessKey(ctx, "alice", k1.ID, store.AccessKeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Authenticate(ctx, k1.ID); !errors.Is(err, iam.ErrUnknownAccessKey) {
		t.Fatalf("inactive key: %v", err)
	}
	if _, _, err := d.Authenticate(ctx, k2.ID); err != nil {
		t.Fatalf("other key: %v", err)
	}
	err = d.UpdateAccessKey(ctx, "alice", k1.ID, "Disabled")
	wantIAMError(t, err, iam.CodeValidationError, "1 validation error detected: Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	if err := d.UpdateAccessKey(ctx, "alice", k1.ID, store.AccessKeyActive); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Authenticate(ctx, k1.ID); err != nil {
		t.Fatalf("reactivated key: %v", err)
	}
	if err := d.DeleteAccessKey(ctx, "alice", k1.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Authenticate(ctx, k1.ID); !errors.Is(err, iam.ErrUnknownAccessKey) {
		t.Fatalf("deleted key: %v", err)
	}
	err = d.DeleteAccessKey(ctx, "alice", k1.ID)
	wantIAMError(t, err, iam.CodeNoSuchEntity, "The Access Key with id "+k1.ID+" cannot be found.")

	// Another user cannot touch alice's key.
	if _, err := d.CreatePrincipal(ctx, store.PrincipalUser, "bob", nil); err != nil {
		t.Fatal(err)
	}
	err = d.UpdateAccessKey(ctx, "bob", k2.ID, store.AccessKeyInactive)
	wantIAMError(t, err, iam.CodeNoSuchEntity, "The Access Key with id "+k2.ID+" cannot be found.")

	keys, err := d.ListAccessKeys(ctx, "alice")
	if err != nil || len(keys) != 1 || keys[0].ID != k2.ID {
		t.Fatalf("list: %v %v", keys, err)
	}
	// Deleting the user deletes its keys.
	if err := d.DeletePrincipal(ctx, store.PrincipalUser, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Authenticate(ctx, k2.ID); !errors.Is(err, iam.ErrUnknownAccessKey) {
		t.Fatalf("key of a deleted user: %v", err)
	}
}

func TestSecretBox(t *testing.T) {
	t.Parallel()
	key, err := iam.ParseServerKey([]byte(strings.Repeat("ab", 32) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	box, _ := iam.NewSecretBox(key)
	sealed, err := box.Seal("AKIA1", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := box.Open("AKIA1", sealed); err != nil || got != "secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	// A sealed secret is bound to its key id.
	if _, err := box.Open("AKIA2", sealed); !errors.Is(err, iam.ErrSealedSecret) {
		t.Fatalf("open under another id: %v", err)
	}
	other, _ := iam.NewSecretBox(make([]byte, 32))
	if _, err := other.Open("AKIA1", sealed); !errors.Is(err, iam.ErrSealedSecret) {
		t.Fatalf("open with another server key: %v", err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("z", 64)} {
		if _, err := iam.ParseServerKey([]byte(bad)); err == nil {
			t.Errorf("ParseServerKey(%q) accepted", bad)
		}
	}
	if k, err := iam.ParseServerKey([]byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")); err != nil || string(k) != "0123456789abcdef0123456789abcdef" {
		t.Errorf("base64 key: %q %v", k, err)
	}
}
