package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stepflow/stepflow/store"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err      error
		sentinel error
		msg      string
	}{
		{&store.NotFoundError{Resource: store.ResourceExecution, Key: "arn:x"}, store.ErrNotFound, "execution arn:x does not exist"},
		{&store.AlreadyExistsError{Resource: store.ResourceActivity, Key: "arn:a"}, store.ErrAlreadyExists, "activity arn:a already exists"},
		{&store.ConflictError{ExecutionARN: "arn:e", ExpectedVersion: 3, ActualVersion: 5}, store.ErrVersionConflict,
			"execution arn:e: version conflict: expected version 3, found 5"},
	} {
		wrapped := fmt.Errorf("context: %w", tc.err)
		if !errors.Is(wrapped, tc.sentinel) {
			t.Errorf("errors.Is(%v, %v) = false", wrapped, tc.sentinel)
		}
		if tc.err.Error() != tc.msg {
			t.Errorf("got %q, want %q", tc.err.Error(), tc.msg)
		}
		for _, other := range []error{store.ErrNotFound, store.ErrAlreadyExists, store.ErrVersionConflict} {
			if other != tc.sentinel && errors.Is(tc.err, other) {
				t.Errorf("errors.Is(%v, %v) = true", tc.err, other)
			}
		}
	}
}

func TestPageSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want int }{{0, 100}, {-1, 100}, {1, 1}, {1000, 1000}, {5000, 1000}} {
		if got := store.PageSize(tc.in); got != tc.want {
			t.Errorf("PageSize(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
