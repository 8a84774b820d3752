package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	schedulerapi "github.com/stepflow/stepflow/api/scheduler"
	"github.com/stepflow/stepflow/scheduler"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stepflow/stepflow/execlog"

	"github.com/stepflow/stepflow/api"
	eventsapi "github.com/stepflow/stepflow/api/events"
	"github.com/stepflow/stepflow/api/iamadmin"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/events/webhook"
	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/metrics"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
	"github.com/stepflow/stepflow/task/mock"
	"github.com/stepflow/stepflow/task/nested"
	"github.com/stepflow/stepflow/ui"
)

func init() {
	register(subcommand{name: "server", summary: "serve the AWS Step Functions API (for the AWS SDKs and CLI)", run: runServer})
}

// serverConfig is the server's configuration, from --config FILE (JSON, these field names)
// and flags, flags winning.
type serverConfig struct {
	Addr       string   `json:"addr"`
	DB         string   `json:"db"`
	Postgres   string   `json:"postgres"`
	Region     string   `json:"region"`
	Account    string   `json:"account"`
	Auth       string   `json:"auth"`
	AccessKeys []string `json:"accessKeys"` // "ID:SECRET"
	// IAMKeyFile holds the server key that seals access key secrets (--auth iam); without it
	// the key comes from $STEPFLOW_IAM_KEY. The key itself never goes into this file.
	IAMKeyFile string `json:"iamKeyFile"`
	// IAMKnownRoles, with --auth iam, refuses state machines whose roleArn names no role
	// made with stepflow iam create-role, as AWS refuses a role it cannot assume. Unset means
	// on under --auth iam; false lets such state machines run bounded by the task flags alone.
	IAMKnownRoles *bool `json:"iamKnownRoles"`
	// UI is "auto" (served unless requests are signed, --auth sigv4 or iam), "on" (with
	// --auth sigv4 or iam, people sign in with an access key) or "off".
	UI string `json:"ui"`
	// Mocks is a mock configuration file (AWS Step Functions Local's format): executions
	// started on "stateMachineArn#TestCaseName" run that test case.
	Mocks string `json:"mocks"`
	// ExecutionLogDir holds the execution logs of state machines with a loggingConfiguration:
	// one JSON-lines file per log group. "" means ./.stepflow/execution-logs beside a default
	// database; "off" disables them.
	ExecutionLogDir string `json:"executionLogDir"`
	// NodeID names this server in task leases; "" keeps one in a file: DB.node-id beside the
	// SQLite database, ./.stepflow/node-id with PostgreSQL.
	NodeID string `json:"nodeId"`
	// Lease is how long a task handed to this server stays its own without renewal (a Go
	// duration, "15s" by default): the time within which a dead node's tasks move to another.
	Lease string `json:"lease"`
	lease time.Duration
	// MaxRequestBytes bounds one request body; 0 means api.DefaultMaxBodyBytes.
	MaxRequestBytes int64 `json:"maxRequestBytes"`
	// MaxRequestBytesInFlight bounds the request bodies held at once, across requests; 0
	// means api.DefaultMaxBodyBytesInFlight.
	MaxRequestBytesInFlight int64 `json:"maxRequestBytesInFlight"`
	// MaxStartsInFlight bounds the StartExecution (and apart the StartSyncExecution) calls run
	// at once; 0 means api.DefaultMaxStartsInFlight.
	MaxStartsInFlight int `json:"maxStartsInFlight"`
	// MaxStartsQueued bounds the starts waiting for a place among those; a start beyond it
	// gets ThrottlingException. 0 means api.DefaultMaxStartsQueued.
	MaxStartsQueued int `json:"maxStartsQueued"`
	// BodyReadTimeout ("30s") bounds the time a client takes to send a request body; ""
	// means api.DefaultBodyReadTimeout.
	BodyReadTimeout string `json:"bodyReadTimeout"`
	// MetricsToken, when set, is the bearer token GET /metrics requires. With --auth sigv4
	// and no token, /metrics is refused: a scraper cannot sign requests.
	MetricsToken string `json:"metricsToken"`
	// Webhooks turn signed POST /webhooks/NAME requests into events; more are made through the API (CreateWebhook).
	Webhooks []webhook.Config `json:"webhooks"`
	// TLSCert and TLSKey are PEM files of the certificate (with its chain) and its private
	// key; with both, the server speaks HTTPS only, and loads them again when they change or
	// on SIGHUP.
	TLSCert string `json:"tlsCert"`
	TLSKey  string `json:"tlsKey"`
	// AuditLog is the file that gets one JSON line per API call under --auth sigv4 or iam
	// ("-" is standard output; "" writes none).
	AuditLog string `json:"auditLog"`
	// RateLimit is "RPS[:BURST]": a token bucket of requests per access key under --auth
	// sigv4 or iam; "" sets none. A user's stepflow:rate-limit tag overrides it.
	RateLimit string `json:"rateLimit"`
	rateLimit *api.RateLimit
	// OIDC offers the UI's sign-in through an OpenID Connect provider (server_oidc.go).
	OIDC oidcSettings `json:"oidc"`
	// Task runners: functions, httpAllowHosts, bucketsDir, awsEndpoints, awsAllow.
	taskRunners
}

// serverConfigError names the configuration field that is wrong.
type serverConfigError struct {
	Field string
	Msg   string
}

func (e *serverConfigError) Error() string { return e.Field + ": " + e.Msg }

// Validate checks the configuration and returns the credentials map for --auth sigv4.
func (c *serverConfig) Validate() (map[string]string, error) {
	if c.DB != "" && c.Postgres != "" {
		return nil, &serverConfigError{Field: "db", Msg: "give either --db or --postgres, not both"}
	}
	if len(c.Account) != 12 || strings.Trim(c.Account, "0123456789") != "" {
		return nil, &serverConfigError{Field: "account", Msg: fmt.Sprintf("must be 12 digits, not %q", c.Account)}
	}
	if c.Region == "" {
		return nil, &serverConfigError{Field: "region", Msg: "must not be empty"}
	}
	if c.NodeID != "" {
		if err := validNodeID(c.NodeID); err != nil {
			return nil, &serverConfigError{Field: "node-id", Msg: err.Error()}
		}
	}
	c.lease = engine.DefaultLeaseDuration
	if c.Lease != "" {
		d, err := time.ParseDuration(c.Lease)
		if err != nil || d < 3*time.Second || d > time.Hour {
			return nil, &serverConfigError{Field: "lease", Msg: fmt.Sprintf("must be a duration from 3s to 1h, not %q", c.Lease)}
		}
		c.lease = d
	}
	if c.MaxRequestBytes < 0 {
		return nil, &serverConfigError{Field: "max-request-bytes", Msg: fmt.Sprintf("must not be negative, not %d", c.MaxRequestBytes)}
	}
	if c.MaxStartsInFlight < 0 {
		return nil, &serverConfigError{Field: "max-starts-in-flight", Msg: fmt.Sprintf("must not be negative, not %d", c.MaxStartsInFlight)}
	}
	if c.MaxStartsQueued < 0 {
		return nil, &serverConfigError{Field: "max-starts-queued", Msg: fmt.Sprintf("must not be negative, not %d", c.MaxStartsQueued)}
	}
	if c.MaxRequestBytesInFlight < 0 {
		return nil, &serverConfigError{Field: "max-request-bytes-in-flight", Msg: fmt.Sprintf("must not be negative, not %d", c.MaxRequestBytesInFlight)}
	}
	if perRequest, inFlight := orDefault(c.MaxRequestBytes, api.DefaultMaxBodyBytes), orDefault(c.MaxRequestBytesInFlight, api.DefaultMaxBodyBytesInFlight); inFlight < perRequest {
		return nil, &serverConfigError{Field: "max-request-bytes-in-flight", Msg: fmt.Sprintf("must be at least max-request-bytes (%d), not %d", perRequest, inFlight)}
	}
	if _, err := c.bodyReadTimeout(); err != nil {
		return nil, err
	}
	// AWS settings are checked before anything is opened, naming the field that is wrong.
	if err := webhook.ValidateAll(c.Webhooks); err != nil {
		var hookErr *webhook.ConfigError
		if errors.As(err, &hookErr) {
			return nil, &serverConfigError{Field: hookErr.Field, Msg: hookErr.Msg}
		}
		return nil, err
	}
	if _, err := awsint.New(awsint.Config{Region: c.Region, Endpoints: c.AWSEndpoints, Allow: c.AWSAllow}); err != nil {
		var awsErr *awsint.ConfigError
		if errors.As(err, &awsErr) {
			return nil, &serverConfigError{Field: awsErr.Field, Msg: awsErr.Msg}
		}
		return nil, err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, &serverConfigError{Field: "tls-cert", Msg: "give both --tls-cert and --tls-key, or neither"}
	}
	if c.AuditLog != "" && c.Auth == "none" {
		return nil, &serverConfigError{Field: "audit-log", Msg: "an audit log needs --auth sigv4 or iam: without authentication there is no principal to record"}
	}
	if c.RateLimit != "" {
		if c.Auth == "none" {
			return nil, &serverConfigError{Field: "rate-limit", Msg: "needs --auth sigv4 or iam: requests are counted per access key"}
		}
		limit, err := api.ParseRateLimit(c.RateLimit)
		if err != nil {
			return nil, &serverConfigError{Field: "rate-limit", Msg: err.Error()}
		}
		c.rateLimit = &limit
	}
	if err := c.OIDC.validate(c.Auth, c.UI); err != nil {
		return nil, err
	}
	if c.IAMKnownRoles != nil && *c.IAMKnownRoles && c.Auth != "iam" {
		return nil, &serverConfigError{Field: "iam-known-roles", Msg: "needs --auth iam: roles are kept with the IAM users"}
	}
	switch c.UI {
	case "auto", "on", "off":
	default:
		return nil, &serverConfigError{Field: "ui", Msg: fmt.Sprintf("must be auto, on or off, not %q", c.UI)}
	}
	switch c.Auth {
	case "none":
		if len(c.AccessKeys) > 0 {
			return nil, &serverConfigError{Field: "access-key", Msg: "access keys need --auth sigv4"}
		}
		return nil, nil
	case "iam":
		if len(c.AccessKeys) > 0 {
			return nil, &serverConfigError{Field: "access-key", Msg: "with --auth iam, keys are made with stepflow iam create-access-key, not given as flags"}
		}
		return nil, nil
	case "sigv4":
		keys := map[string]string{}
		for _, k := range c.AccessKeys {
			id, secret, ok := strings.Cut(k, ":")
			if !ok || id == "" || secret == "" {
				return nil, &serverConfigError{Field: "access-key", Msg: "must be ID:SECRET"}
			}
			keys[id] = secret
		}
		if len(keys) == 0 {
			return nil, &serverConfigError{Field: "access-key", Msg: "--auth sigv4 needs at least one --access-key ID:SECRET"}
		}
		return keys, nil
	}
	return nil, &serverConfigError{Field: "auth", Msg: fmt.Sprintf("must be none, sigv4 or iam, not %q", c.Auth)}
}

// bodyReadTimeout parses BodyReadTimeout; 0 means the API's default.
// requireKnownRoles reports whether a state machine's roleArn must name a role in the store:
// under --auth iam unless --iam-known-roles=false.
func (c *serverConfig) requireKnownRoles() bool {
	return c.Auth == "iam" && (c.IAMKnownRoles == nil || *c.IAMKnownRoles)
}

func (c *serverConfig) bodyReadTimeout() (time.Duration, error) {
	if c.BodyReadTimeout == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(c.BodyReadTimeout)
	if err != nil || d <= 0 {
		return 0, &serverConfigError{Field: "body-read-timeout", Msg: fmt.Sprintf("must be a positive duration such as 30s, not %q", c.BodyReadTimeout)}
	}
	return d, nil
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runServer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serverConfig{Addr: "127.0.0.1:8083", Region: sfn.DefaultRegion, Account: sfn.DefaultAccount, Auth: "none", UI: "auto"}
	configFile := fs.String("config", "", "JSON file with any of: addr, db, postgres, region, account, auth, accessKeys, iamKeyFile, ui, mocks, executionLogDir, maxRequestBytes, maxRequestBytesInFlight, maxStartsInFlight, maxStartsQueued, bodyReadTimeout, metricsToken, tlsCert, tlsKey, auditLog, rateLimit, iamKnownRoles, nodeId, lease, functions, httpAllowHosts, bucketsDir, awsEndpoints, awsAllow, assumeStateMachineRole, jobs, jobsJournal, webhooks")
	addr := fs.String("addr", "", "address to listen on (default 127.0.0.1:8083)")
	db := fs.String("db", "", "SQLite database file (default ./.stepflow/stepflow.db)")
	pg := fs.String("postgres", "", "PostgreSQL DSN, instead of SQLite")
	region := fs.String("region", "", "region of the ARNs (default "+sfn.DefaultRegion+")")
	account := fs.String("account", "", "account id of the ARNs (default "+sfn.DefaultAccount+")")
	auth := fs.String("auth", "", "none (accept any credentials), sigv4 (verify signatures against --access-key) or iam (users, keys and policies in the store: see stepflow iam)")
	iamKeyFile := fs.String("iam-key-file", "", "with --auth iam: file holding the server key that seals access key secrets, 64 hex digits (default $STEPFLOW_IAM_KEY)")
	iamKnownRoles := fs.Bool("iam-known-roles", true, "with --auth iam (where it is on unless set to false): refuse CreateStateMachine and UpdateStateMachine with a roleArn that names no role in the store, as AWS refuses a role it cannot assume; --iam-known-roles=false lets such state machines run bounded by the task flags alone")
	uiMode := fs.String("ui", "", "web UI at /ui/: auto (on unless --auth sigv4 or iam), on (with --auth, people sign in with an access key, or through --oidc-issuer) or off")
	mocks := fs.String("mocks", "", "mock configuration file (AWS Step Functions Local's format): StartExecution on ARN#TestCaseName runs that test case")
	nodeID := fs.String("node-id", "", "name of this server in task leases, unique among servers sharing a database (default: kept in DB.node-id beside the SQLite database, or ./.stepflow/node-id with PostgreSQL)")
	lease := fs.String("lease", "", "how long a task stays with this server without renewal; a dead server's tasks move to another within about 4/3 of it (default 15s)")
	var keys stringList
	fs.Var(&keys, "access-key", "ID:SECRET accepted with --auth sigv4 (repeatable)")
	logLevel := fs.String("log-level", "info", "debug (every API request and state transition), info, warn or error")
	logFormat := fs.String("log-format", "text", "text (logfmt) or json (one JSON object per line)")
	maxRequestBytes := fs.Int64("max-request-bytes", 0, fmt.Sprintf("largest request body accepted, in bytes (default %d)", api.DefaultMaxBodyBytes))
	maxInFlight := fs.Int64("max-request-bytes-in-flight", 0, fmt.Sprintf("request body bytes held at once across all requests; a request that finds no room within a second gets ThrottlingException (default %d)", api.DefaultMaxBodyBytesInFlight))
	maxStarts := fs.Int("max-starts-in-flight", 0, fmt.Sprintf("StartExecution calls run at once, and apart StartSyncExecution calls (default %d)", api.DefaultMaxStartsInFlight))
	maxStartsQueued := fs.Int("max-starts-queued", 0, fmt.Sprintf("starts waiting for a place among those in flight; a start beyond them, or one that waits %v, gets ThrottlingException (default %d)", api.DefaultStartQueueWait, api.DefaultMaxStartsQueued))
	bodyReadTimeout := fs.String("body-read-timeout", "", fmt.Sprintf("time a client may take to send a request body (default %s)", api.DefaultBodyReadTimeout))
	metricsToken := fs.String("metrics-token", "", "bearer token GET /metrics requires (default $STEPFLOW_METRICS_TOKEN); with --auth sigv4 and no token /metrics is refused")
	tlsCert := fs.String("tls-cert", "", "PEM certificate file (with its chain): serve HTTPS only, TLS 1.2 or later; reloaded when the file changes or on SIGHUP")
	tlsKey := fs.String("tls-key", "", "PEM private key file of --tls-cert")
	auditLog := fs.String("audit-log", "", `with --auth sigv4 or iam: file that gets one JSON line per API call (principal, source IP, action, resource, decision, error code); "-" for standard output`)
	rateLimit := fs.String("rate-limit", "", "with --auth sigv4 or iam: RPS[:BURST], a token bucket of requests per access key (burst defaults to RPS); a request over it gets ThrottlingException. A user's stepflow:rate-limit tag overrides it (\"none\" lifts it)")
	execLogDir := fs.String("execution-log-dir", "", `directory of execution logs for state machines with a loggingConfiguration, one JSON-lines file per log group (default ./.stepflow/execution-logs; "off" disables)`)
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the whole run to FILE when the server stops (go tool pprof reads it)")
	var runners taskRunners
	runners.addFlags(fs)
	var oidcFlags oidcSettings
	oidcFlags.addFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow server [--addr HOST:PORT] [--db FILE | --postgres DSN] [--region R] [--account ID] [--auth none|sigv4 --access-key ID:SECRET ...|iam --iam-key-file F] [--functions F.json] [--http-allow-host H ...] [--buckets-dir DIR] [--aws-endpoint SERVICE=URL ...] [--aws-allow PATTERN ...] [--mocks FILE] [--max-request-bytes N] [--max-request-bytes-in-flight N] [--body-read-timeout D] [--metrics-token T] [--tls-cert F --tls-key F] [--audit-log F|-] [--rate-limit RPS[:BURST]] [--oidc-issuer URL --oidc-client-id ID [--oidc-client-secret-env VAR] --oidc-principal RULE ...] [--config FILE]")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil {
		return exitError{Code: 2}
	}
	if len(positional) != 0 {
		fs.Usage()
		return exitError{Code: 2}
	}
	if *configFile != "" {
		if err := readServerConfig(*configFile, &cfg); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		flag string
		dst  *string
	}{{*addr, &cfg.Addr}, {*db, &cfg.DB}, {*pg, &cfg.Postgres}, {*region, &cfg.Region}, {*account, &cfg.Account}, {*auth, &cfg.Auth}, {*uiMode, &cfg.UI}, {*mocks, &cfg.Mocks}, {*execLogDir, &cfg.ExecutionLogDir}, {*bodyReadTimeout, &cfg.BodyReadTimeout}, {os.Getenv("STEPFLOW_METRICS_TOKEN"), &cfg.MetricsToken}, {*metricsToken, &cfg.MetricsToken}, {*nodeID, &cfg.NodeID}, {*lease, &cfg.Lease}, {*iamKeyFile, &cfg.IAMKeyFile}, {*tlsCert, &cfg.TLSCert}, {*tlsKey, &cfg.TLSKey}, {*auditLog, &cfg.AuditLog}, {*rateLimit, &cfg.RateLimit}, {runners.Functions, &cfg.Functions}, {runners.BucketsDir, &cfg.BucketsDir}, {runners.Jobs, &cfg.Jobs}, {runners.JobsJournal, &cfg.JobsJournal}} {
		if f.flag != "" {
			*f.dst = f.flag
		}
	}
	if len(keys) > 0 {
		cfg.AccessKeys = keys
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "iam-known-roles" {
			known := *iamKnownRoles
			cfg.IAMKnownRoles = &known
		}
	})
	cfg.OIDC.merge(oidcFlags)
	if *maxRequestBytes != 0 {
		cfg.MaxRequestBytes = *maxRequestBytes
	}
	if *maxInFlight != 0 {
		cfg.MaxRequestBytesInFlight = *maxInFlight
	}
	if *maxStarts != 0 {
		cfg.MaxStartsInFlight = *maxStarts
	}
	if *maxStartsQueued != 0 {
		cfg.MaxStartsQueued = *maxStartsQueued
	}
	if len(runners.HTTPAllowHosts) > 0 {
		cfg.HTTPAllowHosts = runners.HTTPAllowHosts
	}
	if len(runners.AWSEndpoints) > 0 {
		cfg.AWSEndpoints = runners.AWSEndpoints
	}
	if len(runners.AWSAllow) > 0 {
		cfg.AWSAllow = runners.AWSAllow
	}
	if runners.AssumeStateMachineRole {
		cfg.AssumeStateMachineRole = true
	}
	if cfg.DB == "" && cfg.Postgres == "" {
		cfg.DB = "./.stepflow/stepflow.db"
	}
	if cfg.Jobs != "" && cfg.JobsJournal == "" && cfg.DB != "" {
		cfg.JobsJournal = cfg.DB + ".jobs" // beside the database, like the node-id file
	}
	credentials, err := cfg.Validate()
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return &serverConfigError{Field: "log-level", Msg: fmt.Sprintf("must be debug, info, warn or error, not %q", *logLevel)}
	}
	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	case "json":
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		return &serverConfigError{Field: "log-format", Msg: fmt.Sprintf("must be text or json, not %q", *logFormat)}
	}
	if cfg.ExecutionLogDir == "" {
		cfg.ExecutionLogDir = "./.stepflow/execution-logs"
	}
	logger := slog.New(handler)
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	return serve(ctx, &cfg, credentials, logger, stdout, stderr)
}

func readServerConfig(path string, cfg *serverConfig) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

func openStore(ctx context.Context, cfg *serverConfig) (store.Store, error) {
	if cfg.Postgres != "" {
		return postgres.Open(ctx, cfg.Postgres)
	}
	return sqlite.Open(ctx, cfg.DB)
}

// serve runs the server until ctx ends, then shuts it down gracefully: it stops accepting
// requests, lets those in flight finish, and closes the engine and the store.
// postgresCommitWorkers is how many transactions a server on PostgreSQL writes at once.
const postgresCommitWorkers = 2

func serve(ctx context.Context, cfg *serverConfig, credentials map[string]string, logger *slog.Logger, stdout, stderr io.Writer) error {
	ctx, stop := stopWhenGoRunExits(ctx, logger)
	defer stop()
	var certs *certReloader
	if cfg.TLSCert != "" {
		var err error
		if certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey, logger); err != nil {
			return err
		}
		certs.reloadOnHangup(ctx)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	scope := sfn.Scope{Partition: sfn.DefaultPartition, Region: cfg.Region, Account: cfg.Account}
	router, _, err := cfg.newRouter(scope)
	if err != nil {
		return err
	}
	var directory *iam.Directory
	if cfg.Auth == "iam" {
		if directory, err = openDirectory(st, scope, cfg.IAMKeyFile); err != nil {
			return err
		}
	}
	// With a mock configuration the engine's tasks go through the mocks first: states a test
	// case does not mock, and executions without a test case, reach the router. Under --auth
	// iam, a task reaches the router only if its execution's role (when the store has it)
	// allows it.
	var invoker task.Invoker = router
	if directory != nil {
		invoker = iam.NewRoleInvoker(directory, router)
	}
	var mocks *mock.Invoker
	if cfg.Mocks != "" {
		mockCfg, err := mock.LoadConfig(cfg.Mocks)
		if err != nil {
			return err
		}
		mocks = mock.New(mockCfg, invoker)
		// Bindings of Standard executions to test cases survive a restart.
		mocks.KeepIn(st)
		invoker = mocks
	}

	nodeIDFile := "./.stepflow/node-id"
	if cfg.Postgres == "" {
		nodeIDFile = cfg.DB + ".node-id"
	}
	node, err := loadNodeIdentity(cfg.NodeID, nodeIDFile)
	if err != nil {
		return err
	}
	defer node.Close()
	logger.Info("task leases", "node", node.ID, "lease", cfg.lease)
	// One registry: the engine records into what /metrics serves.
	prom := metrics.NewPrometheus()
	var execLog *execlog.Writer
	if cfg.ExecutionLogDir != "off" {
		execLog = execlog.NewWriter(cfg.ExecutionLogDir)
		defer execLog.Close()
	}
	// The event bus starts executions through the engine and hears of their status changes
	// from it: it is made right after the engine, before the engine starts reporting.
	var bus *events.Bus
	// PostgreSQL takes concurrent transactions: while one batch is in the database the next is
	// built and sent (docs/durability.md#postgresql). SQLite has one writer.
	commitWorkers := 1
	if cfg.Postgres != "" {
		commitWorkers = postgresCommitWorkers
	}
	eng, err := engine.New(engine.Config{
		Store: st, Invoker: invoker, Scope: scope, Logger: logger, Metrics: prom, ExecutionLog: execLog,
		SharedStore:   cfg.Postgres != "", // PostgreSQL is how several nodes share work
		CommitWorkers: commitWorkers,
		NodeID:        node.ID, LeaseDuration: cfg.lease,
		OnStatusChange: func(c engine.StatusChange) { bus.StatusChanged(c) },
		StatusChangeEvents: func(ctx context.Context, c []engine.StatusChange) ([]*store.EventDelivery, error) {
			return bus.StatusChangeDeliveries(ctx, c)
		},
	})
	if err != nil {
		return fmt.Errorf("create engine: %w", err)
	}
	bus, err = events.New(events.Config{Store: st, Starter: eng, Scope: scope, NodeID: node.ID, Logger: logger, Metrics: prom})
	if err != nil {
		return fmt.Errorf("create event bus: %w", err)
	}
	// Nested executions need the engine itself; registered before Start, which re-dispatches
	// the tasks of running executions. With a Step Functions endpoint of its own
	// (--aws-endpoint states=URL) they run there instead.
	if !router.Handles("states") {
		router.HandleService("states", nested.New(eng))
	}
	if err := eng.Start(ctx); err != nil {
		return fmt.Errorf("start engine: %w", err)
	}
	if err := bus.Start(ctx); err != nil {
		eng.Close(context.Background())
		return fmt.Errorf("start event bus: %w", err)
	}
	defer bus.Close() // runs after the engine is closed below; deliveries stopped then end at once
	// The scheduler writes each fired slot as a delivery, which the bus makes.
	sched, err := scheduler.New(scheduler.Config{Store: st, Deliveries: bus, Scope: scope, Logger: logger, Metrics: prom,
		RuleEvents: bus.ScheduledRuleDeliveries})
	if err != nil {
		return fmt.Errorf("create scheduler: %w", err)
	}
	sched.Start()
	defer sched.Close()
	bodyTimeout, _ := cfg.bodyReadTimeout() // checked by Validate
	sealer, err := webhookSealer(cfg.IAMKeyFile)
	if err != nil {
		eng.Close(context.Background())
		return err
	}
	hooks, err := webhook.New(ctx, webhook.Options{Bus: bus, Store: st, Hooks: cfg.Webhooks, Sealer: sealer, Scope: scope, Logger: logger})
	if err != nil {
		var hookErr *webhook.ConfigError
		if errors.As(err, &hookErr) {
			err = &serverConfigError{Field: hookErr.Field, Msg: hookErr.Msg}
		}
		eng.Close(context.Background())
		return err
	}
	// signed: every API request must carry a signature (sigv4 or iam).
	signed := credentials != nil || directory != nil
	var auditLog io.Writer
	switch cfg.AuditLog {
	case "":
	case "-":
		auditLog = stdout
	default:
		// Appended to, never truncated: an audit log outlives restarts. Readable by its
		// owner only, as it names who did what.
		f, err := os.OpenFile(cfg.AuditLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			eng.Close(context.Background())
			return &serverConfigError{Field: "audit-log", Msg: err.Error()}
		}
		defer f.Close()
		auditLog = f
	}
	services := []api.Service{eventsapi.Service(bus, st, eventsapi.WithWebhooks(hooks))}
	if directory != nil {
		// The admin API authorizes with the same directory: iam:* actions in users' policies.
		services = append(services, iamadmin.Service(directory))
	}
	apiHandler, err := api.New(api.Config{
		Engine: eng, Invoker: router, Mocks: mocks, Credentials: credentials, IAM: directory, RequireKnownRoles: cfg.requireKnownRoles(), Logger: logger,
		MaxBodyBytes: cfg.MaxRequestBytes, MaxBodyBytesInFlight: cfg.MaxRequestBytesInFlight, BodyReadTimeout: bodyTimeout,
		MaxStartsInFlight: cfg.MaxStartsInFlight, MaxStartsQueued: cfg.MaxStartsQueued,
		Services: services,
		REST:     []api.RESTService{schedulerapi.Service(st, scope, nil)},
		AuditLog: auditLog, RateLimit: cfg.rateLimit,
	})
	if err != nil {
		return err
	}
	if bodyTimeout == 0 {
		bodyTimeout = api.DefaultBodyReadTimeout
	}
	mux := http.NewServeMux()
	mux.Handle("/", apiHandler)
	mux.Handle("GET /metrics", metricsAuth(prom.Handler(), cfg.MetricsToken, signed))
	// Webhooks are authenticated by their own signatures, not by SigV4: senders such as
	// GitHub cannot sign AWS requests.
	mux.Handle(webhook.Prefix, bodyReadDeadline(hooks, bodyTimeout))
	uiOn := cfg.UI == "on" || (cfg.UI == "auto" && !signed)
	if uiOn {
		catalog, err := cfg.taskCatalog()
		if err != nil {
			apiHandler.Close()
			eng.Close(context.Background())
			return err
		}
		uiOpts := []ui.Option{ui.WithOperations(apiHandler), ui.WithTaskCatalog(catalog)}
		if signed {
			// People sign in with the API's access keys and act with their policies.
			login := ui.Login{Authority: apiHandler, SecureCookie: certs != nil}
			if cfg.OIDC.Issuer != "" {
				if login.OIDC, err = cfg.OIDC.uiLogin(directory); err != nil {
					apiHandler.Close()
					eng.Close(context.Background())
					return err
				}
			}
			uiOpts = append(uiOpts, ui.WithLogin(login))
		}
		mux.Handle(ui.Prefix, bodyReadDeadline(ui.Handler(eng, uiOpts...), bodyTimeout))
		mux.Handle("GET /{$}", http.RedirectHandler(ui.Prefix, http.StatusFound))
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		apiHandler.Close()
		eng.Close(context.Background())
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if !signed && !isLoopback(ln.Addr()) {
		fmt.Fprintf(stderr, "stepflow server: WARNING: listening on %s without authentication: anyone who can reach it can run state machines. Use --auth iam (or --auth sigv4 --access-key ID:SECRET).\n", ln.Addr())
	}
	if certs == nil && !isLoopback(ln.Addr()) {
		fmt.Fprintf(stderr, "stepflow server: WARNING: listening on %s without TLS: inputs, outputs and task tokens cross the network in clear. Use --tls-cert and --tls-key.\n", ln.Addr())
	}
	scheme := "http"
	if certs != nil {
		ln = tls.NewListener(ln, certs.tlsConfig())
		scheme = "https"
	}
	where := "SQLite " + cfg.DB
	if cfg.Postgres != "" {
		where = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "stepflow server listening on %s://%s (%s, region %s, account %s)\n", scheme, ln.Addr(), where, cfg.Region, cfg.Account)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && certs == nil {
		for _, line := range sdkEndpointAdvice(tcp, localhostSubdomainsReach(ctx, tcp)) {
			fmt.Fprintln(stdout, line)
		}
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && certs != nil {
		fmt.Fprintf(stdout, "AWS SDKs and CLI: export AWS_ENDPOINT_URL_SFN=https://NAME:%d, NAME a host name the certificate is for\n", tcp.Port)
	}

	if uiOn {
		fmt.Fprintf(stdout, "web UI at %s://%s%s\n", scheme, ln.Addr(), ui.Prefix)
		if cfg.OIDC.Issuer != "" && signed {
			fmt.Fprintf(stdout, "web UI sign-in through %s (%s), callback %s\n", cfg.OIDC.Issuer, cfg.OIDC.Name, cmp.Or(cfg.OIDC.RedirectURL, "HOST/ui/login/oidc/callback"))
		}
	}
	var handler http.Handler = mux
	if !signed && isLoopback(ln.Addr()) {
		handler = loopbackHostsOnly(mux)
	}
	// No ReadTimeout: a read deadline that passes after the body was read cancels the
	// request's context, which would cut GetActivityTask's long poll; the API and the UI set
	// a deadline on the body alone. WriteTimeout is a backstop for the other handlers: the
	// API gives each answer its own deadline when the answer is ready.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      api.DefaultActivityPollTimeout + api.DefaultResponseWriteTimeout,
		IdleTimeout:       2 * time.Minute,
		// What net/http reports itself (TLS handshake failures, panics in a handler) goes to
		// the server's log in its format, not to the standard library's default logger.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		apiHandler.Close()
		eng.Close(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Long polls (GetActivityTask) may hold requests for up to a minute: closing the API
	// handler as the shutdown begins answers them at once, so in-flight requests finish fast.
	srv.RegisterOnShutdown(apiHandler.Close)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if errors.Is(shutdownErr, context.DeadlineExceeded) {
		srv.Close()
		shutdownErr = nil
	}
	apiHandler.Close()
	bus.Close()
	// The engine gets its own time to finish in-flight commits, whatever the HTTP side used.
	engineCtx, cancelEngine := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelEngine()
	if err := eng.Close(engineCtx); err != nil {
		return fmt.Errorf("close engine: %w", err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shut down: %w", shutdownErr)
	}
	fmt.Fprintln(stdout, "stepflow server stopped")
	return nil
}

// metricsAuth guards GET /metrics: with a token, only requests carrying it as a bearer token
// get through; without one, requests get through only when the API has no authentication
// either (the metrics name state machines and activities).
func metricsAuth(next http.Handler, token string, apiSigned bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case token != "":
			given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(given), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="stepflow metrics"`)
				writeAccessDenied(w, http.StatusUnauthorized, "GET /metrics needs the metrics token as a bearer token (Authorization: Bearer TOKEN)")
				return
			}
		case apiSigned:
			writeAccessDenied(w, http.StatusForbidden, "GET /metrics is off: with --auth sigv4 or iam it needs --metrics-token (or STEPFLOW_METRICS_TOKEN)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeAccessDenied(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(map[string]string{"__type": "AccessDeniedException", "message": message})
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
	w.WriteHeader(status)
	w.Write(body)
}

// bodyReadDeadline gives a request's body d to arrive, as the API does for its own; the
// deadline is lifted when the body has been read to its end.
func bodyReadDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			rc.SetReadDeadline(time.Now().Add(d))
			r.Body = &deadlineLiftingBody{ReadCloser: r.Body, lift: func() { rc.SetReadDeadline(time.Time{}) }}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineLiftingBody struct {
	io.ReadCloser
	lift   func()
	lifted bool
}

func (b *deadlineLiftingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		b.lift()
	}
	return n, err
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// loopbackHostsOnly refuses requests whose Host is not a loopback name or address. Without
// authentication a loopback-only server is protected by nobody else reaching it; DNS
// rebinding would let any web page the user visits reach it anyway, under its own host name.
func loopbackHostsOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopbackHost(r.Host) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"__type":"AccessDeniedException","message":"Host %q is not a loopback host: this server has no authentication and answers only requests addressed to localhost, 127.0.0.1 or ::1"}`, r.Host)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isLoopbackHost accepts localhost and its subdomains (RFC 6761 reserves them for loopback;
// the SDKs call sync-stepflow.localhost for StartSyncExecution on stepflow.localhost),
// sync-localhost, and loopback IP addresses with or without the "sync-" prefix, each with or
// without a port. A client whose request for sync-127.0.0.1 goes through HTTP_PROXY set to
// this server arrives with that name as its host.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || host == "sync-localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(strings.TrimPrefix(host, "sync-")); ip != nil {
		return ip.IsLoopback()
	}
	return false
}

// webhookSealer is the server key's box when the server has a key (--iam-key-file or
// $STEPFLOW_IAM_KEY, whatever --auth is): it seals the secrets of webhooks made through the
// API. Without a key they are stored as given.
func webhookSealer(keyFile string) (webhook.Sealer, error) {
	if keyFile == "" && os.Getenv(serverKeyEnv) == "" {
		return nil, nil
	}
	key, err := loadServerKey(keyFile)
	if err != nil {
		return nil, err
	}
	box, err := iam.NewSecretBox(key)
	if err != nil {
		return nil, err
	}
	return box, nil
}
