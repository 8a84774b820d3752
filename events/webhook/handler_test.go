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

// TestVerifyGitHub: GitHub's X-Hub-Signature-256 is the hex HMAC-SHA256 of the body alone;
// its replay key is kept for GitHubReplayWindow, since it carries no timestamp.
func TestVerifyGitHub(t *testing.T) {
	t.Parallel()
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	secret := "github-secret-0123"
	now := time.Unix(1_800_000_000, 0)
	// The signature of this body under this secret, as Python's hmac module computes it.
	const want = "sha256=5a5876adf158fc113c8a72ae91fbb6f316a3273165562e5303c45f7d45dc2559"
	got := SignGitHub(secret, body)
	if got != want {
		t.Fatalf("SignGitHub = %s, want %s", got, want)
	}
	sig, ref := verifyGitHub(got, []byte(secret), body, now)
	if ref != nil || sig.key != got || !sig.expires.Equal(now.Add(GitHubReplayWindow)) {
		t.Fatalf("verify %s: %+v %+v", got, sig, ref)
	}
	if _, ref := verifyGitHub(strings.ToUpper(got[:7])+got[7:], []byte(secret), body, now); ref == nil {
		t.Error("a prefix in capitals was accepted")
	}
}

func TestValidateSignatureFormat(t *testing.T) {
	t.Parallel()
	err := ValidateAll([]Config{{Name: "a", Source: "s", DetailType: "d", Secret: "0123456789abcdef", Signature: "stripe"}})
	if err == nil || err.Error() != `webhooks[0].signature: must be "stepflow" or "github", not "stripe"` {
		t.Fatalf("got %v", err)
	}
	if err := ValidateAll([]Config{{Name: "a", Source: "s", DetailType: "d", Secret: "0123456789abcdef", Signature: "github"}}); err != nil {
		t.Fatal(err)
	}
}
