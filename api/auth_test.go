package api

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// The example request of AWS's Signature Version 4 documentation (IAM ListUsers), with its
// published signature.
func exampleRequest(t *testing.T, signature string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = "iam.amazonaws.com"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "+
		"SignedHeaders=content-type;host;x-amz-date, Signature="+signature)
	return r
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	const published = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	keys := map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	signedAt := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	tests := []struct {
		name     string
		request  func() *http.Request
		now      time.Time
		wantCode string
	}{
		{"published example", func() *http.Request { return exampleRequest(t, published) }, signedAt.Add(time.Minute), ""},
		{"other signature", func() *http.Request { return exampleRequest(t, "00"+published[2:]) }, signedAt, codeInvalidSignature},
		{"changed header", func() *http.Request {
			r := exampleRequest(t, published)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, signedAt, codeInvalidSignature},
		{"too old", func() *http.Request { return exampleRequest(t, published) }, signedAt.Add(16 * time.Minute), codeInvalidSignature},
		{"unknown key", func() *http.Request {
			r := exampleRequest(t, published)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="+published)
			return r
		}, signedAt, codeUnrecognizedClient},
		{"unsigned", func() *http.Request {
			r := exampleRequest(t, published)
			r.Header.Del("Authorization")
			return r
		}, signedAt, codeMissingAuthenticationToken},
		{"other algorithm", func() *http.Request {
			r := exampleRequest(t, published)
			r.Header.Set("Authorization", "AWS3 whatever")
			return r
		}, signedAt, codeIncompleteSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := verifySignature(tt.request(), nil, keys, tt.now, credentialScope{Region: "us-east-1", Service: "iam"})
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("verifySignature = %v, want success", err)
				}
				return
			}
			var apiErr *Error
			wantStatus := http.StatusForbidden
			if tt.wantCode == codeIncompleteSignature {
				wantStatus = http.StatusBadRequest
			}
			if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode || apiErr.Status != wantStatus {
				t.Fatalf("verifySignature = %v, want %s (%d)", err, tt.wantCode, wantStatus)
			}
		})
	}
}

// TestVerifySignatureClockSkew: a signature up to 15 minutes from the server's clock either
// way is accepted; beyond, AWS's messages for one too old and one from the future.
func TestVerifySignatureClockSkew(t *testing.T) {
	t.Parallel()
	const published = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	keys := map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	signedAt := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	for _, tt := range []struct {
		skew    time.Duration // the server's clock minus the signing time
		message string
	}{
		{15 * time.Minute, ""},
		{-15 * time.Minute, ""},
		{15*time.Minute + time.Second, "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"},
		{-15*time.Minute - time.Second, "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)"},
	} {
		err := verifySignature(exampleRequest(t, published), nil, keys, signedAt.Add(tt.skew), credentialScope{Region: "us-east-1", Service: "iam"})
		if tt.message == "" {
			if err != nil {
				t.Errorf("skew %s: %v", tt.skew, err)
			}
			continue
		}
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.Code != codeInvalidSignature || apiErr.Status != http.StatusForbidden || apiErr.Message != tt.message {
			t.Errorf("skew %s: %v\nwant 403 InvalidSignatureException: %s", tt.skew, err, tt.message)
		}
	}
}
