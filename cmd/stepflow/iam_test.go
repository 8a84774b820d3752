package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// iamCLI runs `stepflow iam ARGS` in-process and returns its standard output; it fails the
// test unless the command succeeds.
func iamCLI(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := runMain(context.Background(), append([]string{"iam"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("stepflow iam %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String()
}

// TestIAMCommandAndServer: users, policies and keys made with `stepflow iam` decide what an
// AWS SDK client of `stepflow server --auth iam` may do; a key made Inactive with the command
// is refused by the running server at its next request.
func TestIAMCommandAndServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "stepflow.db")
	keyFile := filepath.Join(dir, "server.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("5a", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	policyFile := filepath.Join(dir, "policy.json")
	orders := "arn:aws:states:us-east-1:123456789012:stateMachine:Orders"
	other := "arn:aws:states:us-east-1:123456789012:stateMachine:Other"
	policy := `{"Version":"2012-10-17","Statement":[
		{"Sid":"ManageOrders","Effect":"Allow","Action":["states:CreateStateMachine","states:StartExecution"],"Resource":"` + orders + `"},
		{"Sid":"List","Effect":"Allow","Action":"states:List*","Resource":"*"}]}`
	if err := os.WriteFile(policyFile, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--db", db}
	iamCLI(t, append([]string{"create-user", "--user-name", "ops", "--tag", "team=blue"}, common...)...)
	iamCLI(t, append([]string{"put-user-policy", "--user-name", "ops", "--policy-name", "orders", "--policy-document", "file://" + policyFile}, common...)...)
	var created struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey, Status string }
	}
	out := iamCLI(t, append([]string{"create-access-key", "--user-name", "ops", "--iam-key-file", keyFile}, common...)...)
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.AccessKey.Status != "Active" || len(created.AccessKey.SecretAccessKey) != 40 {
		t.Fatalf("create-access-key: %s %v", out, err)
	}

	// Under --auth iam a state machine's role must exist, as on AWS.
	iamCLI(t, append([]string{"create-role", "--role-name", "r"}, common...)...)
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", db, "--auth", "iam", "--iam-key-file", keyFile)
	client := awssfn.New(awssfn.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(created.AccessKey.AccessKeyId, created.AccessKey.SecretAccessKey, ""),
	})
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	if _, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Orders"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}); err != nil {
		t.Fatalf("create Orders: %v", err)
	}
	_, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Other"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: states:CreateStateMachine on resource: "+other+" because no identity-based policy allows the states:CreateStateMachine action")
	if _, err := client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders)}); err != nil {
		t.Fatalf("start Orders: %v", err)
	}
	if _, err := client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("list: %v", err)
	}

	// Signed requests only: no UI by default, no /metrics without a token.
	for _, path := range []string{"/ui/", "/metrics"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s answered 200 on a server with --auth iam", path)
		}
	}

	// The simulator explains a decision with the statement that made it.
	var sim struct {
		EvaluationResults []struct {
			EvalDecision      string
			MatchedStatements []struct{ SourcePolicyId, Sid string }
			Message           string
		}
	}
	out = iamCLI(t, append([]string{"simulate", "--principal", "ops", "--action", "states:StartExecution", "--resource", orders}, common...)...)
	if err := json.Unmarshal([]byte(out), &sim); err != nil || sim.EvaluationResults[0].EvalDecision != "allowed" ||
		sim.EvaluationResults[0].MatchedStatements[0].SourcePolicyId != "orders" || sim.EvaluationResults[0].MatchedStatements[0].Sid != "ManageOrders" {
		t.Fatalf("simulate allowed: %s %v", out, err)
	}
	out = iamCLI(t, append([]string{"simulate", "--principal", "arn:aws:iam::123456789012:user/ops", "--action", "states:StopExecution", "--resource", "*"}, common...)...)
	sim.EvaluationResults = nil
	if err := json.Unmarshal([]byte(out), &sim); err != nil || sim.EvaluationResults[0].EvalDecision != "implicitDeny" ||
		sim.EvaluationResults[0].Message != "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: states:StopExecution on resource: * because no identity-based policy allows the states:StopExecution action" {
		t.Fatalf("simulate denied: %s %v", out, err)
	}

	// Inactive: refused at the next request by the running server.
	iamCLI(t, append([]string{"update-access-key", "--user-name", "ops", "--access-key-id", created.AccessKey.AccessKeyId, "--status", "Inactive"}, common...)...)
	_, err = client.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantAPIError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	out = iamCLI(t, append([]string{"list-access-keys", "--user-name", "ops"}, common...)...)
	if !strings.Contains(out, `"Status": "Inactive"`) || strings.Contains(out, created.AccessKey.SecretAccessKey) {
		t.Fatalf("list-access-keys: %s", out)
	}
	iamCLI(t, append([]string{"delete-access-key", "--user-name", "ops", "--access-key-id", created.AccessKey.AccessKeyId}, common...)...)
	// The secret was never written in clear into the database.
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(created.AccessKey.SecretAccessKey)) {
		t.Fatal("the database holds the secret in clear")
	}
}

func wantAPIError(t *testing.T, err error, code, message string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		t.Fatalf("got %v\nwant %s: %s", err, code, message)
	}
}

// TestIAMServerNeedsTheServerKey: --auth iam without a server key, or with a malformed one,
// does not start.
func TestIAMServerNeedsTheServerKey(t *testing.T) {
	t.Setenv(serverKeyEnv, "")
	dir := t.TempDir()
	var stderr bytes.Buffer
	code := runMain(context.Background(), []string{"server", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "a.db"), "--auth", "iam"}, &bytes.Buffer{}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "iam-key-file: --auth iam needs the server key that seals access key secrets: --iam-key-file FILE or STEPFLOW_IAM_KEY") {
		t.Fatalf("server without a key: exit %d: %s", code, stderr.String())
	}
	t.Setenv(serverKeyEnv, "too short")
	stderr.Reset()
	code = runMain(context.Background(), []string{"server", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "b.db"), "--auth", "iam"}, &bytes.Buffer{}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "iam-key-file: $STEPFLOW_IAM_KEY: server key must be 32 bytes") || strings.Contains(stderr.String(), "too short") {
		t.Fatalf("server with a bad key: exit %d: %s", code, stderr.String())
	}
}

// TestIAMExecutionRole: with --auth iam, a state machine whose roleArn names a role made with
// `stepflow iam create-role` runs its Tasks only as far as the role's policy allows.
func TestIAMExecutionRole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "stepflow.db")
	keyFile := filepath.Join(dir, "server.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("5b", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"--db", db}
	iamCLI(t, append([]string{"create-user", "--user-name", "admin"}, common...)...)
	iamCLI(t, append([]string{"put-user-policy", "--user-name", "admin", "--policy-name", "all", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`}, common...)...)
	iamCLI(t, append([]string{"create-role", "--role-name", "runner"}, common...)...)
	iamCLI(t, append([]string{"put-role-policy", "--role-name", "runner", "--policy-name", "child", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Sid":"Child","Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:Child"}}`}, common...)...)
	if out := iamCLI(t, append([]string{"list-roles"}, common...)...); !strings.Contains(out, `"Arn": "arn:aws:iam::123456789012:role/runner"`) {
		t.Fatalf("list-roles: %s", out)
	}
	var created struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(iamCLI(t, append([]string{"create-access-key", "--user-name", "admin", "--iam-key-file", keyFile}, common...)...)), &created); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", db, "--auth", "iam", "--iam-key-file", keyFile, "--iam-known-roles")
	client := awssfn.New(awssfn.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(created.AccessKey.AccessKeyId, created.AccessKey.SecretAccessKey, ""),
	})
	ctx := context.Background()
	role := aws.String("arn:aws:iam::123456789012:role/runner")
	// --iam-known-roles: a role the store does not have cannot be given to a state machine.
	const cannotAssume = "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role."
	_, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Placeholder"), RoleArn: aws.String("arn:aws:iam::123456789012:role/DummyRole"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	wantAPIError(t, err, "AccessDeniedException", cannotAssume)
	for _, name := range []string{"Child", "Payroll"} {
		if _, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: role,
			Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)}); err != nil {
			t.Fatal(err)
		}
	}
	nest := func(name, target string) string {
		out, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: role,
			Definition: aws.String(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:` + target + `"},"End":true}}}`)})
		if err != nil {
			t.Fatal(err)
		}
		started, err := client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: out.StateMachineArn})
		if err != nil {
			t.Fatal(err)
		}
		return *started.ExecutionArn
	}
	wait := func(arn string) *awssfn.DescribeExecutionOutput {
		deadline := time.Now().Add(30 * time.Second)
		for {
			d, err := client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != "RUNNING" || time.Now().After(deadline) {
				return d
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if d := wait(nest("RunsChild", "Child")); d.Status != "SUCCEEDED" {
		t.Fatalf("RunsChild: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	_, err = client.UpdateStateMachine(ctx, &awssfn.UpdateStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:Child"),
		RoleArn: aws.String("arn:aws:iam::123456789012:user/admin")})
	wantAPIError(t, err, "AccessDeniedException", cannotAssume)
	d := wait(nest("RunsPayroll", "Payroll"))
	if d.Status != "FAILED" || aws.ToString(d.Error) != "StepFunctions.AWSStepFunctionsException" ||
		!strings.Contains(aws.ToString(d.Cause), "is not authorized to perform: states:StartExecution on resource: arn:aws:states:us-east-1:123456789012:stateMachine:Payroll because no identity-based policy allows the states:StartExecution action (Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException;") {
		t.Fatalf("RunsPayroll: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// TestIAMCommandThroughTheAdminAPI: the first administrator is made on the database; with
// --endpoint, `stepflow iam` then manages users and keys through the running server's admin
// API, signed with the administrator's key from the environment (no database, no server key
// at hand). The server's --rate-limit and a user's stepflow:rate-limit tag throttle keys.
// Not parallel: the AWS credentials come from the environment.
func TestIAMCommandThroughTheAdminAPI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "stepflow.db")
	keyFile := filepath.Join(dir, "server.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("6b", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	iamCLI(t, "create-user", "--user-name", "admin", "--db", db)
	iamCLI(t, "put-user-policy", "--user-name", "admin", "--policy-name", "all", "--db", db, "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:*","states:*"],"Resource":"*"}}`)
	var adminKey struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(iamCLI(t, "create-access-key", "--user-name", "admin", "--db", db, "--iam-key-file", keyFile)), &adminKey); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", db, "--auth", "iam", "--iam-key-file", keyFile, "--rate-limit", "1000:1000")
	t.Setenv("AWS_ACCESS_KEY_ID", adminKey.AccessKey.AccessKeyId)
	t.Setenv("AWS_SECRET_ACCESS_KEY", adminKey.AccessKey.SecretAccessKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_PROFILE", "")

	out := iamCLI(t, "create-user", "--user-name", "bot", "--tag", "stepflow:rate-limit=0.001:2", "--endpoint", url)
	if !strings.Contains(out, `"Arn": "arn:aws:iam::123456789012:user/bot"`) {
		t.Fatalf("create-user through the admin API: %s", out)
	}
	iamCLI(t, "put-user-policy", "--user-name", "bot", "--policy-name", "list", "--endpoint", url, "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:List*","Resource":"*"}}`)
	out = iamCLI(t, "get-user-policy", "--user-name", "bot", "--policy-name", "list", "--endpoint", url)
	if !strings.Contains(out, `"Action": "states:List*"`) {
		t.Fatalf("get-user-policy prints the document as JSON: %s", out)
	}
	var botKey struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(iamCLI(t, "create-access-key", "--user-name", "bot", "--endpoint", url)), &botKey); err != nil {
		t.Fatal(err)
	}
	bot := awssfn.New(awssfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(botKey.AccessKey.AccessKeyId, botKey.AccessKey.SecretAccessKey, "")})
	ctx := context.Background()
	// The tag's burst of 2, refilled once in 1,000 seconds: the third request is throttled.
	for i := range 2 {
		if _, err := bot.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, err := bot.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantAPIError(t, err, "ThrottlingException", "Rate exceeded")

	// The tag changed through the admin API applies at the next request.
	iamCLI(t, "tag-user", "--user-name", "bot", "--tag", "stepflow:rate-limit=none", "--endpoint", url)
	if out := iamCLI(t, "list-user-tags", "--user-name", "bot", "--endpoint", url); !strings.Contains(out, `"Value": "none"`) {
		t.Fatalf("list-user-tags: %s", out)
	}
	if _, err := bot.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("after the limit was lifted: %v", err)
	}

	iamCLI(t, "update-access-key", "--user-name", "bot", "--access-key-id", botKey.AccessKey.AccessKeyId, "--status", "Inactive", "--endpoint", url)
	_, err = bot.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantAPIError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")

	var stdout, stderr bytes.Buffer
	code := runMain(ctx, []string{"iam", "get-user", "--user-name", "nobody", "--endpoint", url}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "NoSuchEntity: The user with name nobody cannot be found.") {
		t.Fatalf("get-user of an unknown user: exit %d: %s", code, stderr.String())
	}
	// A key without iam:* permissions is refused by the admin API.
	t.Setenv("AWS_ACCESS_KEY_ID", botKey.AccessKey.AccessKeyId)
	t.Setenv("AWS_SECRET_ACCESS_KEY", botKey.AccessKey.SecretAccessKey)
	stderr.Reset()
	code = runMain(ctx, []string{"iam", "list-users", "--endpoint", url}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "UnrecognizedClientException") {
		t.Fatalf("list-users with an Inactive key: exit %d: %s", code, stderr.String())
	}
}
