package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// The services below do not speak the AWS JSON protocols (S3 is REST-XML, SNS and STS the
// query protocol, Lambda and EventBridge Scheduler REST-JSON with members in paths and
// headers), so their aws-sdk: integrations go through the AWS SDK for Go v2's own
// clients instead of the JSON table: the action names the client's method, the state's
// PascalCase parameters fill the method's input struct and its output struct is the result
// (sdk_values.go). Every operation of the client is callable, so the set of actions is
// exactly the SDK version's.

// clientOptions are what one SDK client is made with: where it calls, as whom, over what.
type clientOptions struct {
	region      string
	credentials sdkaws.CredentialsProvider
	httpClient  *boundedHTTPClient
	endpoint    *string // nil: the service on AWS
}

// sdkClientServices make the SDK client of each service served through one, by the
// service's canonical name. Retries are the definition's business (Retry), so every client
// makes one attempt, as Stepflow's other integrations do.
var sdkClientServices = map[string]func(o clientOptions) any{
	"s3": func(o clientOptions) any {
		return s3.New(s3.Options{Region: o.region, Credentials: o.credentials, HTTPClient: o.httpClient,
			BaseEndpoint: o.endpoint, Retryer: sdkaws.NopRetryer{},
			// LocalStack and moto serve buckets under the path, not as host names.
			UsePathStyle: o.endpoint != nil,
			// Checksums only where S3 requires them: other S3 implementations do not all
			// know the newer checksum headers.
			RequestChecksumCalculation: sdkaws.RequestChecksumCalculationWhenRequired,
			ResponseChecksumValidation: sdkaws.ResponseChecksumValidationWhenRequired,
		})
	},
	"sns": func(o clientOptions) any {
		return sns.New(sns.Options{Region: o.region, Credentials: o.credentials, HTTPClient: o.httpClient,
			BaseEndpoint: o.endpoint, Retryer: sdkaws.NopRetryer{}})
	},
	"lambda": func(o clientOptions) any {
		return lambda.New(lambda.Options{Region: o.region, Credentials: o.credentials, HTTPClient: o.httpClient,
			BaseEndpoint: o.endpoint, Retryer: sdkaws.NopRetryer{}})
	},
	"scheduler": func(o clientOptions) any {
		return scheduler.New(scheduler.Options{Region: o.region, Credentials: o.credentials, HTTPClient: o.httpClient,
			BaseEndpoint: o.endpoint, Retryer: sdkaws.NopRetryer{}})
	},
	"sts": func(o clientOptions) any {
		return sts.New(sts.Options{Region: o.region, Credentials: o.credentials, HTTPClient: o.httpClient,
			BaseEndpoint: o.endpoint, Retryer: sdkaws.NopRetryer{}})
	},
}

// sdkOperation is one callable method of an SDK client.
type sdkOperation struct {
	name   string // the method's name, the API action in PascalCase: ListObjectsV2
	method reflect.Method
}

// sdkOperations maps each SDK-client service to its operations by lower-case action name.
var sdkOperations = sync.OnceValue(func() map[string]map[string]sdkOperation {
	out := map[string]map[string]sdkOperation{}
	for name, newClient := range sdkClientServices {
		ops := map[string]sdkOperation{}
		t := reflect.TypeOf(newClient(clientOptions{region: "us-east-1"}))
		for i := 0; i < t.NumMethod(); i++ {
			m := t.Method(i)
			if isOperation(m) {
				ops[strings.ToLower(m.Name)] = sdkOperation{name: m.Name, method: m}
			}
		}
		out[name] = ops
	}
	return out
})

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
)

// isOperation tells an API operation — func(ctx, *XInput, ...func(*Options)) (*XOutput,
// error) — from the client's other methods. Event-stream operations (S3's
// SelectObjectContent) are left out: AWS's aws-sdk integrations do not stream either.
func isOperation(m reflect.Method) bool {
	ft := m.Type // the receiver is In(0)
	if ft.NumIn() != 4 || !ft.IsVariadic() || ft.NumOut() != 2 || ft.In(1) != contextType || ft.Out(1) != errorType {
		return false
	}
	in, out := ft.In(2), ft.Out(0)
	if in.Kind() != reflect.Pointer || in.Elem().Name() != m.Name+"Input" || out.Kind() != reflect.Pointer || out.Elem().Name() != m.Name+"Output" {
		return false
	}
	_, streams := out.MethodByName("GetStream")
	return !streams
}

// SDKClientActions lists, for each service called through an AWS SDK for Go v2 client, the
// actions it serves as Resource ARNs spell them (camelCase: listObjectsV2), sorted. sfn's
// table of aws-sdk: actions is generated from it and a test keeps the two equal.
func SDKClientActions() map[string][]string {
	out := map[string][]string{}
	for name, ops := range sdkOperations() {
		var actions []string
		for _, op := range ops {
			actions = append(actions, lowerFirst(op.name))
		}
		sort.Strings(actions)
		out[name] = actions
	}
	return out
}

// sdkClientKey names one cached client: a service, a region, a role.
type sdkClientKey struct{ service, region, role string }

// sdkClient is the cached SDK client of c's service, region and role.
func (c *caller) sdkClient() any {
	key := sdkClientKey{c.svc.name(), c.region, c.role}
	if v, ok := c.inv.sdkClients.Load(key); ok {
		return v
	}
	role := c.role
	creds := c.inv.creds
	o := clientOptions{
		region: c.region,
		credentials: sdkaws.CredentialsProviderFunc(func(ctx context.Context) (sdkaws.Credentials, error) {
			return creds.retrieve(ctx, role)
		}),
		httpClient: &boundedHTTPClient{client: c.inv.client, max: c.inv.maxBody, service: c.svc.name()},
	}
	if u := c.inv.endpointOverride(c.svc); u != nil {
		s := u.String()
		o.endpoint = &s
	}
	v, _ := c.inv.sdkClients.LoadOrStore(key, sdkClientServices[c.svc.name()](o))
	return v
}

// sdkClientCall is aws-sdk:SERVICE:ACTION through the service's SDK client.
func (c *caller) sdkClientCall(ctx context.Context, action string, input any) (any, error) {
	op, ok := sdkOperations()[c.svc.name()][strings.ToLower(action)]
	if !ok {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("Stepflow cannot call aws-sdk:%s:%s: the AWS SDK has no such %s action", c.svc.name(), action, c.svc.name())}
	}
	params := input
	if params == nil {
		params = map[string]any{}
	}
	params = implicitJSON(c.svc.name(), params)
	in, err := decodeSDKValue(params, op.method.Type.In(2), "")
	if err != nil {
		return nil, &task.Error{Name: sfn.ErrorRuntime, Cause: fmt.Sprintf("aws-sdk:%s:%s: the parameters do not fit %s's %sInput: %v", c.svc.name(), action, c.svc.sdkName, op.name, err)}
	}
	results := op.method.Func.Call([]reflect.Value{reflect.ValueOf(c.sdkClient()), reflect.ValueOf(ctx), in})
	if errV := results[1]; !errV.IsNil() {
		return nil, c.sdkClientError(op.name, errV.Interface().(error))
	}
	out, err := encodeSDKResult(results[0])
	if err != nil {
		return nil, c.sdkClientError(op.name, err)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// sdkClientError names an SDK client's error as AWS's aws-sdk integrations do: the
// service's modelled errors (the SDK's types.NoSuchKey) as SERVICE.CODEException, others
// (S3's NoSuchTagSet, AccessDenied, throttling) as the SDK's generic SERVICE.SERVICEException,
// as the AWS SDK for Java 2 raises them; no answer at all as SERVICE.SdkClientException.
func (c *caller) sdkClientError(operation string, err error) error {
	var te *task.Error
	if errors.As(err, &te) {
		return te // credentials
	}
	var tooLarge *responseTooLargeError
	if errors.As(err, &tooLarge) {
		return &task.Error{Name: sfn.ErrorTaskFailed, Cause: tooLarge.Error()}
	}
	var apiErr smithy.APIError
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &apiErr) || !errors.As(err, &status) {
		var deser *smithy.DeserializationError
		if errors.As(err, &deser) {
			return &task.Error{Name: c.svc.sdkName + ".SdkClientException", Cause: "Unable to unmarshall response: " + deser.Error()}
		}
		return &task.Error{Name: c.svc.sdkName + ".SdkClientException", Cause: "Unable to execute HTTP request: " + errorText(err)}
	}
	var requestID string
	var withID interface{ ServiceRequestID() string }
	if errors.As(err, &withID) {
		requestID = withID.ServiceRequestID()
	}
	code := apiErr.ErrorCode()
	modelled := modelledError(apiErr)
	// A HEAD request's error has no body, so no code: the AWS SDK for Java 2 raises S3's
	// HeadObject and HeadBucket 404s as NoSuchKey and NoSuchBucket, as their models list.
	if c.svc.name() == "s3" && status.HTTPStatusCode() == http.StatusNotFound && (code == "NotFound" || code == "") {
		switch operation {
		case "HeadObject":
			code, modelled = "NoSuchKey", true
		case "HeadBucket":
			code, modelled = "NoSuchBucket", true
		}
	}
	name := c.svc.sdkName + "." + c.svc.sdkName + "Exception"
	if modelled {
		name = c.svc.sdkName + "." + exceptionName(code)
	}
	message := apiErr.ErrorMessage()
	if message == "" {
		message = http.StatusText(status.HTTPStatusCode())
	}
	return &task.Error{Name: name, Cause: fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s) (SDK Attempt Count: 1)", message, c.svc.sdkName, status.HTTPStatusCode(), requestID)}
}

// modelledError reports whether err is one of the errors the service's model declares: the
// SDK gives those types of their own in the service's types package, and every other code
// a smithy.GenericAPIError.
func modelledError(err smithy.APIError) bool {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.HasSuffix(t.PkgPath(), "/types")
}

// errorText is the innermost useful text of a transport failure: the SDK's operation
// wrapper adds nothing a reader needs.
func errorText(err error) string {
	var op *smithy.OperationError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// boundedHTTPClient sends the SDK clients' requests with the invoker's HTTP client and
// bounds what is read of each response, as the invoker's own calls are bounded.
type boundedHTTPClient struct {
	client  *http.Client
	max     int64
	service string
}

func (b *boundedHTTPClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := b.client.Do(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, left: b.max, err: &responseTooLargeError{service: b.service, max: b.max}}
	return resp, nil
}

// boundedBody fails a read past its bound.
type boundedBody struct {
	io.ReadCloser
	left int64
	err  *responseTooLargeError
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly the bound from a longer one.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, b.err
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

type responseTooLargeError struct {
	service string
	max     int64
}

func (e *responseTooLargeError) Error() string {
	return fmt.Sprintf("the %s response is larger than %d bytes, the most Stepflow reads", e.service, e.max)
}
