package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/store"
)

// Where a webhook was made.
const (
	OriginAPI        = "API"
	OriginConfigFile = "CONFIG_FILE"
)

// Webhook describes a webhook as the API shows it: never its secret.
type Webhook struct {
	Name            string
	ARN             string
	Source          string
	DetailType      string
	EventBusName    string
	SignatureFormat string
	Origin          string
	CreationTime    time.Time // zero for the config file's
}

// CreateParams makes a webhook. Secret "" has the server make one (32 random bytes, hex).
type CreateParams struct {
	Name            string
	Source          string
	DetailType      string
	EventBusName    string
	SignatureFormat string
	Secret          string
}

// storedConfig is what the store keeps of a webhook besides its name and secret.
type storedConfig struct {
	Source     string
	DetailType string
	EventBus   string
	Signature  string
}

// Prefixes of a stored secret: sealed with the server key, or as given when the server has
// no key.
const (
	sealedPrefix = "sealed:"
	plainPrefix  = "plain:"
)

func sealKeyID(name string) string { return "webhook/" + name }

func apiError(code, format string, args ...any) *events.Error {
	return &events.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Create makes a webhook through the API and returns it with its secret, which is shown
// this once: the server keeps it sealed (with the server key, when it has one).
func (h *Handler) Create(ctx context.Context, p *CreateParams) (*Webhook, string, error) {
	format := strings.ToLower(p.SignatureFormat)
	if format != "" && format != SignatureStepflow && format != SignatureGitHub {
		return nil, "", apiError(events.CodeValidation, "SignatureFormat must be STEPFLOW or GITHUB, not %q.", p.SignatureFormat)
	}
	field := func(name string) string { return name }
	if err := checkFields(p.Name, p.Source, p.DetailType, format, field); err != nil {
		var ce *ConfigError
		errors.As(err, &ce)
		return nil, "", apiError(events.CodeValidation, "%s %s.", fieldNames[ce.Field], ce.Msg)
	}
	if h.static[p.Name] != nil {
		return nil, "", apiError(events.CodeResourceAlreadyExists, "Webhook %s already exists (in the server's config file).", p.Name)
	}
	secret := p.Secret
	if secret == "" {
		var b [32]byte
		_, _ = rand.Read(b[:])
		secret = hex.EncodeToString(b[:])
	}
	if len(secret) < MinSecretLength {
		return nil, "", apiError(events.CodeValidation, "Secret must be at least %d characters.", MinSecretLength)
	}
	bus, err := h.bus.BusName(ctx, p.EventBusName)
	if err != nil {
		return nil, "", err
	}
	stored := plainPrefix + secret
	if h.sealer != nil {
		sealed, err := h.sealer.Seal(sealKeyID(p.Name), secret)
		if err != nil {
			return nil, "", err
		}
		stored = sealedPrefix + sealed
	}
	cfg, _ := json.Marshal(storedConfig{Source: p.Source, DetailType: p.DetailType, EventBus: bus, Signature: format})
	w, err := h.store.WebhookCreate(ctx, &store.WebhookCreateParams{Webhook: store.Webhook{Name: p.Name, ARN: h.arn(p.Name),
		Config: string(cfg), Secret: stored, CreatedDate: store.Stamp(h.now())}})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, "", apiError(events.CodeResourceAlreadyExists, "Webhook %s already exists.", p.Name)
	}
	if err != nil {
		return nil, "", err
	}
	hk, err := h.fromStore(w)
	if err != nil {
		return nil, "", err
	}
	return hk.describe(), secret, nil
}

// fieldNames are the API's names of the settings checkFields checks.
var fieldNames = map[string]string{"name": "Name", "source": "Source", "detailType": "DetailType"}

// Describe shows one webhook, of the API or of the config file.
func (h *Handler) Describe(ctx context.Context, name string) (*Webhook, error) {
	hk, err := h.lookup(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiError(events.CodeResourceNotFound, "Webhook %s does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	return hk.describe(), nil
}

// List shows every webhook by name, those of the config file among them.
func (h *Handler) List(ctx context.Context) ([]*Webhook, error) {
	stored, err := h.store.WebhookList(ctx, &store.WebhookListParams{})
	if err != nil {
		return nil, err
	}
	var out []*Webhook
	for _, hk := range h.static {
		out = append(out, hk.describe())
	}
	for _, w := range stored {
		if h.static[w.Name] != nil {
			continue // the config file's wins, as in lookup
		}
		var c storedConfig
		_ = json.Unmarshal([]byte(w.Config), &c)
		out = append(out, (&hook{cfg: Config{Name: w.Name, Source: c.Source, DetailType: c.DetailType, Signature: c.Signature},
			bus: c.EventBus, arn: w.ARN, created: w.CreatedDate}).describe())
	}
	sortByName(out)
	return out, nil
}

// Delete deletes a webhook made through the API; the config file's are deleted there.
func (h *Handler) Delete(ctx context.Context, name string) error {
	if h.static[name] != nil {
		return apiError(events.CodeValidation, "Webhook %s is defined in the server's config file; remove it there.", name)
	}
	err := h.store.WebhookDelete(ctx, &store.WebhookDeleteParams{Name: name})
	if errors.Is(err, store.ErrNotFound) {
		return apiError(events.CodeResourceNotFound, "Webhook %s does not exist.", name)
	}
	return err
}

// fromStore makes a stored webhook ready to verify requests: its secret opened.
func (h *Handler) fromStore(w *store.Webhook) (*hook, error) {
	var c storedConfig
	if err := json.Unmarshal([]byte(w.Config), &c); err != nil {
		return nil, fmt.Errorf("webhook %s: stored configuration: %w", w.Name, err)
	}
	var secret string
	switch {
	case strings.HasPrefix(w.Secret, plainPrefix):
		secret = strings.TrimPrefix(w.Secret, plainPrefix)
	case strings.HasPrefix(w.Secret, sealedPrefix) && h.sealer == nil:
		return nil, fmt.Errorf("webhook %s: its secret is sealed and this server has no server key (--iam-key-file or STEPFLOW_IAM_KEY)", w.Name)
	case strings.HasPrefix(w.Secret, sealedPrefix):
		opened, err := h.sealer.Open(sealKeyID(w.Name), strings.TrimPrefix(w.Secret, sealedPrefix))
		if err != nil {
			return nil, fmt.Errorf("webhook %s: %w", w.Name, err)
		}
		secret = opened
	default:
		return nil, fmt.Errorf("webhook %s: stored secret in an unknown form", w.Name)
	}
	return &hook{cfg: Config{Name: w.Name, Source: c.Source, DetailType: c.DetailType, Signature: c.Signature},
		bus: c.EventBus, secret: []byte(secret), arn: w.ARN, created: w.CreatedDate}, nil
}

func (hk *hook) describe() *Webhook {
	origin := OriginAPI
	if hk.fromFile {
		origin = OriginConfigFile
	}
	return &Webhook{Name: hk.cfg.Name, ARN: hk.arn, Source: hk.cfg.Source, DetailType: hk.cfg.DetailType,
		EventBusName: hk.bus, SignatureFormat: strings.ToUpper(hk.cfg.signature()), Origin: origin, CreationTime: hk.created}
}

func sortByName(ws []*Webhook) {
	slices.SortFunc(ws, func(a, b *Webhook) int { return strings.Compare(a.Name, b.Name) })
}
