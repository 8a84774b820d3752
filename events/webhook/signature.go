package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a request's timestamp and signatures (Stepflow's format).
const SignatureHeader = "X-Stepflow-Signature"

// GitHubSignatureHeader carries GitHub's signature: "sha256=" and the hex HMAC-SHA256 of the
// body.
const GitHubSignatureHeader = "X-Hub-Signature-256"

// Tolerance is how far a signature's timestamp may be from the server's clock, either way.
const Tolerance = 5 * time.Minute

// GitHubReplayWindow is how long a GitHub-format signature is remembered. GitHub signs the
// body alone, with no timestamp, so a replay cannot be told from a late request by its age:
// within the window the same signed body is refused as a replay; after it, it is accepted.
const GitHubReplayWindow = 24 * time.Hour

// signature is a verified request's signature: the key it is remembered by against replays,
// and until when a replay of it could otherwise be accepted.
type signature struct {
	key     string
	expires time.Time
}

func invalidSignature(msg string) *refusal {
	return &refusal{http.StatusUnauthorized, "InvalidSignatureException", msg}
}

// verify checks a Stepflow signature header against the body. The header is
// "t=UNIX_SECONDS,v1=HEX", with more v1 entries allowed (while a secret is being changed, a
// sender signs with both) and other schemes ignored, as Stripe does.
func verify(header string, secret, body []byte, now time.Time) (*signature, *refusal) {
	if header == "" {
		return nil, invalidSignature("The " + SignatureHeader + " header is missing.")
	}
	var stamp string
	var signatures []string
	for _, part := range strings.Split(header, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "t":
			if stamp != "" {
				return nil, invalidSignature("The " + SignatureHeader + " header has more than one timestamp.")
			}
			stamp = value
		case "v1":
			signatures = append(signatures, value)
		}
	}
	seconds, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || len(signatures) == 0 {
		return nil, invalidSignature("The " + SignatureHeader + " header must be t=UNIX_SECONDS,v1=HEX_HMAC_SHA256.")
	}
	signed := time.Unix(seconds, 0)
	if age := now.Sub(signed); age > Tolerance || age < -Tolerance {
		return nil, invalidSignature(fmt.Sprintf("The signature's timestamp %d is more than %s from the server's time %d.", seconds, Tolerance, now.Unix()))
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(stamp))
	mac.Write([]byte("."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range signatures {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			// A replay passes the timestamp check until Tolerance after the timestamp.
			return &signature{key: "v1=" + hex.EncodeToString(want), expires: signed.Add(Tolerance + time.Second)}, nil
		}
	}
	return nil, invalidSignature("The signature does not match the body and the webhook's secret.")
}

// verifyGitHub checks GitHub's X-Hub-Signature-256 header, "sha256=HEX", against the body.
func verifyGitHub(header string, secret, body []byte, now time.Time) (*signature, *refusal) {
	if header == "" {
		return nil, invalidSignature("The " + GitHubSignatureHeader + " header is missing.")
	}
	text, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	got, err := hex.DecodeString(text)
	if !ok || err != nil || len(got) != sha256.Size {
		return nil, invalidSignature("The " + GitHubSignatureHeader + " header must be sha256=HEX_HMAC_SHA256.")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	want := mac.Sum(nil)
	if !hmac.Equal(got, want) {
		return nil, invalidSignature("The signature does not match the body and the webhook's secret.")
	}
	return &signature{key: "sha256=" + hex.EncodeToString(want), expires: now.Add(GitHubReplayWindow)}, nil
}

// Sign returns the X-Stepflow-Signature header of a body sent at a time: what a sender
// computes.
func Sign(secret string, body []byte, at time.Time) string {
	stamp := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stamp + "."))
	mac.Write(body)
	return "t=" + stamp + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// SignGitHub returns the X-Hub-Signature-256 header GitHub sends with a body.
func SignGitHub(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
