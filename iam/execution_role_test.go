package iam_test

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/nested"
)

// TestRoleInvokerWithEngine: executions of a state machine whose roleArn names a role in the
// store may invoke what the role's policy allows and fail, with the integration's AWS error,
// on the rest; a state machine whose role is not in the store runs as before.
func TestRoleInvokerWithEngine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := iam.NewSecretBox([]byte("an AES-256 server key, 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	scope := sfn.DefaultScope
	dir := iam.NewDirectory(st, box, scope, nil)
	if _, err := dir.CreatePrincipal(ctx, store.PrincipalRole, "orders-role", nil); err != nil {
		t.Fatal(err)
	}
	if err := dir.PutPolicy(ctx, store.PrincipalRole, "orders-role", "invoke", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Lambda","Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:allowed*"},
		{"Sid":"Nested","Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:Child"},
		{"Sid":"Assume","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/orders-target"},
		{"Sid":"GetOnly","Effect":"Allow","Action":"states:InvokeHTTPEndpoint","Resource":"*",
		 "Condition":{"StringEquals":{"states:HTTPMethod":"GET"},"StringLike":{"states:HTTPEndpoint":"https://api.example.com/*"}}}]}`); err != nil {
		t.Fatal(err)
	}
	// Roles a Task's Credentials may name: one the execution role may assume, one it may not.
	for name, policy := range map[string]string{
		"orders-target": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:target-*"}}`,
		"other-target":  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
	} {
		if _, err := dir.CreatePrincipal(ctx, store.PrincipalRole, name, nil); err != nil {
			t.Fatal(err)
		}
		if err := dir.PutPolicy(ctx, store.PrincipalRole, name, "p", policy); err != nil {
			t.Fatal(err)
		}
	}

	invoked := map[string]int{}
	router := task.NewRouter()
	router.HandleLambda(task.InvokerFunc(func(_ context.Context, req *task.Request) (any, error) {
		invoked[req.Resource.Name]++
		return map[string]any{"ok": true}, nil
	}))
	router.HandleService("lambda", task.InvokerFunc(func(_ context.Context, req *task.Request) (any, error) {
		invoked["lambda:invoke"]++
		return map[string]any{"Payload": map[string]any{}}, nil
	}))
	router.HandleService("http", task.InvokerFunc(func(_ context.Context, req *task.Request) (any, error) {
		invoked["http"]++
		return map[string]any{"StatusCode": 200}, nil
	}))
	eng, err := engine.New(engine.Config{Store: st, Invoker: iam.NewRoleInvoker(dir, router), Scope: scope, NodeID: "role-test"})
	if err != nil {
		t.Fatal(err)
	}
	router.HandleService("states", nested.New(eng))
	engineCtx, stop := context.WithCancel(ctx)
	t.Cleanup(func() { stop(); eng.Close(context.Background()) })
	if err := eng.Start(engineCtx); err != nil {
		t.Fatal(err)
	}

	role := "arn:aws:iam::123456789012:role/orders-role"
	create := func(name, roleARN string, typ sfn.StateMachineType, definition string) string {
		arn := scope.StateMachineARN(name)
		if _, err := st.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: arn, Name: name, Type: typ,
			Definition: definition, RoleARN: roleARN, RevisionID: "r", CreatedDate: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return arn
	}
	task1 := func(resource, params string) string {
		return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `","Parameters":` + params + `,"End":true}}}`
	}
	run := func(arn string) *store.Execution {
		t.Helper()
		res, err := eng.StartSyncExecution(ctx, &engine.StartExecutionParams{StateMachineARN: arn})
		if err != nil {
			t.Fatal(err)
		}
		return res.Execution
	}
	withCredentials := func(resource, roleARN string) string {
		return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `","Credentials":{"RoleArn":"` + roleARN + `"},"End":true}}}`
	}
	lambdaARN := "arn:aws:lambda:us-east-1:123456789012:function:"
	deniedTarget := regexp.QuoteMeta("User: arn:aws:sts::123456789012:assumed-role/orders-target/") + "[0-9a-f]{32}" + regexp.QuoteMeta(" is not authorized to perform: ")
	denied := regexp.QuoteMeta("User: arn:aws:sts::123456789012:assumed-role/orders-role/") + "[0-9a-f]{32}" + regexp.QuoteMeta(" is not authorized to perform: ")

	for _, tt := range []struct {
		name, roleARN, definition string
		wantError, wantCause      string // wantCause is a regular expression
	}{
		{"allowedFunction", role, task1(lambdaARN+"allowed-1", `{}`), "", ""},
		{"deniedFunction", role, task1(lambdaARN+"payroll", `{}`), "Lambda.AWSLambdaException",
			denied + regexp.QuoteMeta("lambda:InvokeFunction on resource: "+lambdaARN+"payroll because no identity-based policy allows the lambda:InvokeFunction action (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: ") + "[0-9a-f-]{36}" + regexp.QuoteMeta("; Proxy: null)")},
		{"invokeByName", role, task1("arn:aws:states:::lambda:invoke", `{"FunctionName":"allowed-2"}`), "", ""},
		{"invokeByNameDenied", role, task1("arn:aws:states:::lambda:invoke", `{"FunctionName":"payroll:prod"}`), "Lambda.AWSLambdaException",
			denied + regexp.QuoteMeta("lambda:InvokeFunction on resource: "+lambdaARN+"payroll:prod because")},
		{"putItemDenied", role, task1("arn:aws:states:::dynamodb:putItem", `{"TableName":"Orders","Item":{}}`), "DynamoDB.AmazonDynamoDBException",
			denied + regexp.QuoteMeta("dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Orders because no identity-based policy allows the dynamodb:PutItem action (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException;")},
		{"nestedDenied", role, task1("arn:aws:states:::states:startExecution", `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Payroll"}`), "StepFunctions.AWSStepFunctionsException",
			denied + regexp.QuoteMeta("states:StartExecution on resource: arn:aws:states:us-east-1:123456789012:stateMachine:Payroll because")},
		{"httpGet", role, task1("arn:aws:states:::http:invoke", `{"ApiEndpoint":"https://api.example.com/orders","Method":"GET"}`), "", ""},
		{"httpPostDenied", role, task1("arn:aws:states:::http:invoke", `{"ApiEndpoint":"https://api.example.com/orders","Method":"POST"}`), "States.TaskFailed",
			denied + regexp.QuoteMeta("states:InvokeHTTPEndpoint on resource: arn:aws:states:us-east-1:123456789012:stateMachine:httpPostDenied because no identity-based policy allows the states:InvokeHTTPEndpoint action") + "$"},
		{"unknownRole", "arn:aws:iam::123456789012:role/not-in-store", task1(lambdaARN+"payroll", `{}`), "", ""},
		// Credentials.RoleArn: the execution's role assumes the target, whose policy decides.
		{"credentialsTarget", role, withCredentials(lambdaARN+"target-1", "arn:aws:iam::123456789012:role/orders-target"), "", ""},
		{"credentialsTargetDenies", role, withCredentials(lambdaARN+"allowed-3", "arn:aws:iam::123456789012:role/orders-target"), "Lambda.AWSLambdaException",
			deniedTarget + regexp.QuoteMeta("lambda:InvokeFunction on resource: "+lambdaARN+"allowed-3 because no identity-based policy allows the lambda:InvokeFunction action (Service: AWSLambda;")},
		{"credentialsAssumeDenied", role, withCredentials(lambdaARN+"target-2", "arn:aws:iam::123456789012:role/other-target"), "Lambda.AWSLambdaException",
			denied + regexp.QuoteMeta("sts:AssumeRole on resource: arn:aws:iam::123456789012:role/other-target because no identity-based policy allows the sts:AssumeRole action (Service: AWSLambda;")},
		{"credentialsFromUnknownRole", "arn:aws:iam::123456789012:role/not-in-store", withCredentials(lambdaARN+"payroll", "arn:aws:iam::123456789012:role/orders-target"), "Lambda.AWSLambdaException",
			deniedTarget + regexp.QuoteMeta("lambda:InvokeFunction on resource: "+lambdaARN+"payroll because")},
	} {
		exec := run(create(tt.name, tt.roleARN, sfn.TypeExpress, tt.definition))
		if tt.wantError == "" {
			if exec.Status != sfn.StatusSucceeded {
				t.Errorf("%s: %s %s: %s", tt.name, exec.Status, exec.Error, exec.Cause)
			}
			continue
		}
		if exec.Status != sfn.StatusFailed || exec.Error != tt.wantError || !regexp.MustCompile("^"+tt.wantCause).MatchString(exec.Cause) {
			t.Errorf("%s: %s %s: %s\nwant error %s, cause matching %s", tt.name, exec.Status, exec.Error, exec.Cause, tt.wantError, tt.wantCause)
		}
	}
	if invoked["payroll"] != 1 || invoked["allowed-1"] != 1 || invoked["lambda:invoke"] != 1 || invoked["http"] != 1 ||
		invoked["target-1"] != 1 || invoked["target-2"] != 0 || invoked["allowed-3"] != 0 {
		t.Errorf("invocations reaching the runners: %v", invoked)
	}

	// A Standard execution's nested StartExecution on the allowed child runs it.
	create("Child", role, sfn.TypeStandard, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	parent := create("Parent", role, sfn.TypeStandard, task1("arn:aws:states:::states:startExecution.sync:2",
		`{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Child"}`))
	started, err := eng.StartExecution(ctx, &engine.StartExecutionParams{StateMachineARN: parent})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		exec, err := st.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: started.ARN})
		if err != nil {
			t.Fatal(err)
		}
		if exec.Status == sfn.StatusSucceeded {
			break
		}
		if exec.Status != sfn.StatusRunning || time.Now().After(deadline) {
			t.Fatalf("parent: %s %s: %s", exec.Status, exec.Error, exec.Cause)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
