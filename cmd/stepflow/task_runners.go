package main

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
	"github.com/stepflow/stepflow/task/function"
	"github.com/stepflow/stepflow/task/httpinvoke"
	"github.com/stepflow/stepflow/task/itemio"
	"github.com/stepflow/stepflow/task/jobs"
	"github.com/stepflow/stepflow/task/mock"
	"github.com/stepflow/stepflow/task/s3local"
	"github.com/stepflow/stepflow/ui"
)

// taskRunners configures the task runners of a command: Lambda functions, HTTP Tasks and the
// local S3 stand-in. A definition reaches only what is configured here; every other
// resource fails with States.Runtime naming it. `stepflow run` and `stepflow server` can
// share it: addFlags, then newRouter.
type taskRunners struct {
	Functions      string   `json:"functions"`      // functions file (task/function)
	HTTPAllowHosts []string `json:"httpAllowHosts"` // hosts HTTP Tasks may call (task/httpinvoke)
	BucketsDir     string   `json:"bucketsDir"`     // directory of buckets standing in for S3 (task/s3local)
	AWSEndpoints   []string `json:"awsEndpoints"`   // SERVICE=URL: where AWS service calls go (task/aws)
	AWSAllow       []string `json:"awsAllow"`       // what definitions may call on AWS (task/aws)
	Jobs           string   `json:"jobs"`           // jobs file: Batch and ECS jobs as local commands (task/jobs)
	// JobsJournal is where request-response local jobs are written down while they run, so
	// a killed server runs them again at its next start (task/jobs); "" keeps no journal.
	JobsJournal string `json:"jobsJournal"`
	// AssumeStateMachineRole makes AWS calls as the state machine's roleArn, through STS.
	AssumeStateMachineRole bool `json:"assumeStateMachineRole"`
}

// addFlags defines --functions, --http-allow-host (repeatable) and --buckets-dir.
func (c *taskRunners) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Functions, "functions", "", `functions file: {"functions": {"NAME": {"command": [...]} | {"http": {"url": ...}} | {"lambdaEndpoint": {"url": ..., "functionName": ...}}}}`)
	fs.Func("http-allow-host", "a host HTTP Tasks (arn:aws:states:::http:invoke) may call: api.example.com, 127.0.0.1:9000 or *.example.com; repeat for more (default: none)", func(v string) error {
		c.HTTPAllowHosts = append(c.HTTPAllowHosts, v)
		return nil
	})
	fs.Func("aws-endpoint", "SERVICE=URL: send calls to an AWS service (dynamodb, sqs, sns, events, lambda, secretsmanager, ...) to URL instead of AWS, e.g. *=http://localhost:4566 for LocalStack; repeat for more", func(v string) error {
		c.AWSEndpoints = append(c.AWSEndpoints, v)
		return nil
	})
	fs.Func("aws-allow", "what definitions may call on AWS services: * (everything), SERVICE (dynamodb) or SERVICE:ACTION (sqs:sendMessage); repeat for more (default: nothing)", func(v string) error {
		c.AWSAllow = append(c.AWSAllow, v)
		return nil
	})
	fs.BoolVar(&c.AssumeStateMachineRole, "assume-state-machine-role", false, "make every AWS call of an execution as its state machine's roleArn, assumed through STS, as AWS does (a state's Credentials.RoleArn still wins); default: the AWS SDK's default credentials")
	fs.StringVar(&c.Jobs, "jobs", "", `jobs file: {"jobs": {"JOB-DEFINITION": {"command": ["prog", "arg"], "dir": ..., "env": {...}, "parameters": {...}}}} runs batch:submitJob and ecs:runTask (and .sync) as local processes`)
	fs.StringVar(&c.JobsJournal, "jobs-journal", "", "directory where request-response local jobs (--jobs) are written down while they run, so that a server killed meanwhile runs them again at its next start (stepflow server's default: the SQLite database's path + .jobs)")
	fs.StringVar(&c.BucketsDir, "buckets-dir", "", "directory standing in for S3: object KEY of bucket B is DIR/B/KEY (s3:getObject, s3:putObject, s3:listObjectsV2, Distributed Map ItemReader/ResultWriter)")
}

// newRouter builds the task router. The S3 store is returned too (nil when no buckets
// directory is configured), for the Distributed Map's ItemReader and ResultWriter.
func (c taskRunners) newRouter(scope sfn.Scope) (*task.Router, *s3local.Store, error) {
	router := task.NewRouter()
	// Lambda resources always get the registry, so an unconfigured function fails as a
	// missing function does on AWS (Lambda.ResourceNotFoundException).
	registry := function.NewRegistry(scope)
	if c.Functions != "" {
		cfg, err := function.LoadConfig(c.Functions)
		if err != nil {
			return nil, nil, err
		}
		cfg.Register(registry)
	}
	awsCalls, err := awsint.New(awsint.Config{Region: scope.Region, Endpoints: c.AWSEndpoints, Allow: c.AWSAllow,
		AssumeStateMachineRole: c.AssumeStateMachineRole})
	if err != nil {
		return nil, nil, err
	}
	var lambda task.Invoker = registry
	if awsCalls.Enabled() {
		// Functions the file does not have go to AWS Lambda; AWS services get their routes.
		lambda = awsCalls.Lambda(registry)
		for _, service := range awsCalls.Routes() {
			router.HandleService(service, awsCalls)
		}
	}
	if awsCalls.RemoteStepFunctions() {
		// states has an endpoint of its own: states:startExecution goes there, not to this
		// server's engine, and the allow-list decides (even an empty one, which refuses it).
		router.HandleService("states", awsCalls)
	}
	router.HandleLambda(lambda)
	router.HandleService("lambda", lambda)
	// HTTP Tasks always get a runner: with an empty allow-list its error names the refused host.
	httpTasks, err := httpinvoke.New(httpinvoke.Config{AllowedHosts: c.HTTPAllowHosts})
	if err != nil {
		return nil, nil, fmt.Errorf("--http-allow-host: %w", err)
	}
	router.HandleService("http", httpTasks)
	var buckets *s3local.Store
	if c.BucketsDir != "" {
		if buckets, err = s3local.New(c.BucketsDir); err != nil {
			return nil, nil, err
		}
		router.HandleService("s3", itemio.New(buckets, buckets)) // Map ItemReader/ResultWriter, then plain S3 tasks
		router.HandleService("aws-sdk:s3", buckets)
	}
	if c.Jobs != "" {
		cfg, err := jobs.LoadConfig(c.Jobs)
		if err != nil {
			return nil, nil, err
		}
		// Jobs the file does not name go to AWS Batch and ECS when allowed (the allow-list
		// then decides), else fail as the service fails an unknown definition.
		opts := jobs.Options{Scope: scope, Jobs: cfg, Logger: slog.Default(), JournalDir: c.JobsJournal}
		if awsCalls.Enabled() {
			opts.Next = awsCalls
		}
		local := jobs.New(opts)
		// Request-response jobs a killed server left unfinished run again now.
		if _, err := local.Resume(); err != nil {
			return nil, nil, err
		}
		for _, service := range local.Routes() {
			router.HandleService(service, local)
		}
	}
	router.HandleOther(mock.Unconfigured)
	return router, buckets, nil
}

// taskCatalog lists what the runners reach, for the UI editor's palette of Task templates.
// It reads the functions and jobs files again; newRouter has already checked them.
func (c taskRunners) taskCatalog() (ui.TaskCatalog, error) {
	catalog := ui.TaskCatalog{HTTPAllowHosts: c.HTTPAllowHosts, AWSAllow: c.AWSAllow}
	if c.Functions != "" {
		cfg, err := function.LoadConfig(c.Functions)
		if err != nil {
			return catalog, err
		}
		catalog.Functions = cfg.Names()
	}
	if c.Jobs != "" {
		cfg, err := jobs.LoadConfig(c.Jobs)
		if err != nil {
			return catalog, err
		}
		catalog.Jobs = cfg.Names()
	}
	return catalog, nil
}
