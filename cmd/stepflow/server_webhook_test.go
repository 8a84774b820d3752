package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/events/webhook"
)

const hookSecret = "whsec-0123456789abcdef"

// callEvents posts one EventBridge action to a server started by startServerCommand.
func callEvents(t *testing.T, url, action, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSEvents."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", action, resp.StatusCode, data)
	}
	return string(data)
}

// postHook sends a webhook request and returns the status and the decoded JSON answer.
func postHook(t *testing.T, method, url string, body []byte, signature string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if signature != "" {
		req.Header.Set(webhook.SignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, body %s", method, url, ct, data)
	}
	var answer map[string]string
	if err := json.Unmarshal(data, &answer); err != nil {
		t.Fatalf("%s %s: answer %s is not JSON: %v", method, url, data, err)
	}
	return resp.StatusCode, answer
}

// TestServerWebhookStartsExecution runs the server with a webhook in its config file: a signed
// request becomes an event on the bus, a rule matches it and its state machine target starts
// with the body as the event's detail. Every refused request publishes nothing.
func TestServerWebhookStartsExecution(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := filepath.Join(dir, "stepflow.json")
	cfg := `{"addr":"127.0.0.1:0","db":"` + filepath.Join(dir, "w.db") + `","ui":"off","executionLogDir":"off",
		"webhooks":[{"name":"shop-stock","source":"shop.inventory","detailType":"StockChanged","secret":"` + hookSecret + `"}]}`
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--config", config)

	call(t, url, "CreateStateMachine", `{"name":"Notify","roleArn":"arn:aws:iam::123456789012:role/R",
		"definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`)
	machine := "arn:aws:states:us-east-1:123456789012:stateMachine:Notify"
	callEvents(t, url, "PutRule", `{"Name":"stock","EventPattern":"{\"source\":[\"shop.inventory\"],\"detail-type\":[\"StockChanged\"]}"}`)
	callEvents(t, url, "PutTargets", `{"Rule":"stock","Targets":[{"Id":"notify","Arn":"`+machine+`","InputPath":"$.detail"}]}`)

	hookURL := url + "/webhooks/shop-stock"
	body := []byte(`{"sku": "A-1", "quantity": 12}`)
	signed := webhook.Sign(hookSecret, body, time.Now())
	status, answer := postHook(t, "POST", hookURL, body, signed)
	if status != http.StatusOK || answer["EventId"] == "" {
		t.Fatalf("signed request: %d %v", status, answer)
	}
	eventID := answer["EventId"]

	// Every refusal, each with its status, exception name and message.
	otherSecret := webhook.Sign("not-the-secret-at-all", body, time.Now())
	stale := webhook.Sign(hookSecret, body, time.Now().Add(-webhook.Tolerance-time.Minute))
	future := webhook.Sign(hookSecret, body, time.Now().Add(webhook.Tolerance+time.Minute))
	big := []byte(`{"pad":"` + strings.Repeat("x", 256*1024) + `"}`)
	notJSON := []byte(`sku=A-1`)
	array := []byte(`[1,2]`)
	refusals := []struct {
		name, method, url string
		body              []byte
		signature         string
		status            int
		code, message     string
	}{
		{"unknown webhook", "POST", url + "/webhooks/nope", body, signed, 404, "ResourceNotFoundException", `Webhook "nope" does not exist.`},
		{"GET", "GET", hookURL, nil, "", 405, "MethodNotAllowed", "Webhooks take POST requests."},
		{"no signature", "POST", hookURL, body, "", 401, "InvalidSignatureException", "The X-Stepflow-Signature header is missing."},
		{"malformed signature", "POST", hookURL, body, "sha256=abc", 401, "InvalidSignatureException", "The X-Stepflow-Signature header must be t=UNIX_SECONDS,v1=HEX_HMAC_SHA256."},
		{"wrong secret", "POST", hookURL, body, otherSecret, 401, "InvalidSignatureException", "The signature does not match the body and the webhook's secret."},
		{"body changed", "POST", hookURL, []byte(`{"sku": "A-1", "quantity": 9999}`), signed, 401, "InvalidSignatureException", "The signature does not match the body and the webhook's secret."},
		{"replayed", "POST", hookURL, body, signed, 409, "ReplayedRequestException", "This signed request was already accepted; sign each request anew."},
		{"too large", "POST", hookURL, big, webhook.Sign(hookSecret, big, time.Now()), 413, "RequestEntityTooLargeException", "Webhook shop-stock takes bodies of at most 262118 bytes."},
		{"not JSON", "POST", hookURL, notJSON, webhook.Sign(hookSecret, notJSON, time.Now()), 400, "MalformedDetail", "The body must be a JSON object: it becomes the event's detail."},
		{"not an object", "POST", hookURL, array, webhook.Sign(hookSecret, array, time.Now()), 400, "MalformedDetail", "The body must be a JSON object: it becomes the event's detail."},
	}
	for _, r := range refusals {
		status, answer := postHook(t, r.method, r.url, r.body, r.signature)
		if status != r.status || answer["__type"] != r.code || answer["message"] != r.message {
			t.Errorf("%s: %d %v, want %d %s %q", r.name, status, answer, r.status, r.code, r.message)
		}
	}
	for _, sig := range []string{stale, future} {
		status, answer := postHook(t, "POST", hookURL, body, sig)
		if status != 401 || answer["__type"] != "InvalidSignatureException" || !strings.Contains(answer["message"], "is more than 5m0s from the server's time") {
			t.Errorf("timestamp outside the window: %d %v", status, answer)
		}
	}

	// The one accepted request started one execution, named after its event, with the body.
	var executions struct {
		Executions []struct{ Name, ExecutionArn string }
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(executions.Executions) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		_ = json.Unmarshal([]byte(call(t, url, "ListExecutions", `{"stateMachineArn":"`+machine+`"}`)), &executions)
	}
	// Give a wrongly published event time to be delivered too.
	time.Sleep(2 * time.Second)
	_ = json.Unmarshal([]byte(call(t, url, "ListExecutions", `{"stateMachineArn":"`+machine+`"}`)), &executions)
	if len(executions.Executions) != 1 || !strings.HasPrefix(executions.Executions[0].Name, eventID+"_") {
		t.Fatalf("executions %+v, want one named %s_...", executions.Executions, eventID)
	}
	var described struct{ Input string }
	_ = json.Unmarshal([]byte(call(t, url, "DescribeExecution", `{"executionArn":"`+executions.Executions[0].ExecutionArn+`"}`)), &described)
	var input map[string]any
	if json.Unmarshal([]byte(described.Input), &input) != nil || len(input) != 2 || input["sku"] != "A-1" || input["quantity"] != 12.0 {
		t.Fatalf("execution input %s, want the webhook's body", described.Input)
	}

	// A second request, signed anew with the same body, is a new event.
	status, answer = postHook(t, "POST", hookURL, body, webhook.Sign(hookSecret, body, time.Now().Add(time.Second)))
	if status != http.StatusOK || answer["EventId"] == eventID {
		t.Fatalf("request signed anew: %d %v", status, answer)
	}
}

func TestServerWebhookConfig(t *testing.T) { // not parallel: it sets an environment variable
	base := serverConfig{Region: "us-east-1", Account: "123456789012", Auth: "none", UI: "auto", DB: "x.db"}
	hook := func(h webhook.Config) []webhook.Config {
		if h.Name == "" {
			h.Name = "gh"
		}
		return []webhook.Config{h}
	}
	t.Setenv("STEPFLOW_TEST_HOOK_SECRET", hookSecret)
	tests := []struct {
		name     string
		webhooks []webhook.Config
		wantErr  string
	}{
		{"good", hook(webhook.Config{Source: "github", DetailType: "push", Secret: hookSecret}), ""},
		{"secret from env", hook(webhook.Config{Source: "github", DetailType: "push", SecretEnv: "STEPFLOW_TEST_HOOK_SECRET"}), ""},
		{"bad name", hook(webhook.Config{Name: "a/b", Source: "github", DetailType: "push", Secret: hookSecret}), `webhooks[0].name: must be 1 to 64 letters, digits, '.', '_' or '-', not "a/b"`},
		{"no source", hook(webhook.Config{DetailType: "push", Secret: hookSecret}), "webhooks[0].source: must be 1 to 256 characters"},
		{"no detail type", hook(webhook.Config{Source: "github", Secret: hookSecret}), "webhooks[0].detailType: must be 1 to 128 characters"},
		{"no secret", hook(webhook.Config{Source: "github", DetailType: "push"}), "webhooks[0].secret: the secret must be at least 16 characters"},
		{"short secret", hook(webhook.Config{Source: "github", DetailType: "push", Secret: "hunter2"}), "webhooks[0].secret: the secret must be at least 16 characters"},
		{"both secrets", hook(webhook.Config{Source: "github", DetailType: "push", Secret: hookSecret, SecretEnv: "X"}), "webhooks[0].secret: give either secret or secretEnv, not both"},
		{"unset env", hook(webhook.Config{Source: "github", DetailType: "push", SecretEnv: "STEPFLOW_TEST_UNSET_SECRET"}), "webhooks[0].secretEnv: environment variable STEPFLOW_TEST_UNSET_SECRET is not set"},
		{"same name twice", []webhook.Config{{Name: "gh", Source: "a", DetailType: "b", Secret: hookSecret}, {Name: "gh", Source: "a", DetailType: "b", Secret: hookSecret}}, `webhooks[1].name: "gh" is also the name of webhooks[0]`},
	}
	for _, tt := range tests {
		cfg := base
		cfg.Webhooks = tt.webhooks
		_, err := cfg.Validate()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var cfgErr *serverConfigError
		if !errors.As(err, &cfgErr) || err.Error() != tt.wantErr {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.wantErr)
		}
	}

	// A bus that does not exist is found when the server starts.
	dir := t.TempDir()
	config := filepath.Join(dir, "stepflow.json")
	if err := os.WriteFile(config, []byte(`{"addr":"127.0.0.1:0","db":"`+filepath.Join(dir, "b.db")+`","ui":"off","executionLogDir":"off",
		"webhooks":[{"name":"gh","source":"github","detailType":"push","eventBus":"orders","secret":"`+hookSecret+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := runServer(context.Background(), []string{"--config", config}, io.Discard, io.Discard)
	if err == nil || err.Error() != "webhooks[0].eventBus: ResourceNotFoundException: Event bus orders does not exist." {
		t.Fatalf("webhook on a missing bus: %v", err)
	}
}

// TestServerWebhookUnderSigV4: a webhook is authenticated by its own signature, so it works
// when the API requires SigV4.
func TestServerWebhookUnderSigV4(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := filepath.Join(dir, "stepflow.json")
	if err := os.WriteFile(config, []byte(`{"addr":"127.0.0.1:0","db":"`+filepath.Join(dir, "s.db")+`","executionLogDir":"off",
		"auth":"sigv4","accessKeys":["AKID:secret"],
		"webhooks":[{"name":"gh","source":"github","detailType":"push","secret":"`+hookSecret+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--config", config)
	body := []byte(`{"ref":"refs/heads/main"}`)
	if status, answer := postHook(t, "POST", url+"/webhooks/gh", body, webhook.Sign(hookSecret, body, time.Now())); status != 200 || answer["EventId"] == "" {
		t.Fatalf("signed webhook under sigv4: %d %v", status, answer)
	}
	if status, answer := postHook(t, "POST", url+"/webhooks/gh", body, ""); status != 401 {
		t.Fatalf("unsigned webhook under sigv4: %d %v", status, answer)
	}
}
