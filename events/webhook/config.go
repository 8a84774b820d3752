package webhook

import (
	"fmt"
	"os"
	"regexp"

	"github.com/stepflow/stepflow/events"
)

// MinSecretLength is the shortest shared secret accepted: shorter ones can be guessed.
const MinSecretLength = 16

// Config configures one webhook, as the server's config file gives it (the "webhooks" list).
type Config struct {
	// Name is the last segment of the webhook's path: POST /webhooks/NAME.
	Name string `json:"name"`
	// Source and DetailType are the events' "source" and "detail-type".
	Source     string `json:"source"`
	DetailType string `json:"detailType"`
	// EventBus is the bus the events go to (a name or an ARN); "" is the default bus.
	EventBus string `json:"eventBus"`
	// Secret is the shared secret the requests are signed with. SecretEnv names an
	// environment variable holding it instead, to keep it out of the file; give one of them.
	Secret    string `json:"secret"`
	SecretEnv string `json:"secretEnv"`
	// Signature is how requests are signed: "stepflow" (the default: X-Stepflow-Signature,
	// timestamped) or "github" (GitHub's X-Hub-Signature-256: sha256=HEX over the body).
	Signature string `json:"signature,omitempty"`
}

// Signature formats.
const (
	SignatureStepflow = "stepflow"
	SignatureGitHub   = "github"
)

// checkFields checks what a webhook made in the file or through the API must have; field
// names the setting as where it comes from names it.
func checkFields(name, source, detailType, signature string, field func(string) string) error {
	switch {
	case !namePattern.MatchString(name):
		return &ConfigError{Field: field("name"), Msg: fmt.Sprintf("must be 1 to 64 letters, digits, '.', '_' or '-', not %q", name)}
	case source == "" || len(source) > maxSourceLength:
		return &ConfigError{Field: field("source"), Msg: fmt.Sprintf("must be 1 to %d characters", maxSourceLength)}
	case detailType == "" || len(detailType) > maxDetailTypeLength:
		return &ConfigError{Field: field("detailType"), Msg: fmt.Sprintf("must be 1 to %d characters", maxDetailTypeLength)}
	case signature != "" && signature != SignatureStepflow && signature != SignatureGitHub:
		return &ConfigError{Field: field("signature"), Msg: fmt.Sprintf("must be %q or %q, not %q", SignatureStepflow, SignatureGitHub, signature)}
	}
	return nil
}

// ConfigError names the field of the webhooks list that is wrong, as "webhooks[1].source".
type ConfigError struct {
	Field string
	Msg   string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Msg }

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Limits EventBridge puts on an entry's Source and DetailType.
const (
	maxSourceLength     = 256
	maxDetailTypeLength = 128
)

// ValidateAll checks a webhooks list: each entry, and that no two share a name.
func ValidateAll(hooks []Config) error {
	seen := map[string]int{}
	for i := range hooks {
		h := &hooks[i]
		field := func(name string) string { return fmt.Sprintf("webhooks[%d].%s", i, name) }
		if err := checkFields(h.Name, h.Source, h.DetailType, h.Signature, field); err != nil {
			return err
		}
		if h.Secret != "" && h.SecretEnv != "" {
			return &ConfigError{Field: field("secret"), Msg: "give either secret or secretEnv, not both"}
		}
		if j, dup := seen[h.Name]; dup {
			return &ConfigError{Field: field("name"), Msg: fmt.Sprintf("%q is also the name of webhooks[%d]", h.Name, j)}
		}
		seen[h.Name] = i
		secret, secretField := h.Secret, field("secret")
		if h.SecretEnv != "" {
			secret, secretField = os.Getenv(h.SecretEnv), field("secretEnv")
			if secret == "" {
				return &ConfigError{Field: secretField, Msg: fmt.Sprintf("environment variable %s is not set", h.SecretEnv)}
			}
		}
		if len(secret) < MinSecretLength {
			return &ConfigError{Field: secretField, Msg: fmt.Sprintf("the secret must be at least %d characters", MinSecretLength)}
		}
	}
	return nil
}

// secret is the webhook's shared secret, from the file or the environment.
func (c *Config) secret() string {
	if c.SecretEnv != "" {
		return os.Getenv(c.SecretEnv)
	}
	return c.Secret
}

// maxBodyBytes is the largest body the webhook takes: what is left of PutEvents's request
// limit once the source and detail-type are counted, as EventBridge sizes an entry.
func (c *Config) maxBodyBytes() int {
	return events.MaxPutEventsBytes - len(c.Source) - len(c.DetailType)
}

// signature is the webhook's signature format, the default filled in.
func (c *Config) signature() string {
	if c.Signature == "" {
		return SignatureStepflow
	}
	return c.Signature
}
