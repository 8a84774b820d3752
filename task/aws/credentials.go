package aws

import (
	"context"
	"fmt"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// credentialSource finds the credentials that sign requests: the configured provider or
// the SDK's default chain, and for a state's Credentials.RoleArn that role assumed through
// STS. Every provider is wrapped in the SDK's cache, which refreshes before expiry.
type credentialSource struct {
	inv *Invoker

	loadOnce sync.Once
	base     sdkaws.CredentialsProvider
	loadErr  error

	mu    sync.Mutex
	roles map[string]sdkaws.CredentialsProvider
}

func newCredentialSource(p sdkaws.CredentialsProvider, inv *Invoker) *credentialSource {
	s := &credentialSource{inv: inv, roles: map[string]sdkaws.CredentialsProvider{}}
	if p != nil {
		s.loadOnce.Do(func() { s.base = sdkaws.NewCredentialsCache(p) })
	}
	return s
}

// baseProvider loads the default chain once. Loading does not fetch credentials; a chain
// that finds nothing fails at Retrieve.
func (s *credentialSource) baseProvider(ctx context.Context) (sdkaws.CredentialsProvider, error) {
	s.loadOnce.Do(func() {
		cfg, err := config.LoadDefaultConfig(context.WithoutCancel(ctx))
		if err != nil {
			s.loadErr = err
			return
		}
		s.base = cfg.Credentials
	})
	return s.base, s.loadErr
}

// retrieve returns the credentials for a call, assuming role when it is not "".
func (s *credentialSource) retrieve(ctx context.Context, role string) (sdkaws.Credentials, error) {
	base, err := s.baseProvider(ctx)
	if err == nil && base == nil {
		err = fmt.Errorf("no credential providers")
	}
	if err != nil {
		return sdkaws.Credentials{}, credentialsError(err, role)
	}
	p := base
	if role != "" {
		p = s.roleProvider(base, role)
	}
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return sdkaws.Credentials{}, credentialsError(err, role)
	}
	return creds, nil
}

// roleProvider is the cached AssumeRole provider of one role, made on first use.
func (s *credentialSource) roleProvider(base sdkaws.CredentialsProvider, role string) sdkaws.CredentialsProvider {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.roles[role]; ok {
		return p
	}
	stsSvc := lookupService("sts")
	client := sts.New(sts.Options{
		Region:      s.inv.region,
		Credentials: base,
		HTTPClient:  s.inv.client,
		BaseEndpoint: func() *string {
			if u := s.inv.endpointOverride(stsSvc); u != nil {
				v := u.String()
				return &v
			}
			return nil
		}(),
	})
	p := sdkaws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "stepflow"
	}))
	s.roles[role] = p
	return p
}

// credentialsError is the task failure of a call that found no credentials to sign with.
func credentialsError(err error, role string) error {
	if role != "" {
		return &task.Error{Name: sfn.ErrorTaskFailed, Cause: fmt.Sprintf("could not assume role %s through STS: %v", role, err)}
	}
	return &task.Error{Name: sfn.ErrorTaskFailed, Cause: fmt.Sprintf(
		"no AWS credentials to sign the request with: %v. Stepflow looks for them as the AWS SDKs do: environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), shared config and credentials files (AWS_PROFILE), SSO, web identity, container and instance metadata", err)}
}
