package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

func startSignedServer(t *testing.T) *edgeServer {
	return startEdgeServer(t, func(c *Config) { c.Credentials = map[string]string{edgeAccessKey: edgeSecretKey} })
}

// sdkClient is the AWS SDK for Go v2 client for the server, signing for region.
func (s *edgeServer) sdkClient(region string) *awssfn.Client {
	return awssfn.New(awssfn.Options{
		Region:           region,
		BaseEndpoint:     aws.String(s.url),
		Credentials:      credentials.NewStaticCredentialsProvider(edgeAccessKey, edgeSecretKey, ""),
		RetryMaxAttempts: 1,
	})
}

// signedRequest builds a ListStateMachines request signed by the SDK's SigV4 signer for
// service and region; before, when not nil, changes the request before it is signed.
func (s *edgeServer) signedRequest(t *testing.T, service, region, payloadHash string, body string, before func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", s.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	if before != nil {
		before(req)
	}
	if payloadHash == "" {
		sum := sha256.Sum256([]byte(body))
		payloadHash = hex.EncodeToString(sum[:])
	}
	creds := aws.Credentials{AccessKeyID: edgeAccessKey, SecretAccessKey: edgeSecretKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestSigV4OverTheWire: the SDK's signatures pass, and each way around a signature that the
// server used to let through is refused with AWS's error.
func TestSigV4OverTheWire(t *testing.T) {
	t.Parallel()
	srv := startSignedServer(t)
	ctx := context.Background()

	if _, err := srv.sdkClient("us-east-1").ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("SDK client in the server's region: %v", err)
	}
	if a := doEdge(t, srv.signedRequest(t, "states", "us-east-1", "", `{}`, nil)); a.status != 200 {
		t.Fatalf("request signed by the SDK signer: %d %s", a.status, a.raw)
	}

	_, err := srv.sdkClient("eu-west-1").ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" || apiErr.ErrorMessage() != "Credential should be scoped to a valid region, not 'eu-west-1'." {
		t.Fatalf("SDK client of another region: %v", err)
	}

	tests := []struct {
		name    string
		request func() *http.Request
		status  int
		code    string
		message string
	}{
		{"another service", func() *http.Request {
			return srv.signedRequest(t, "events", "us-east-1", "", `{}`, nil)
		}, 403, "InvalidSignatureException", "Credential should be scoped to correct service: 'states'."},
		{"UNSIGNED-PAYLOAD", func() *http.Request {
			return srv.signedRequest(t, "states", "us-east-1", "UNSIGNED-PAYLOAD", `{}`, func(r *http.Request) {
				r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			})
		}, 403, "InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{"UNSIGNED-PAYLOAD with the body swapped", func() *http.Request {
			r := srv.signedRequest(t, "states", "us-east-1", "UNSIGNED-PAYLOAD", `{}`, func(r *http.Request) {
				r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			})
			swapped := `{"maxResults":1}`
			r.Body = io.NopCloser(strings.NewReader(swapped))
			r.ContentLength = int64(len(swapped))
			return r
		}, 403, "InvalidSignatureException", ""},
		{"UNSIGNED-PAYLOAD signed but no header", func() *http.Request {
			return srv.signedRequest(t, "states", "us-east-1", "UNSIGNED-PAYLOAD", `{}`, nil)
		}, 403, "InvalidSignatureException", signatureMismatch},
		{"X-Amz-Target not signed", func() *http.Request {
			r := srv.signedRequest(t, "states", "us-east-1", "", `{}`, func(r *http.Request) { r.Header.Del("X-Amz-Target") })
			r.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
			return r
		}, 400, "IncompleteSignatureException", "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."},
		{"action changed after signing", func() *http.Request {
			r := srv.signedRequest(t, "states", "us-east-1", "", `{}`, nil)
			r.Header.Set("X-Amz-Target", "AWSStepFunctions.ListActivities")
			return r
		}, 403, "InvalidSignatureException", signatureMismatch},
		{"body changed after signing", func() *http.Request {
			r := srv.signedRequest(t, "states", "us-east-1", "", `{}`, nil)
			r.Body = io.NopCloser(bytes.NewReader([]byte(`{"maxResults":5}`)))
			r.ContentLength = 16
			return r
		}, 403, "InvalidSignatureException", signatureMismatch},
		{"signed header missing", func() *http.Request {
			r := srv.signedRequest(t, "states", "us-east-1", "", `{}`, func(r *http.Request) { r.Header.Set("X-Extra", "1") })
			r.Header.Del("X-Extra")
			return r
		}, 400, "IncompleteSignatureException", "'x-extra' is named as a SignedHeader, but it does not exist in the HTTP request."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doEdge(t, tt.request()).wantAWSError(t, tt.status, tt.code, tt.message)
		})
	}
}
