package api

import "testing"

func TestInterpSnapshot(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, stored, want string }{
		{"engine header", "SFS2\nSTANDARD\narn:src\nabc\n5\n{\"a\"}{\"Version\":1}", `{"Version":1}`},
		{"raw interpreter snapshot", `{"Version":1}`, `{"Version":1}`},
		{"bad length", "SFS2\nSTANDARD\narn:src\nabc\n99\n{}", "SFS2\nSTANDARD\narn:src\nabc\n99\n{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(interpSnapshot([]byte(tc.stored))); got != tc.want {
				t.Fatalf("interpSnapshot = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMapRunARNParts(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:states:us-east-1:123456789012:mapRun:orders/Doubler:5f0c4a7e-1d2b-4c3d-8e9f-0a1b2c3d4e5f"
	if got := mapRunLabel(arn); got != "Doubler" {
		t.Fatalf("mapRunLabel = %q", got)
	}
	if got := mapRunStateMachineARN(arn); got != "arn:aws:states:us-east-1:123456789012:stateMachine:orders/Doubler" {
		t.Fatalf("mapRunStateMachineARN = %q", got)
	}
}
