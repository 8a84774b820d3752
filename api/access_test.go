package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
	"github.com/stepflow/stepflow/task"
)

// iamServer is an edge server that authorizes with IAM, and the directory of its users.
type iamServer struct {
	*edgeServer
	dir *iam.Directory
}

func startIAMServer(t *testing.T) *iamServer {
	t.Helper()
	box, err := iam.NewSecretBox([]byte("an AES-256 server key, 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	var dir *iam.Directory
	srv := startEdgeServer(t, func(c *Config) {
		dir = iam.NewDirectory(c.Engine.Store(), box, c.Engine.Scope(), nil)
		c.IAM = dir
	})
	return &iamServer{edgeServer: srv, dir: dir}
}

// user creates a user with the policy and returns an SDK client signing with a new key of it.
func (s *iamServer) user(t *testing.T, name, policy string) (*awssfn.Client, *iam.NewAccessKey) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.dir.CreatePrincipal(ctx, store.PrincipalUser, name, nil); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if err := s.dir.PutPolicy(ctx, store.PrincipalUser, name, "policy", policy); err != nil {
			t.Fatal(err)
		}
	}
	key, err := s.dir.CreateAccessKey(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return awssfn.New(awssfn.Options{
		Region:           sfn.DefaultRegion,
		BaseEndpoint:     aws.String(s.url),
		Credentials:      credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		RetryMaxAttempts: 1,
	}), key
}

func wantSDKError(t *testing.T, err error, code, message string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		t.Fatalf("got %v\nwant %s: %s", err, code, message)
	}
}

const passDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`

// TestIAMOverTheWire: two users with different policies, through the AWS SDK for Go v2. One
// may start executions of one state machine only and gets AWS's AccessDeniedException for the
// other; a read-only user reads but cannot stop or delete; a key made Inactive stops at once.
func TestIAMOverTheWire(t *testing.T) {
	t.Parallel()
	srv := startIAMServer(t)
	ctx := context.Background()
	admin, _ := srv.user(t, "admin", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`)
	var machines []string
	for _, name := range []string{"Orders", "Payroll"} {
		out, err := admin.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(passDefinition), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"),
		})
		if err != nil {
			t.Fatalf("admin creates %s: %v", name, err)
		}
		machines = append(machines, *out.StateMachineArn)
	}
	orders, payroll := machines[0], machines[1]

	starter, starterKey := srv.user(t, "starter", `{"Version":"2012-10-17","Statement":[
		{"Sid":"StartOrders","Effect":"Allow","Action":"states:StartExecution","Resource":"`+orders+`"},
		{"Sid":"ReadOrders","Effect":"Allow","Action":["states:DescribeExecution","states:GetExecutionHistory"],"Resource":"arn:aws:states:*:*:execution:Orders:*"},
		{"Sid":"NeverPayrollHistory","Effect":"Deny","Action":"states:GetExecutionHistory","Resource":"arn:aws:states:*:*:execution:Payroll:*"}]}`)
	started, err := starter.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders), Name: aws.String("run-1")})
	if err != nil {
		t.Fatalf("starter starts Orders: %v", err)
	}
	if _, err := starter.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn}); err != nil {
		t.Fatalf("starter describes its execution: %v", err)
	}
	_, err = starter.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(payroll)})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/starter is not authorized to perform: states:StartExecution on resource: "+
		payroll+" because no identity-based policy allows the states:StartExecution action")
	_, err = starter.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/starter is not authorized to perform: states:ListStateMachines on resource: * because no identity-based policy allows the states:ListStateMachines action")

	payrollRun, err := admin.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(payroll), Name: aws.String("p-1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = starter.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: payrollRun.ExecutionArn})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/starter is not authorized to perform: states:GetExecutionHistory on resource: "+
		*payrollRun.ExecutionArn+" with an explicit deny in an identity-based policy")
	// A resource that does not exist is refused the same way: denial comes before existence.
	_, err = starter.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:Secret:x")})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/starter is not authorized to perform: states:DescribeExecution on resource: arn:aws:states:us-east-1:123456789012:execution:Secret:x because no identity-based policy allows the states:DescribeExecution action")

	reader, _ := srv.user(t, "reader", `{"Version":"2012-10-17","Statement":{"Sid":"ReadOnly","Effect":"Allow",
		"Action":["states:List*","states:Describe*","states:GetExecutionHistory"],"Resource":"*"}}`)
	if list, err := reader.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil || len(list.StateMachines) != 2 {
		t.Fatalf("reader lists: %v %v", list, err)
	}
	if _, err := reader.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn}); err != nil {
		t.Fatalf("reader reads history: %v", err)
	}
	_, err = reader.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: started.ExecutionArn})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: states:StopExecution on resource: "+
		*started.ExecutionArn+" because no identity-based policy allows the states:StopExecution action")
	_, err = reader.DeleteStateMachine(ctx, &awssfn.DeleteStateMachineInput{StateMachineArn: aws.String(orders)})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: states:DeleteStateMachine on resource: "+
		orders+" because no identity-based policy allows the states:DeleteStateMachine action")

	// A key made Inactive is refused at the next request; active again, it works again;
	// deleted, it is gone.
	if err := srv.dir.UpdateAccessKey(ctx, "starter", starterKey.ID, store.AccessKeyInactive); err != nil {
		t.Fatal(err)
	}
	_, err = starter.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders)})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	if err := srv.dir.UpdateAccessKey(ctx, "starter", starterKey.ID, store.AccessKeyActive); err != nil {
		t.Fatal(err)
	}
	if _, err := starter.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders)}); err != nil {
		t.Fatalf("reactivated key: %v", err)
	}
	if err := srv.dir.DeleteAccessKey(ctx, "starter", starterKey.ID); err != nil {
		t.Fatal(err)
	}
	_, err = starter.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(orders)})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")

	// A policy change applies at the next request.
	if err := srv.dir.PutPolicy(ctx, store.PrincipalUser, "reader", "policy", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:StopExecution","Resource":"*"}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: payrollRun.ExecutionArn}); err != nil {
		var apiErr smithy.APIError
		// The execution may have ended already; only a denial fails the test.
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() == "AccessDeniedException" {
			t.Fatalf("reader stops after the policy change: %v", err)
		}
	}
}

// TestIAMChecksWhatTheActionRuns: a body that names the resource twice, in two spellings of
// the member, is authorized on the value the action decodes, not on another one.
func TestIAMChecksWhatTheActionRuns(t *testing.T) {
	t.Parallel()
	srv := startIAMServer(t)
	ctx := context.Background()
	admin, _ := srv.user(t, "admin", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`)
	var machines []string
	for _, name := range []string{"Open", "Closed"} {
		out, err := admin.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(passDefinition), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"),
		})
		if err != nil {
			t.Fatal(err)
		}
		machines = append(machines, *out.StateMachineArn)
	}
	_, key := srv.user(t, "narrow", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:StartExecution","Resource":"`+machines[0]+`"}}`)
	body := `{"stateMachineArn":"` + machines[0] + `","STATEMACHINEARN":"` + machines[1] + `"}`
	req, err := http.NewRequest("POST", srv.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.StartExecution")
	sum := sha256Hex(body)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}, req, sum, "states", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	a := doEdge(t, req)
	if a.status == http.StatusOK {
		list, _ := admin.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machines[1])})
		if list != nil && len(list.Executions) > 0 {
			t.Fatalf("an execution of %s was started by a user allowed only %s", machines[1], machines[0])
		}
		return
	}
	a.wantAWSError(t, http.StatusBadRequest, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/narrow is not authorized to perform: states:StartExecution on resource: "+
		machines[1]+" because no identity-based policy allows the states:StartExecution action")
}

// TestIAMResourceForEveryAction: every action the server answers has its resource in iam's
// table, so none is checked on "*" by accident.
func TestIAMResourceForEveryAction(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	known := map[string]bool{}
	for _, a := range iam.StepFunctionsActions() {
		known[a] = true
	}
	for _, a := range srv.api.Actions() {
		if !known[a] {
			t.Errorf("action %s has no entry in iam's Step Functions table", a)
		}
		delete(known, a)
	}
	for a := range known {
		t.Errorf("iam's table names %s, which the server does not answer", a)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestIAMKeyRotationAcrossServers: two servers share one PostgreSQL database; a key made
// Inactive through one directory is refused at once by both, and the rotated key works on both.
func TestIAMKeyRotationAcrossServers(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t, "IAM key rotation across servers")
	ctx := context.Background()
	box, err := iam.NewSecretBox([]byte("an AES-256 server key, 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	var dirs []*iam.Directory
	for i := range 2 {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		eng, err := engine.New(engine.Config{Store: st, Invoker: task.NewRouter(), Scope: sfn.DefaultScope, SharedStore: true, NodeID: fmt.Sprintf("node-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		dir := iam.NewDirectory(st, box, sfn.DefaultScope, nil)
		handler, err := New(Config{Engine: eng, IAM: dir})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(handler)
		t.Cleanup(func() {
			handler.Close()
			srv.Close()
			eng.Close(context.Background())
			st.Close()
		})
		urls = append(urls, srv.URL)
		dirs = append(dirs, dir)
	}
	if _, err := dirs[0].CreatePrincipal(ctx, store.PrincipalUser, "ci", nil); err != nil {
		t.Fatal(err)
	}
	if err := dirs[0].PutPolicy(ctx, store.PrincipalUser, "ci", "list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:List*","Resource":"*"}}`); err != nil {
		t.Fatal(err)
	}
	client := func(url string, k *iam.NewAccessKey) *awssfn.Client {
		return awssfn.New(awssfn.Options{Region: sfn.DefaultRegion, BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(k.ID, k.Secret, "")})
	}
	old, err := dirs[0].CreateAccessKey(ctx, "ci")
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range urls {
		if _, err := client(url, old).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
			t.Fatalf("old key on %s: %v", url, err)
		}
	}
	// Rotation: a new key made on the second server, the old one retired on the first.
	fresh, err := dirs[1].CreateAccessKey(ctx, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if err := dirs[0].UpdateAccessKey(ctx, "ci", old.ID, store.AccessKeyInactive); err != nil {
		t.Fatal(err)
	}
	for _, url := range urls {
		_, err := client(url, old).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
		wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
		if _, err := client(url, fresh).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
			t.Fatalf("new key on %s: %v", url, err)
		}
	}
	if err := dirs[1].DeleteAccessKey(ctx, "ci", old.ID); err != nil {
		t.Fatal(err)
	}
	_, err = client(urls[0], old).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

// TestIAMKeySealedUnderAnotherServerKey: a server started with another server key refuses the
// keys sealed under the first as unrecognized (not as a server fault the SDKs would retry).
func TestIAMKeySealedUnderAnotherServerKey(t *testing.T) {
	t.Parallel()
	srv := startIAMServer(t)
	client, key := srv.user(t, "u", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`)
	ctx := context.Background()
	if _, err := client.ListActivities(ctx, &awssfn.ListActivitiesInput{}); err != nil {
		t.Fatal(err)
	}
	otherBox, err := iam.NewSecretBox([]byte("another server key of 32 bytes!!"))
	if err != nil {
		t.Fatal(err)
	}
	other := startEdgeServer(t, func(c *Config) {
		c.IAM = iam.NewDirectory(srv.dir.Store(), otherBox, c.Engine.Scope(), nil)
	})
	otherClient := awssfn.New(awssfn.Options{Region: sfn.DefaultRegion, BaseEndpoint: aws.String(other.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key.ID, key.Secret, "")})
	_, err = otherClient.ListActivities(ctx, &awssfn.ListActivitiesInput{})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

// Under IAM a REST service on the same port (EventBridge Scheduler's) takes only requests
// signed with a key of the store: an unsigned or wrongly signed one never reaches it.
func TestIAMAuthenticatesRESTServices(t *testing.T) {
	t.Parallel()
	reached := 0
	var dir *iam.Directory
	box, err := iam.NewSecretBox([]byte("an AES-256 server key, 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	srv := startEdgeServer(t, func(c *Config) {
		dir = iam.NewDirectory(c.Engine.Store(), box, c.Engine.Scope(), nil)
		c.IAM = dir
		c.REST = []RESTService{{PathPrefixes: []string{"/schedules"}, SigningName: "scheduler",
			Handle: func(context.Context, *RESTRequest) (any, error) { reached++; return map[string]any{}, nil }}}
	})
	ctx := context.Background()
	if _, err := dir.CreatePrincipal(ctx, store.PrincipalUser, "ops", nil); err != nil {
		t.Fatal(err)
	}
	key, err := dir.CreateAccessKey(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	send := func(id, secret string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.url+"/schedules", nil)
		if id != "" {
			hash := sha256Hex("")
			req.Header.Set("X-Amz-Content-Sha256", hash)
			signer := v4.NewSigner()
			if err := signer.SignHTTP(ctx, aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req, hash,
				"scheduler", sfn.DefaultRegion, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := send("", ""); status < 400 || status >= 500 || reached != 0 {
		t.Fatalf("unsigned: HTTP %d, handler reached %d times", status, reached)
	}
	if status := send(key.ID, "not-the-secret"); status < 400 || status >= 500 || reached != 0 {
		t.Fatalf("wrong secret: HTTP %d, handler reached %d times", status, reached)
	}
	if status := send(key.ID, key.Secret); status != 200 || reached != 1 {
		t.Fatalf("signed with a store key: HTTP %d, handler reached %d times", status, reached)
	}
}
