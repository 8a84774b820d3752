package mototest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Call sends body to endpoint signed with SigV4 for service (moto routes by the
// signature's service name) and decodes a JSON answer.
func Call(t testing.TB, endpoint, service, target, contentType string, body []byte) map[string]any {
	t.Helper()
	ctx := Context(t)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	} else if contentType == "application/x-amz-json-1.1" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	creds, err := Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out) // IAM answers XML: its callers need no answer
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s %v", endpoint, target, resp.Status, out)
	}
	return out
}

// BatchSetup creates a compute environment, a job queue and a job definition named after
// prefix, and returns the queue's and the definition's names.
func BatchSetup(t testing.TB, base, prefix string) (queue, definition string) {
	t.Helper()
	form := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {prefix + "-role"}, "AssumeRolePolicyDocument": {"{}"}}
	Call(t, base+"/", "iam", "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	role := "arn:aws:iam::123456789012:role/" + prefix + "-role"
	ce := Call(t, base+"/v1/createcomputeenvironment", "batch", "", "application/json", mustJSON(map[string]any{"computeEnvironmentName": prefix + "-ce", "type": "UNMANAGED", "serviceRole": role}))
	Call(t, base+"/v1/createjobqueue", "batch", "", "application/json", mustJSON(map[string]any{"jobQueueName": prefix + "-queue", "state": "ENABLED", "priority": 1,
		"computeEnvironmentOrder": []any{map[string]any{"order": 1, "computeEnvironment": ce["computeEnvironmentArn"]}}}))
	Call(t, base+"/v1/registerjobdefinition", "batch", "", "application/json", mustJSON(map[string]any{"jobDefinitionName": prefix + "-def", "type": "container",
		"parameters":          map[string]any{"Size": "64"},
		"containerProperties": map[string]any{"image": "busybox", "vcpus": 1, "memory": 128, "command": []any{"resize", "Ref::Size"}}}))
	return prefix + "-queue", prefix + "-def"
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// CallMethod sends an empty request with method to endpoint, signed for service, and fails
// the test unless moto answers 2xx.
func CallMethod(t testing.TB, method, endpoint, service string, body []byte) {
	t.Helper()
	ctx := Context(t)
	req, _ := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	creds, err := Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s", method, endpoint, resp.Status)
	}
}
