package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/events/webhook"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

// eventsAnswer posts one EventBridge action and returns the status and the decoded answer.
func eventsAnswer(t *testing.T, url, action, body string) (int, map[string]any) {
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
	answer := map[string]any{}
	if err := json.Unmarshal(data, &answer); err != nil {
		t.Fatalf("%s: answer %s is not JSON", action, data)
	}
	return resp.StatusCode, answer
}

// postGitHub sends a webhook request signed as GitHub signs (X-Hub-Signature-256).
func postGitHub(t *testing.T, url string, body []byte, signature string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	if signature != "" {
		req.Header.Set(webhook.GitHubSignatureHeader, signature)
	}
	req.Header.Set("X-GitHub-Event", "push")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]string
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &answer); err != nil {
		t.Fatalf("answer %s is not JSON", data)
	}
	return resp.StatusCode, answer
}

// TestServerWebhooksByAPI: webhooks made, shown, listed and deleted through the API (the
// secret shown once, stored sealed with the server key), GitHub's signature format, AWS-shaped
// refusals, and a config file's webhook shown beside them but not deletable.
func TestServerWebhooksByAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "server.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "w.db")
	config := filepath.Join(dir, "stepflow.json")
	if err := os.WriteFile(config, []byte(`{"addr":"127.0.0.1:0","db":"`+db+`","ui":"off","executionLogDir":"off","iamKeyFile":"`+keyFile+`",
		"webhooks":[{"name":"from-file","source":"shop","detailType":"x","secret":"`+hookSecret+`"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--config", config)
	call(t, url, "CreateStateMachine", `{"name":"OnPush","roleArn":"arn:aws:iam::123456789012:role/R",
		"definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`)
	callEvents(t, url, "PutRule", `{"Name":"pushes","EventPattern":"{\"source\":[\"github\"],\"detail-type\":[\"push\"]}"}`)
	callEvents(t, url, "PutTargets", `{"Rule":"pushes","Targets":[{"Id":"t","Arn":"arn:aws:states:us-east-1:123456789012:stateMachine:OnPush","InputPath":"$.detail"}]}`)

	status, created := eventsAnswer(t, url, "CreateWebhook", `{"Name":"gh","Source":"github","DetailType":"push","SignatureFormat":"GITHUB"}`)
	secret, _ := created["Secret"].(string)
	if status != 200 || len(secret) != 64 || created["WebhookArn"] != "arn:aws:events:us-east-1:123456789012:webhook/gh" ||
		created["Path"] != "/webhooks/gh" || created["SignatureFormat"] != "GITHUB" || created["Origin"] != "API" || created["EventBusName"] != "default" {
		t.Fatalf("CreateWebhook: %d %v", status, created)
	}
	status, described := eventsAnswer(t, url, "DescribeWebhook", `{"Name":"gh"}`)
	if _, shown := described["Secret"]; status != 200 || shown || described["Source"] != "github" || described["CreationTime"] == nil {
		t.Fatalf("DescribeWebhook: %d %v", status, described)
	}
	// The secret is stored sealed with the server key, not as given.
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := st.WebhookGet(context.Background(), &store.WebhookGetParams{Name: "gh"})
	st.Close()
	if err != nil || !strings.HasPrefix(stored.Secret, "sealed:") || strings.Contains(stored.Secret, secret) {
		t.Fatalf("stored secret %q (%v)", stored.Secret, err)
	}

	hookURL := url + "/webhooks/gh"
	body := []byte(`{"ref":"refs/heads/main","after":"c0ffee"}`)
	if status, answer := postGitHub(t, hookURL, body, webhook.SignGitHub(secret, body)); status != 200 || answer["EventId"] == "" {
		t.Fatalf("GitHub-signed request: %d %v", status, answer)
	}
	for _, c := range []struct {
		name, signature string
		status          int
		code, message   string
	}{
		{"replayed", webhook.SignGitHub(secret, body), 409, "ReplayedRequestException", "This signed request was already accepted; sign each request anew."},
		{"missing", "", 401, "InvalidSignatureException", "The X-Hub-Signature-256 header is missing."},
		{"malformed", "sha1=abc", 401, "InvalidSignatureException", "The X-Hub-Signature-256 header must be sha256=HEX_HMAC_SHA256."},
		{"wrong secret", webhook.SignGitHub("another-secret-0123456", body), 401, "InvalidSignatureException", "The signature does not match the body and the webhook's secret."},
		{"Stepflow's format", webhook.Sign(secret, body, time.Now()), 401, "InvalidSignatureException", "The X-Hub-Signature-256 header must be sha256=HEX_HMAC_SHA256."},
	} {
		status, answer := postGitHub(t, hookURL, body, c.signature)
		if status != c.status || answer["__type"] != c.code || answer["message"] != c.message {
			t.Errorf("%s: %d %v, want %d %s: %s", c.name, status, answer, c.status, c.code, c.message)
		}
	}
	waitExecutions(t, url, "OnPush", 1)

	for _, c := range []struct{ name, body, code, message string }{
		{"taken", `{"Name":"gh","Source":"a","DetailType":"b"}`, "ResourceAlreadyExistsException", "Webhook gh already exists."},
		{"in the file", `{"Name":"from-file","Source":"a","DetailType":"b"}`, "ResourceAlreadyExistsException", "Webhook from-file already exists (in the server's config file)."},
		{"bad name", `{"Name":"a/b","Source":"a","DetailType":"b"}`, "ValidationException", `Name must be 1 to 64 letters, digits, '.', '_' or '-', not "a/b".`},
		{"no source", `{"Name":"n","DetailType":"b"}`, "ValidationException", "1 validation error detected: Value null at 'source' failed to satisfy constraint: Member must not be null"},
		{"short secret", `{"Name":"n","Source":"a","DetailType":"b","Secret":"hunter2"}`, "ValidationException", "Secret must be at least 16 characters."},
		{"format", `{"Name":"n","Source":"a","DetailType":"b","SignatureFormat":"STRIPE"}`, "ValidationException", `SignatureFormat must be STEPFLOW or GITHUB, not "STRIPE".`},
		{"no bus", `{"Name":"n","Source":"a","DetailType":"b","EventBusName":"orders"}`, "ResourceNotFoundException", "Event bus orders does not exist."},
	} {
		status, answer := eventsAnswer(t, url, "CreateWebhook", c.body)
		if status != 400 || answer["__type"] != c.code || answer["message"] != c.message {
			t.Errorf("CreateWebhook %s: %d %v, want %s: %s", c.name, status, answer, c.code, c.message)
		}
	}
	// A secret of one's own, Stepflow's format.
	status, created = eventsAnswer(t, url, "CreateWebhook", `{"Name":"shop","Source":"shop","DetailType":"x","Secret":"`+hookSecret+`"}`)
	if status != 200 || created["Secret"] != hookSecret || created["SignatureFormat"] != "STEPFLOW" {
		t.Fatalf("CreateWebhook with a secret: %d %v", status, created)
	}
	if status, answer := postHook(t, "POST", url+"/webhooks/shop", body, webhook.Sign(hookSecret, body, time.Now())); status != 200 {
		t.Fatalf("Stepflow-signed request: %d %v", status, answer)
	}

	status, list := eventsAnswer(t, url, "ListWebhooks", `{}`)
	hooks, _ := list["Webhooks"].([]any)
	var names []string
	for _, h := range hooks {
		m := h.(map[string]any)
		names = append(names, m["Name"].(string)+":"+m["Origin"].(string))
	}
	if status != 200 || strings.Join(names, ",") != "from-file:CONFIG_FILE,gh:API,shop:API" {
		t.Fatalf("ListWebhooks: %d %v", status, list)
	}

	if status, answer := eventsAnswer(t, url, "DeleteWebhook", `{"Name":"from-file"}`); status != 400 ||
		answer["message"] != "Webhook from-file is defined in the server's config file; remove it there." {
		t.Fatalf("DeleteWebhook of the file's: %d %v", status, answer)
	}
	if status, answer := eventsAnswer(t, url, "DeleteWebhook", `{"Name":"gh"}`); status != 200 {
		t.Fatalf("DeleteWebhook: %d %v", status, answer)
	}
	if status, answer := eventsAnswer(t, url, "DeleteWebhook", `{"Name":"gh"}`); status != 400 || answer["__type"] != "ResourceNotFoundException" ||
		answer["message"] != "Webhook gh does not exist." {
		t.Fatalf("DeleteWebhook again: %d %v", status, answer)
	}
	body2 := []byte(`{"after":"beef"}`)
	if status, answer := postGitHub(t, hookURL, body2, webhook.SignGitHub(secret, body2)); status != 404 || answer["message"] != `Webhook "gh" does not exist.` {
		t.Fatalf("request to a deleted webhook: %d %v", status, answer)
	}
}

// waitExecutions waits until a state machine has want executions.
func waitExecutions(t *testing.T, url, machine string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := call(t, url, "ListExecutions", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:`+machine+`"}`)
		var list struct{ Executions []any }
		_ = json.Unmarshal([]byte(out), &list)
		if len(list.Executions) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d executions, want %d", machine, len(list.Executions), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
