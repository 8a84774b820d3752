package api

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
)

// lockedBuffer is a buffer the server writes and the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// auditLines decodes the audit log's lines into generic objects, so that a field the log must
// not have is seen.
func auditLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if m["time"] == "" || m["requestId"] == "" || m["sourceIp"] != "127.0.0.1" {
			t.Fatalf("audit line lacks time, request id or source IP: %s", line)
		}
		delete(m, "time")
		delete(m, "requestId")
		delete(m, "sourceIp")
		lines = append(lines, m)
	}
	return lines
}

// TestAuditLogUnderIAM: every call, allowed, denied or not authenticated, is one JSON line
// naming the principal, the key, the action, the resource, the decision and the statement
// that made it; no line holds a secret, a definition or an input.
func TestAuditLogUnderIAM(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	box, err := iam.NewSecretBox([]byte("an AES-256 server key, 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &iamServer{}
	srv.edgeServer = startEdgeServer(t, func(c *Config) {
		srv.dir = iam.NewDirectory(c.Engine.Store(), box, c.Engine.Scope(), nil)
		c.IAM = srv.dir
		c.AuditLog = &log
	})
	orders := "arn:aws:states:us-east-1:123456789012:stateMachine:Orders"
	client, key := srv.user(t, "ops", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Make","Effect":"Allow","Action":["states:CreateStateMachine","states:StartExecution"],"Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Action":"states:DeleteStateMachine","Resource":"*"}]}`)
	ctx := context.Background()
	definition := `{"Comment":"definition-marker","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	if _, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Orders"),
		Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders),
		Input: aws.String(`{"card":"input-marker"}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: aws.String(orders)})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: states:DeleteStateMachine on resource: "+orders+" with an explicit deny in an identity-based policy")
	_, err = client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: states:ListStateMachines on resource: * because no identity-based policy allows the states:ListStateMachines action")
	forger := awssfn.New(awssfn.Options{Region: sfn.DefaultRegion, BaseEndpoint: aws.String(srv.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key.ID, "not-the-secret", "")})
	_, err = forger.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "InvalidSignatureException", signatureMismatch)

	text := log.String()
	for _, secret := range []string{key.Secret, "not-the-secret", "definition-marker", "input-marker", "Signature="} {
		if strings.Contains(text, secret) {
			t.Fatalf("the audit log holds %q:\n%s", secret, text)
		}
	}
	user := "arn:aws:iam::123456789012:user/ops"
	want := []map[string]any{
		{"principal": user, "accessKeyId": key.ID, "action": "states:CreateStateMachine", "resource": orders,
			"decision": "allow", "reason": "allowed", "policy": "policy", "statementIndex": 0.0, "sid": "Make"},
		{"principal": user, "accessKeyId": key.ID, "action": "states:StartExecution", "resource": orders,
			"decision": "allow", "reason": "allowed", "policy": "policy", "statementIndex": 0.0, "sid": "Make"},
		{"principal": user, "accessKeyId": key.ID, "action": "states:DeleteStateMachine", "resource": orders,
			"decision": "deny", "reason": "explicitDeny", "policy": "policy", "statementIndex": 1.0, "sid": "NoDelete", "errorCode": "AccessDeniedException"},
		{"principal": user, "accessKeyId": key.ID, "action": "states:ListStateMachines", "resource": "*",
			"decision": "deny", "reason": "implicitDeny", "errorCode": "AccessDeniedException"},
		{"accessKeyId": key.ID, "action": "states:ListStateMachines", "errorCode": "InvalidSignatureException"},
	}
	got := auditLines(t, text)
	if len(got) != len(want) {
		t.Fatalf("%d audit lines, want %d:\n%s", len(got), len(want), text)
	}
	for i := range want {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(want[i])
		if string(g) != string(w) {
			t.Errorf("audit line %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// TestAuditLogUnderSigV4: with fixed keys every signed call is allowed; the log still names
// the key, the action and the resource.
func TestAuditLogUnderSigV4(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	srv := startEdgeServer(t, func(c *Config) {
		c.Credentials = map[string]string{"AKIDAUDIT": "audit-secret"}
		c.AuditLog = &log
	})
	client := awssfn.New(awssfn.Options{Region: sfn.DefaultRegion, BaseEndpoint: aws.String(srv.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDAUDIT", "audit-secret", "")})
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:Missing"
	_, err := client.DescribeStateMachine(context.Background(), &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	wantSDKError(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+arn+"'")
	got := auditLines(t, log.String())
	g, _ := json.Marshal(got)
	w, _ := json.Marshal([]map[string]any{{"accessKeyId": "AKIDAUDIT", "action": "states:DescribeStateMachine", "resource": arn,
		"decision": "allow", "reason": "signedKey", "errorCode": "StateMachineDoesNotExist"}})
	if string(g) != string(w) {
		t.Fatalf("audit log:\n got %s\nwant %s", g, w)
	}
	if strings.Contains(log.String(), "audit-secret") {
		t.Fatal("the audit log holds the secret")
	}
}
