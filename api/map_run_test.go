package api

import "testing"

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
