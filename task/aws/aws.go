// Package aws runs Task states that call AWS services — on AWS itself, or on LocalStack,
// moto or any other implementation of their APIs the operator points Stepflow at.
//
// It serves the optimized integrations (arn:aws:states:::dynamodb:putItem, sqs:sendMessage,
// sns:publish, events:putEvents, batch:submitJob, ecs:runTask and glue:startJobRun with
// .sync, states:startExecution on a remote Step Functions, and Lambda functions not in the
// functions file) with the
// request fields, result shapes and error names AWS Step Functions gives them, and the AWS
// SDK integrations (arn:aws:states:::aws-sdk:SERVICE:ACTION): of every service speaking the
// AWS JSON protocols from one table of services rather than one SDK module per service, and
// of S3, SNS, Lambda, STS and EventBridge Scheduler, every action, through the AWS SDK for
// Go v2's clients of those services, by reflection (sdk_client.go, sdk_values.go).
//
// Nothing is reachable until the operator allows it (--aws-allow): a definition is data,
// and whoever starts an execution picks its Resource ARNs. Requests are signed with SigV4
// by the AWS SDK for Go v2's signer, with credentials from the SDK's default chain or from
// STS AssumeRole for a state's Credentials.RoleArn (or, when configured, the state
// machine's roleArn).
//
// Tasks run at least once: a Batch job, ECS task or remote child execution is marked with a
// digest of its task's idempotency key, and a task run again after its server was killed
// rejoins what it started instead of starting it twice (rejoin.go).
package aws

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// DefaultMaxResponseBytes bounds the body of one AWS response read into memory. The largest
// results AWS services give a state (a 400 KB DynamoDB item, a 256 KB SQS batch) fit well.
const DefaultMaxResponseBytes = 8 << 20

// Config is what the operator configured for calls to AWS services.
type Config struct {
	// Region is where services are called when the resource names no region: the region
	// of the state machine, as on AWS.
	Region string
	// Endpoints maps services to the URL their requests go to (--aws-endpoint SERVICE=URL,
	// "*" for every service); a service without one is called on AWS.
	Endpoints []string
	// Allow lists what definitions may call (--aws-allow): "*", "SERVICE" or "SERVICE:ACTION".
	Allow []string
	// AssumeStateMachineRole makes every call of an execution with its state machine's
	// roleArn assumed through STS, as AWS does (--assume-state-machine-role); a state's own
	// Credentials.RoleArn still wins. Without it, calls are signed with Credentials.
	AssumeStateMachineRole bool
	// Credentials signs the requests; nil means the AWS SDK for Go v2's default chain
	// (environment, shared config and profiles, SSO, web identity, container and instance
	// metadata), loaded on first use.
	Credentials sdkaws.CredentialsProvider
	// HTTPClient sends the requests; nil means one with a 70-second timeout per request.
	HTTPClient *http.Client
	// MaxResponseBytes bounds a response body; 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Invoker calls AWS services for Task states.
type Invoker struct {
	region    string
	endpoints map[string]*url.URL
	allowed   *allowList
	creds     *credentialSource
	// assumeStateMachineRole: see Config.AssumeStateMachineRole.
	assumeStateMachineRole bool
	client                 *http.Client
	maxBody                int64
	// now signs requests; tests never change it, it is here so a signature's time is one
	// value, not two calls.
	now func() time.Time
	// sdkClients caches the AWS SDK clients of the services called through one, by
	// sdkClientKey.
	sdkClients sync.Map
}

// New checks cfg and returns an Invoker. Credentials are not looked for until a call needs
// them, so a server with no AWS credentials starts and fails only the tasks that call AWS.
func New(cfg Config) (*Invoker, error) {
	endpoints, err := ParseEndpoints(cfg.Endpoints)
	if err != nil {
		return nil, err
	}
	allowed, err := parseAllowList(cfg.Allow)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, &ConfigError{Field: "region", Msg: "must not be empty"}
	}
	inv := &Invoker{region: cfg.Region, endpoints: endpoints, allowed: allowed, client: cfg.HTTPClient,
		maxBody: cfg.MaxResponseBytes, now: time.Now, assumeStateMachineRole: cfg.AssumeStateMachineRole}
	if inv.client == nil {
		inv.client = &http.Client{Timeout: 70 * time.Second}
	}
	if inv.maxBody <= 0 {
		inv.maxBody = DefaultMaxResponseBytes
	}
	inv.creds = newCredentialSource(cfg.Credentials, inv)
	return inv, nil
}

// Enabled reports whether anything is allowed: with an empty allow-list nothing is routed here.
func (inv *Invoker) Enabled() bool { return !inv.allowed.empty() }

// Routes lists the router services (task.Router.HandleService) this invoker serves.
func (inv *Invoker) Routes() []string {
	routes := []string{"dynamodb", "sqs", "sns", "events", "batch", "ecs", "glue"}
	if inv.RemoteStepFunctions() {
		routes = append(routes, "states")
	}
	for _, name := range SDKServices() {
		routes = append(routes, "aws-sdk:"+name)
	}
	return routes
}

// Invoke calls the service a Task state's resource names.
func (inv *Invoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	r := req.Resource
	sdk := len(r.Service) > len("aws-sdk:") && r.Service[:len("aws-sdk:")] == "aws-sdk:"
	name := r.Service
	if sdk {
		name = r.Service[len("aws-sdk:"):]
	}
	svc := lookupService(name)
	if svc == nil || (sdk && !sfn.SDKIntegrationSupported(svc.sdkResourceName(), r.Action)) {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("Stepflow cannot call resource %s: service %s or its action %s is not supported", r.ARN, name, r.Action)}
	}
	if err := inv.checkAllowed(svc, r.Action, r.ARN); err != nil {
		return nil, err
	}
	c := &caller{inv: inv, svc: svc, region: inv.region, role: inv.role(req)}
	req = withOrderedJSONMembers(svc.name(), req)
	// Results are put in the order Step Functions gives them (resultOrder): maps in HashMap
	// order for the optimized integrations, as the service sent them for aws-sdk: ones.
	if !sdk {
		if job, ok := jobIntegrations[svc.name()+":"+r.Action]; ok && (r.Pattern != "sync:2" || svc.name() == "states") {
			result, err := job(ctx, c, req, r.Pattern)
			return orderedResult(result, err, svc, true)
		}
	}
	if r.Pattern == "sync" || r.Pattern == "sync:2" {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("resource %s: the .%s pattern is not supported for this integration", r.ARN, r.Pattern)}
	}
	if sdk && svc.targetPrefix == "" {
		result, err := c.sdkOtherCall(ctx, r.Action, req.Input)
		if _, client := sdkClientServices[svc.name()]; client {
			return result, err // built in order from the SDK's Go types (sdk_values.go)
		}
		return orderedResult(result, err, svc, false)
	}
	if sdk {
		result, err := c.sdkCall(ctx, r.Action, req.Input)
		return orderedResult(result, err, svc, false)
	}
	op, ok := optimized[svc.name()+":"+r.Action]
	if !ok {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("resource %s: action %s is not supported for the %s integration", r.ARN, r.Action, svc.name())}
	}
	result, err := op(ctx, c, req.Input)
	return orderedResult(result, err, svc, true)
}

// orderedResult is resultOrder of a call's result, or the call's error.
func orderedResult(result any, err error, svc *service, hashMaps bool) (any, error) {
	if err != nil {
		return nil, err
	}
	return resultOrder(result, svc, hashMaps), nil
}

// jobIntegrations are the optimized integrations that start jobs, with .sync: their
// functions get the whole request (its idempotency key finds a job started before a
// restart) and the pattern ("" for request-response and .waitForTaskToken).
var jobIntegrations = map[string]func(ctx context.Context, c *caller, req *task.Request, pattern string) (any, error){
	"batch:submitJob":  batchSubmitJob,
	"ecs:runTask":      ecsRunTask,
	"glue:startJobRun": glueStartJobRun,
	// Only when states has an endpoint of its own (see RemoteStepFunctions); otherwise
	// stepflow server runs nested executions on its own engine.
	"states:startExecution": statesStartExecution,
}

// checkAllowed fails a call outside the allow-list with States.Runtime naming the flag.
func (inv *Invoker) checkAllowed(svc *service, action, arn string) error {
	if inv.allowed.allows(svc, action) {
		return nil
	}
	return &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf(
		"resource %s is not allowed: the operator must allow it with --aws-allow %s:%s (or --aws-allow %s for the whole service)",
		arn, svc.name(), action, svc.name())}
}

// role is the IAM role a task's calls are made as: the state's Credentials.RoleArn, else
// (with --assume-state-machine-role) its state machine's roleArn, else none ("": the
// credentials the invoker was configured with).
func (inv *Invoker) role(req *task.Request) string {
	if role := roleARN(req.Credentials); role != "" {
		return role
	}
	if inv.assumeStateMachineRole {
		return req.StateMachineRoleARN
	}
	return ""
}

// roleARN reads the evaluated Credentials field of a Task state: {"RoleArn": "arn:..."}.
func roleARN(credentials any) string {
	m, _ := credentials.(map[string]any)
	role, _ := m["RoleArn"].(string)
	return role
}

// optimized are the optimized integrations by "service:action".
var optimized = map[string]func(ctx context.Context, c *caller, input any) (any, error){
	"dynamodb:getItem":    dynamoDBCall("GetItem"),
	"dynamodb:putItem":    dynamoDBCall("PutItem"),
	"dynamodb:updateItem": dynamoDBCall("UpdateItem"),
	"dynamodb:deleteItem": dynamoDBCall("DeleteItem"),
	"sqs:sendMessage":     sqsSendMessage,
	"sns:publish":         snsPublish,
	"events:putEvents":    eventsPutEvents,
}
