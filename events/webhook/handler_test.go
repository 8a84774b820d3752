package webhook

import (
	"strings"
	"testing"
	"time"
)

// TestVerifyDuringSecretRotation: while a secret is being changed a sender signs with the old
// and the new one; either matching is enough, and schemes other than v1 are ignored.
func TestVerifyDuringSecretRotation(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":1}`)
	now := time.Unix(1_800_000_000, 0)
	newSig := Sign("the-new-secret-0123", body, now)
	oldSig := Sign("the-old-secret-0123", body, now)
	_, oldV1, _ := strings.Cut(oldSig, ",")
	_, newV1, _ := strings.Cut(newSig, ",")
	header := "t=1800000000,v0=ignored," + oldV1 + "," + newV1
	for _, secret := range []string{"the-new-secret-0123", "the-old-secret-0123"} {
		if _, ref := verify(header, []byte(secret), body, now); ref != nil {
			t.Errorf("secret %s: %s", secret, ref.message)
		}
	}
	if _, ref := verify(header, []byte("a-third-secret-0123"), body, now); ref == nil || ref.status != 401 {
		t.Errorf("a third secret was accepted: %+v", ref)
	}
	if _, ref := verify("t=1,t=2,"+newV1, []byte("the-new-secret-0123"), body, now); ref == nil || ref.message != "The X-Stepflow-Signature header has more than one timestamp." {
		t.Errorf("two timestamps: %+v", ref)
	}
}
