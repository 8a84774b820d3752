package storetest

import (
	"errors"
	"testing"

	"github.com/stepflow/stepflow/store"
)

// Definitions are stored once by hash and read back; an unknown hash is not found.
func testDefinition(t *testing.T, s store.Store) {
	const hash, body = "abc123", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	check(t, s.DefinitionPut(ctx, &store.DefinitionPutParams{Hash: hash, Definition: body}))
	check(t, s.DefinitionPut(ctx, &store.DefinitionPutParams{Hash: hash, Definition: body})) // again: nothing changes
	equal(t, "definition", must(s.DefinitionGet(ctx, &store.DefinitionGetParams{Hash: hash})).get(t), body)
	_, err := s.DefinitionGet(ctx, &store.DefinitionGetParams{Hash: "missing"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown definition: %v, want not found", err)
	}
}
