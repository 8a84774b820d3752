package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// accessKeyPair is a user's key as `stepflow iam create-access-key` prints it.
type accessKeyPair struct {
	AccessKey struct{ AccessKeyId, SecretAccessKey string }
}

// iamCommand runs the stepflow binary's `iam` command in dir with extra environment and
// returns its standard output.
func iamCommand(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(buildStepflow(t), append([]string{"iam"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("stepflow iam %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// cleanEnv is the environment without the caller's AWS settings, which would change what the
// clients sign with.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
}

func keyEnv(k accessKeyPair) []string {
	return []string{"AWS_ACCESS_KEY_ID=" + k.AccessKey.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + k.AccessKey.SecretAccessKey}
}

func sfnClientWith(url string, k accessKeyPair) *awssfn.Client {
	return awssfn.New(awssfn.Options{Region: testRegion, BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(k.AccessKey.AccessKeyId, k.AccessKey.SecretAccessKey, "")})
}

func wantCode(t *testing.T, err error, code, message string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || (message != "" && apiErr.ErrorMessage() != message) {
		t.Fatalf("got %v\nwant %s: %s", err, code, message)
	}
}

// TestIAMServerTwoUsers runs `stepflow server --auth iam` as a process. The first
// administrator is made with `stepflow iam` on the database; two users are then made through
// the running server's admin API (`stepflow iam --endpoint`): one may only start executions of
// one state machine and follow them, one may only read. The AWS SDK for Go and boto3 each act
// as both, and the SigV4 edge cases are checked over the wire: clock skew on either side of
// 15 minutes, a scope naming another region or service, and a replayed request.
func TestIAMServerTwoUsers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "server.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("3c", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := []string{"--db", filepath.Join(dir, "stepflow.db")}
	iamCommand(t, dir, nil, append([]string{"create-user", "--user-name", "admin"}, db...)...)
	iamCommand(t, dir, nil, append([]string{"put-user-policy", "--user-name", "admin", "--policy-name", "all", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:*","states:*"],"Resource":"*"}}`}, db...)...)
	var admin accessKeyPair
	if err := json.Unmarshal([]byte(iamCommand(t, dir, nil, append([]string{"create-access-key", "--user-name", "admin", "--iam-key-file", keyFile}, db...)...)), &admin); err != nil {
		t.Fatal(err)
	}
	// Under --auth iam a state machine's role must exist, as on AWS.
	iamCommand(t, dir, nil, append([]string{"create-role", "--role-name", "StepflowRole"}, db...)...)
	srv := runServerProcess(t, dir, append([]string{"--auth", "iam", "--iam-key-file", keyFile}, db...)...)

	ctx := context.Background()
	adminSFN := sfnClientWith(srv.URL, admin)
	var orders, payroll string
	for _, name := range []string{"Orders", "Payroll"} {
		out, err := adminSFN.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: aws.String(roleARN),
			Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
		if err != nil {
			t.Fatalf("admin creates %s: %v", name, err)
		}
		if name == "Orders" {
			orders = *out.StateMachineArn
		} else {
			payroll = *out.StateMachineArn
		}
	}
	policies := map[string]string{
		"starter": `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"states:StartExecution","Resource":"` + orders + `"},
			{"Effect":"Allow","Action":["states:DescribeExecution","states:GetExecutionHistory"],"Resource":"arn:aws:states:us-east-1:123456789012:execution:Orders:*"}]}`,
		"reader": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["states:Describe*","states:List*","states:Get*"],"Resource":"*"}}`,
	}
	keys := map[string]accessKeyPair{}
	endpoint := []string{"--endpoint", srv.URL}
	for _, user := range []string{"starter", "reader"} {
		iamCommand(t, dir, keyEnv(admin), append([]string{"create-user", "--user-name", user}, endpoint...)...)
		iamCommand(t, dir, keyEnv(admin), append([]string{"put-user-policy", "--user-name", user, "--policy-name", "p", "--policy-document", policies[user]}, endpoint...)...)
		var k accessKeyPair
		if err := json.Unmarshal([]byte(iamCommand(t, dir, keyEnv(admin), append([]string{"create-access-key", "--user-name", user}, endpoint...)...)), &k); err != nil {
			t.Fatal(err)
		}
		keys[user] = k
	}

	t.Run("GoSDK", func(t *testing.T) {
		starter, reader := sfnClientWith(srv.URL, keys["starter"]), sfnClientWith(srv.URL, keys["reader"])
		started, err := starter.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders), Name: aws.String("go-run")})
		if err != nil {
			t.Fatalf("starter starts Orders: %v", err)
		}
		if _, err := starter.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn}); err != nil {
			t.Fatalf("starter follows its execution: %v", err)
		}
		_, err = starter.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(payroll)})
		wantCode(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/starter is not authorized to perform: states:StartExecution on resource: "+payroll+" because no identity-based policy allows the states:StartExecution action")
		if _, err := reader.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn}); err != nil {
			t.Fatalf("reader reads history: %v", err)
		}
		_, err = reader.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: started.ExecutionArn})
		wantCode(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: states:StopExecution on resource: "+*started.ExecutionArn+" because no identity-based policy allows the states:StopExecution action")
		_, err = reader.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders)})
		wantCode(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: states:StartExecution on resource: "+orders+" because no identity-based policy allows the states:StartExecution action")
	})

	t.Run("boto3", func(t *testing.T) {
		python := needBoto3(t)
		cmd := exec.Command(python, "testdata/boto3_iam.py")
		cmd.Env = append(cleanEnv(), "STEPFLOW_ENDPOINT="+srv.URL, "STEPFLOW_ORDERS="+orders, "STEPFLOW_PAYROLL="+payroll,
			"STARTER_KEY="+keys["starter"].AccessKey.AccessKeyId, "STARTER_SECRET="+keys["starter"].AccessKey.SecretAccessKey,
			"READER_KEY="+keys["reader"].AccessKey.AccessKeyId, "READER_SECRET="+keys["reader"].AccessKey.SecretAccessKey)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("boto3_iam.py: %v\n%s%s", err, stdout.String(), stderr.String())
		}
		if !strings.HasSuffix(stdout.String(), "ok unknown key\n") {
			t.Fatalf("boto3_iam.py exited 0 without running every step:\n%s%s", stdout.String(), stderr.String())
		}
	})

	t.Run("SigV4", func(t *testing.T) {
		creds := aws.Credentials{AccessKeyID: admin.AccessKey.AccessKeyId, SecretAccessKey: admin.AccessKey.SecretAccessKey}
		// signed builds a request to the Step Functions API signed at the given time for the
		// given region and service.
		signed := func(target, body, region, service string, at time.Time) *http.Request {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("X-Amz-Target", "AWSStepFunctions."+target)
			sum := sha256.Sum256([]byte(body))
			if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
				t.Fatal(err)
			}
			return req
		}
		send := func(req *http.Request, body string) (int, map[string]any) {
			t.Helper()
			// A copy of the request with the body given: a replay sends the same bytes again.
			again, err := http.NewRequest(req.Method, req.URL.String(), strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			again.Header = req.Header.Clone()
			resp, err := http.DefaultClient.Do(again)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			var answer map[string]any
			if err := json.Unmarshal(data, &answer); err != nil {
				t.Fatalf("answer %s: %v", data, err)
			}
			return resp.StatusCode, answer
		}
		for _, tt := range []struct {
			name            string
			region, svc     string
			skew            time.Duration
			status          int
			code, messageRE string
		}{
			{"14 minutes behind", testRegion, "states", -14 * time.Minute, 200, "", ""},
			{"14 minutes ahead", testRegion, "states", 14 * time.Minute, 200, "", ""},
			{"16 minutes behind", testRegion, "states", -16 * time.Minute, 403, "InvalidSignatureException", `^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$`},
			{"16 minutes ahead", testRegion, "states", 16 * time.Minute, 403, "InvalidSignatureException", `^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$`},
			{"other region", "eu-west-1", "states", 0, 403, "InvalidSignatureException", `^Credential should be scoped to a valid region, not 'eu-west-1'\.$`},
			{"other service", testRegion, "iam", 0, 403, "InvalidSignatureException", `^Credential should be scoped to correct service: 'states'\.$`},
		} {
			status, answer := send(signed("ListStateMachines", "{}", tt.region, tt.svc, time.Now().Add(tt.skew)), "{}")
			if status != tt.status || (tt.code != "" && (answer["__type"] != tt.code || !regexp.MustCompile(tt.messageRE).MatchString(answer["message"].(string)))) {
				t.Errorf("%s: HTTP %d %v, want %d %s %s", tt.name, status, answer, tt.status, tt.code, tt.messageRE)
			}
		}

		// Replay within the window: SigV4 does not stop it, on AWS or here, but the signature
		// covers the body, so a replay can only repeat the same call — and StartExecution with
		// the same name is answered as AWS does (the same execution while it runs,
		// ExecutionAlreadyExists once it ended): one execution either way.
		body := `{"stateMachineArn":"` + orders + `","name":"replayed","input":"{}"}`
		req := signed("StartExecution", body, testRegion, "states", time.Now())
		status, first := send(req, body)
		if status != 200 {
			t.Fatalf("StartExecution: %d %v", status, first)
		}
		status, second := send(req, body)
		sameRun := status == 200 && second["executionArn"] == first["executionArn"]
		if !sameRun && (status != 400 || second["__type"] != "ExecutionAlreadyExists") {
			t.Fatalf("replayed StartExecution: %d %v, want the same execution %v", status, second, first["executionArn"])
		}
		status, swapped := send(req, strings.Replace(body, "replayed", "swapped", 1))
		if status != 403 || swapped["__type"] != "InvalidSignatureException" {
			t.Fatalf("replayed signature on another body: %d %v", status, swapped)
		}
		list, err := adminSFN.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(orders)})
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]int{}
		for _, e := range list.Executions {
			names[*e.Name]++
		}
		if names["replayed"] != 1 || names["swapped"] != 0 {
			t.Fatalf("executions after the replays: %v", names)
		}
	})
}
