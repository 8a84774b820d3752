package iamadmin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/api/iamadmin"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
)

var serverKey = []byte("an AES-256 server key, 32 bytes!")

// testServer is a server with IAM authorization and the admin API over a store.
type testServer struct {
	url string
	dir *iam.Directory
}

func startServer(t *testing.T, st store.Store, node string) *testServer {
	t.Helper()
	return startServerWithAudit(t, st, node, nil)
}

func startServerWithAudit(t *testing.T, st store.Store, node string, audit io.Writer) *testServer {
	t.Helper()
	box, err := iam.NewSecretBox(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Store: st, Invoker: task.NewRouter(), Scope: sfn.DefaultScope, SharedStore: true, NodeID: node})
	if err != nil {
		t.Fatal(err)
	}
	dir := iam.NewDirectory(st, box, sfn.DefaultScope, nil)
	handler, err := api.New(api.Config{Engine: eng, IAM: dir, Services: []api.Service{iamadmin.Service(dir)}, AuditLog: audit})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(func() {
		handler.Close()
		srv.Close()
		eng.Close(context.Background())
	})
	return &testServer{url: srv.URL, dir: dir}
}

func startSQLiteServer(t *testing.T) *testServer {
	t.Helper()
	return startSQLiteServerWithAudit(t, nil)
}

func startSQLiteServerWithAudit(t *testing.T, audit io.Writer) *testServer {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return startServerWithAudit(t, st, "admin-test", audit)
}

// lockedBuffer is an audit log the server writes and the test reads.
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

const adminPolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:*","states:*"],"Resource":"*"}}`

// bootstrap makes the first administrator on the store, as `stepflow iam` does, and returns
// an admin API client signing with its key.
func (s *testServer) bootstrap(t *testing.T) *iamadmin.Client {
	t.Helper()
	ctx := context.Background()
	if _, err := s.dir.CreatePrincipal(ctx, store.PrincipalUser, "root-admin", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.dir.PutPolicy(ctx, store.PrincipalUser, "root-admin", "all", adminPolicy); err != nil {
		t.Fatal(err)
	}
	k, err := s.dir.CreateAccessKey(ctx, "root-admin")
	if err != nil {
		t.Fatal(err)
	}
	return s.client(k.ID, k.Secret)
}

func (s *testServer) client(id, secret string) *iamadmin.Client {
	return &iamadmin.Client{Endpoint: s.url, Region: sfn.DefaultRegion, Credentials: aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}}
}

func (s *testServer) sfnClient(id, secret string) *awssfn.Client {
	return awssfn.New(awssfn.Options{Region: sfn.DefaultRegion, BaseEndpoint: aws.String(s.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
}

func wantError(t *testing.T, err error, status int, code, message string) {
	t.Helper()
	var e *api.Error
	if !errors.As(err, &e) || e.Status != status || e.Code != code || e.Message != message {
		t.Fatalf("got %v\nwant HTTP %d %s: %s", err, status, code, message)
	}
}

func wantSDKError(t *testing.T, err error, code, message string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		t.Fatalf("got %v\nwant %s: %s", err, code, message)
	}
}

func call[Out any](t *testing.T, c *iamadmin.Client, action string, in any) *Out {
	t.Helper()
	out := new(Out)
	if err := c.Call(context.Background(), action, in, out); err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return out
}

// TestAdminAPI: an administrator manages a user, its policy and its keys over the admin API;
// the key works on the Step Functions API as its policy says, stops at once when made
// Inactive, and IAM's errors come in IAM's codes and statuses.
func TestAdminAPI(t *testing.T) {
	t.Parallel()
	var audit lockedBuffer
	srv := startSQLiteServerWithAudit(t, &audit)
	admin := srv.bootstrap(t)
	ctx := context.Background()

	created := call[iamadmin.UserOutput](t, admin, "CreateUser", map[string]any{"UserName": "orders-bot", "Tags": []map[string]string{{"Key": "team", "Value": "orders"}}})
	if u := created.User; u.UserName != "orders-bot" || u.Arn != "arn:aws:iam::123456789012:user/orders-bot" || !strings.HasPrefix(u.UserId, "AIDA") ||
		len(u.Tags) != 1 || u.Tags[0] != (iamadmin.Tag{Key: "team", Value: "orders"}) {
		t.Fatalf("CreateUser: %+v", u)
	}
	err := admin.Call(ctx, "CreateUser", map[string]any{"UserName": "orders-bot"}, nil)
	wantError(t, err, 409, "EntityAlreadyExists", "User with name orders-bot already exists.")
	err = admin.Call(ctx, "GetUser", map[string]any{"UserName": "nobody"}, nil)
	wantError(t, err, 404, "NoSuchEntity", "The user with name nobody cannot be found.")
	err = admin.Call(ctx, "PutUserPolicy", map[string]any{"UserName": "orders-bot", "PolicyName": "p", "PolicyDocument": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*"}}`}, nil)
	var malformed *api.Error
	if !errors.As(err, &malformed) || malformed.Code != "MalformedPolicyDocument" || malformed.Status != 400 {
		t.Fatalf("PutUserPolicy of a statement without Resource: %v", err)
	}

	policy := `{"Version":"2012-10-17","Statement":[
		{"Sid":"StartOrders","Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:Orders"},
		{"Sid":"OwnKeys","Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys","iam:UpdateAccessKey","iam:DeleteAccessKey","iam:GetUser"],"Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]}`
	call[iamadmin.Empty](t, admin, "PutUserPolicy", map[string]any{"UserName": "orders-bot", "PolicyName": "orders", "PolicyDocument": policy})
	got := call[iamadmin.PolicyOutput](t, admin, "GetUserPolicy", map[string]any{"UserName": "orders-bot", "PolicyName": "orders"})
	if got.PolicyDocument != policy || got.UserName != "orders-bot" {
		t.Fatalf("GetUserPolicy: %+v", got)
	}
	if names := call[iamadmin.PolicyNamesOutput](t, admin, "ListUserPolicies", map[string]any{"UserName": "orders-bot"}); len(names.PolicyNames) != 1 || names.PolicyNames[0] != "orders" {
		t.Fatalf("ListUserPolicies: %+v", names)
	}

	key := call[iamadmin.AccessKeyOutput](t, admin, "CreateAccessKey", map[string]any{"UserName": "orders-bot"}).AccessKey
	if key.Status != "Active" || len(key.SecretAccessKey) != 40 || !strings.HasPrefix(key.AccessKeyId, "AKIA") {
		t.Fatalf("CreateAccessKey: %+v", key)
	}
	listed := call[iamadmin.AccessKeysOutput](t, admin, "ListAccessKeys", map[string]any{"UserName": "orders-bot"})
	if len(listed.AccessKeyMetadata) != 1 || listed.AccessKeyMetadata[0].AccessKeyId != key.AccessKeyId || listed.AccessKeyMetadata[0].SecretAccessKey != "" {
		t.Fatalf("ListAccessKeys shows: %+v", listed)
	}
	users := call[iamadmin.UsersOutput](t, admin, "ListUsers", map[string]any{})
	if len(users.Users) != 2 {
		t.Fatalf("ListUsers: %+v", users)
	}

	// The key on the Step Functions API: what its policy allows, and nothing else.
	bot := srv.sfnClient(key.AccessKeyId, key.SecretAccessKey)
	_, err = bot.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/orders-bot is not authorized to perform: states:ListStateMachines on resource: * because no identity-based policy allows the states:ListStateMachines action")
	_, err = bot.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:Orders")})
	wantSDKError(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:Orders'")

	// The bot manages its own keys (no UserName: the caller), and no one else's, nor users.
	botAdmin := srv.client(key.AccessKeyId, key.SecretAccessKey)
	if me := call[iamadmin.UserOutput](t, botAdmin, "GetUser", map[string]any{}); me.User.UserName != "orders-bot" {
		t.Fatalf("GetUser of the caller: %+v", me.User)
	}
	second := call[iamadmin.AccessKeyOutput](t, botAdmin, "CreateAccessKey", map[string]any{}).AccessKey
	if second.UserName != "orders-bot" {
		t.Fatalf("CreateAccessKey for the caller: %+v", second)
	}
	err = botAdmin.Call(ctx, "CreateAccessKey", map[string]any{}, nil)
	wantError(t, err, 409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	err = botAdmin.Call(ctx, "CreateAccessKey", map[string]any{"UserName": "root-admin"}, nil)
	wantError(t, err, 400, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/orders-bot is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::123456789012:user/root-admin because no identity-based policy allows the iam:CreateAccessKey action")
	err = botAdmin.Call(ctx, "CreateUser", map[string]any{"UserName": "mallory"}, nil)
	wantError(t, err, 400, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/orders-bot is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/mallory because no identity-based policy allows the iam:CreateUser action")
	err = botAdmin.Call(ctx, "ListUsers", map[string]any{}, nil)
	wantError(t, err, 400, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/orders-bot is not authorized to perform: iam:ListUsers on resource: * because no identity-based policy allows the iam:ListUsers action")

	// Rotation by the bot itself: the first key made Inactive is refused at its next request.
	call[iamadmin.Empty](t, srv.client(second.AccessKeyId, second.SecretAccessKey), "UpdateAccessKey", map[string]any{"AccessKeyId": key.AccessKeyId, "Status": "Inactive"})
	_, err = bot.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:Orders")})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	err = admin.Call(ctx, "UpdateAccessKey", map[string]any{"UserName": "orders-bot", "AccessKeyId": key.AccessKeyId, "Status": "Disabled"}, nil)
	wantError(t, err, 400, "ValidationError", "1 validation error detected: Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	call[iamadmin.Empty](t, admin, "DeleteAccessKey", map[string]any{"UserName": "orders-bot", "AccessKeyId": key.AccessKeyId})
	err = admin.Call(ctx, "DeleteAccessKey", map[string]any{"UserName": "orders-bot", "AccessKeyId": key.AccessKeyId}, nil)
	wantError(t, err, 404, "NoSuchEntity", "The Access Key with id "+key.AccessKeyId+" cannot be found.")

	// The simulator over HTTP.
	sim := call[iamadmin.SimulateOutput](t, admin, "SimulatePrincipalPolicy", map[string]any{
		"PolicySourceArn": "arn:aws:iam::123456789012:user/orders-bot",
		"ActionNames":     []string{"states:StartExecution", "states:DeleteStateMachine"},
		"ResourceArns":    []string{"arn:aws:states:us-east-1:123456789012:stateMachine:Orders"},
	})
	if len(sim.EvaluationResults) != 2 || sim.EvaluationResults[0].EvalDecision != "allowed" || sim.EvaluationResults[0].MatchedStatements[0].Sid != "StartOrders" ||
		sim.EvaluationResults[1].EvalDecision != "implicitDeny" || sim.EvaluationResults[1].Message == "" {
		t.Fatalf("SimulatePrincipalPolicy: %+v", sim)
	}
	err = admin.Call(ctx, "SimulatePrincipalPolicy", map[string]any{"PolicySourceArn": "arn:aws:iam::123456789012:user/ghost", "ActionNames": []string{"states:StartExecution"}}, nil)
	wantError(t, err, 400, "InvalidInput", "The principal arn:aws:iam::123456789012:user/ghost cannot be found.")

	// Tags after creation; a policy may keep the rate-limit tag out of a helpdesk's reach.
	call[iamadmin.Empty](t, admin, "TagUser", map[string]any{"UserName": "orders-bot", "Tags": []map[string]string{{"Key": "stepflow:rate-limit", "Value": "5"}, {"Key": "team", "Value": "billing"}}})
	tags := call[iamadmin.TagsOutput](t, admin, "ListUserTags", map[string]any{"UserName": "orders-bot"})
	if len(tags.Tags) != 2 || tags.Tags[1] != (iamadmin.Tag{Key: "team", Value: "billing"}) {
		t.Fatalf("ListUserTags after TagUser: %+v", tags)
	}
	call[iamadmin.Empty](t, admin, "UntagUser", map[string]any{"UserName": "orders-bot", "TagKeys": []string{"stepflow:rate-limit"}})
	if tags := call[iamadmin.TagsOutput](t, admin, "ListUserTags", map[string]any{"UserName": "orders-bot"}); len(tags.Tags) != 1 {
		t.Fatalf("ListUserTags after UntagUser: %+v", tags)
	}
	many := []map[string]string{}
	for i := range 50 {
		many = append(many, map[string]string{"Key": fmt.Sprintf("k%d", i), "Value": "v"})
	}
	err = admin.Call(ctx, "TagUser", map[string]any{"UserName": "orders-bot", "Tags": many}, nil)
	wantError(t, err, 409, "LimitExceeded", "The number of tags has reached the maximum limit of 50 for this user.")
	call[iamadmin.UserOutput](t, admin, "CreateUser", map[string]any{"UserName": "helpdesk"})
	call[iamadmin.Empty](t, admin, "PutUserPolicy", map[string]any{"UserName": "helpdesk", "PolicyName": "tags", "PolicyDocument": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:TagUser","iam:UntagUser"],"Resource":"*"},
		{"Sid":"NoRateLimits","Effect":"Deny","Action":["iam:TagUser","iam:UntagUser"],"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"stepflow:rate-limit"}}}]}`})
	helpdeskKey := call[iamadmin.AccessKeyOutput](t, admin, "CreateAccessKey", map[string]any{"UserName": "helpdesk"}).AccessKey
	helpdesk := srv.client(helpdeskKey.AccessKeyId, helpdeskKey.SecretAccessKey)
	call[iamadmin.Empty](t, helpdesk, "TagUser", map[string]any{"UserName": "orders-bot", "Tags": []map[string]string{{"Key": "team", "Value": "orders"}}})
	err = helpdesk.Call(ctx, "TagUser", map[string]any{"UserName": "orders-bot", "Tags": []map[string]string{{"Key": "stepflow:rate-limit", "Value": "none"}}}, nil)
	wantError(t, err, 400, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/helpdesk is not authorized to perform: iam:TagUser on resource: arn:aws:iam::123456789012:user/orders-bot with an explicit deny in an identity-based policy")

	// The audit log names each admin call and its resource, never a secret.
	log := audit.String()
	for _, want := range []string{
		`"action":"iam:CreateAccessKey","resource":"arn:aws:iam::123456789012:user/orders-bot","decision":"allow"`,
		`"action":"iam:CreateUser","resource":"arn:aws:iam::123456789012:user/mallory","decision":"deny","reason":"implicitDeny"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, key.SecretAccessKey) || strings.Contains(log, second.SecretAccessKey) {
		t.Error("the audit log holds a secret")
	}

	// Deleting the user ends its remaining key too.
	call[iamadmin.Empty](t, admin, "DeleteUser", map[string]any{"UserName": "orders-bot"})
	_, err = srv.sfnClient(second.AccessKeyId, second.SecretAccessKey).StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:Orders")})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

// TestAdminAPIRoles: roles and their policies over the admin API.
func TestAdminAPIRoles(t *testing.T) {
	t.Parallel()
	srv := startSQLiteServer(t)
	admin := srv.bootstrap(t)
	ctx := context.Background()
	role := call[iamadmin.RoleOutput](t, admin, "CreateRole", map[string]any{"RoleName": "orders-runner"}).Role
	if role.Arn != "arn:aws:iam::123456789012:role/orders-runner" || !strings.HasPrefix(role.RoleId, "AROA") {
		t.Fatalf("CreateRole: %+v", role)
	}
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}}`
	call[iamadmin.Empty](t, admin, "PutRolePolicy", map[string]any{"RoleName": "orders-runner", "PolicyName": "invoke", "PolicyDocument": doc})
	if got := call[iamadmin.PolicyOutput](t, admin, "GetRolePolicy", map[string]any{"RoleName": "orders-runner", "PolicyName": "invoke"}); got.PolicyDocument != doc || got.RoleName != "orders-runner" {
		t.Fatalf("GetRolePolicy: %+v", got)
	}
	if roles := call[iamadmin.RolesOutput](t, admin, "ListRoles", map[string]any{}); len(roles.Roles) != 1 || roles.Roles[0].RoleName != "orders-runner" {
		t.Fatalf("ListRoles: %+v", roles)
	}
	call[iamadmin.Empty](t, admin, "DeleteRolePolicy", map[string]any{"RoleName": "orders-runner", "PolicyName": "invoke"})
	err := admin.Call(ctx, "DeleteRolePolicy", map[string]any{"RoleName": "orders-runner", "PolicyName": "invoke"}, nil)
	wantError(t, err, 404, "NoSuchEntity", "The role policy with name invoke cannot be found.")
	call[iamadmin.Empty](t, admin, "DeleteRole", map[string]any{"RoleName": "orders-runner"})
	err = admin.Call(ctx, "GetRole", map[string]any{"RoleName": "orders-runner"}, nil)
	wantError(t, err, 404, "NoSuchEntity", "The role with name orders-runner cannot be found.")
	// A request signed for another service than iam is refused.
	stray := *admin
	stray.Endpoint = srv.url
	err = signedFor(t, &stray, "states")
	wantError(t, err, 403, "InvalidSignatureException", "Credential should be scoped to correct service: 'iam'.")
}

// signedFor calls ListUsers with a signature scoped to another service.
func signedFor(t *testing.T, c *iamadmin.Client, service string) error {
	t.Helper()
	return c.CallSignedFor(context.Background(), service, "ListUsers", map[string]any{}, nil)
}

// TestAdminAPIKeyRotationAcrossServers: two servers share one PostgreSQL database. A key made
// through the admin API of the first works at once on the second; made Inactive through the
// first, the second refuses it at its next request (the servers cache no keys).
func TestAdminAPIKeyRotationAcrossServers(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t, "admin API key rotation across servers")
	ctx := context.Background()
	var servers []*testServer
	for i := range 2 {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		servers = append(servers, startServer(t, st, fmt.Sprintf("node-%d", i)))
	}
	a, b := servers[0], servers[1]
	admin := a.bootstrap(t)
	call[iamadmin.UserOutput](t, admin, "CreateUser", map[string]any{"UserName": "ci"})
	call[iamadmin.Empty](t, admin, "PutUserPolicy", map[string]any{"UserName": "ci", "PolicyName": "list",
		"PolicyDocument": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:List*","Resource":"*"}}`})
	old := call[iamadmin.AccessKeyOutput](t, admin, "CreateAccessKey", map[string]any{"UserName": "ci"}).AccessKey
	if _, err := b.sfnClient(old.AccessKeyId, old.SecretAccessKey).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("key made on A, used on B: %v", err)
	}
	fresh := call[iamadmin.AccessKeyOutput](t, admin, "CreateAccessKey", map[string]any{"UserName": "ci"}).AccessKey
	call[iamadmin.Empty](t, admin, "UpdateAccessKey", map[string]any{"UserName": "ci", "AccessKeyId": old.AccessKeyId, "Status": "Inactive"})
	_, err := b.sfnClient(old.AccessKeyId, old.SecretAccessKey).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	if _, err := b.sfnClient(fresh.AccessKeyId, fresh.SecretAccessKey).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("new key on B: %v", err)
	}
	// Made Active again on B, the old key works on A; deleted on B, refused on A.
	adminOnB := b.client(admin.Credentials.AccessKeyID, admin.Credentials.SecretAccessKey)
	call[iamadmin.Empty](t, adminOnB, "UpdateAccessKey", map[string]any{"UserName": "ci", "AccessKeyId": old.AccessKeyId, "Status": "Active"})
	if _, err := a.sfnClient(old.AccessKeyId, old.SecretAccessKey).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("reactivated key on A: %v", err)
	}
	call[iamadmin.Empty](t, adminOnB, "DeleteAccessKey", map[string]any{"UserName": "ci", "AccessKeyId": old.AccessKeyId})
	_, err = a.sfnClient(old.AccessKeyId, old.SecretAccessKey).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	// A policy changed on A decides the next request on B.
	call[iamadmin.Empty](t, admin, "PutUserPolicy", map[string]any{"UserName": "ci", "PolicyName": "list",
		"PolicyDocument": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:ListActivities","Resource":"*"}}`})
	_, err = b.sfnClient(fresh.AccessKeyId, fresh.SecretAccessKey).ListStateMachines(ctx, &awssfn.ListStateMachinesInput{})
	wantSDKError(t, err, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: states:ListStateMachines on resource: * because no identity-based policy allows the states:ListStateMachines action")
}

// TestAdminResourceForEveryAction: every action the admin API answers is authorized on the
// resource iam's table names for it, and the table names no action the API lacks.
func TestAdminResourceForEveryAction(t *testing.T) {
	t.Parallel()
	svc := iamadmin.Service(nil)
	known := iam.AdminActions()
	if len(known) != len(svc.Actions) {
		t.Fatalf("iam knows %d admin actions, the API answers %d", len(known), len(svc.Actions))
	}
	for _, name := range known {
		if _, ok := svc.Actions[name]; !ok {
			t.Errorf("iam.AdminResource knows %s, which the API does not answer", name)
		}
	}
}
