package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// Prefix is the path webhooks are served under.
const Prefix = "/webhooks/"

// Bus is what webhooks need of the event bus.
type Bus interface {
	BusName(ctx context.Context, nameOrARN string) (string, error)
	PutEvents(ctx context.Context, entries []events.Entry) ([]events.EntryResult, error)
}

// Sealer seals the secrets of webhooks made through the API with the server key, so that the
// database alone does not give them away (iam.SecretBox).
type Sealer interface {
	Seal(keyID, secret string) (string, error)
	Open(keyID, sealed string) (string, error)
}

// Options configures a Handler.
type Options struct {
	Bus Bus
	// Store keeps the webhooks made through the API and the signatures accepted (so that
	// every server sharing it refuses a replay).
	Store store.Store
	// Hooks are the webhooks of the config file, validated by ValidateAll.
	Hooks []Config
	// Sealer, when set, seals the secrets of webhooks made through the API; without it they
	// are stored as given.
	Sealer Sealer
	Scope  sfn.Scope
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handler serves POST /webhooks/NAME, and the API that makes, lists and deletes webhooks.
type Handler struct {
	bus    Bus
	store  store.Store
	static map[string]*hook // the config file's, by name
	sealer Sealer
	scope  sfn.Scope
	log    *slog.Logger
	now    func() time.Time
}

type hook struct {
	cfg      Config // Secret and SecretEnv not used: see secret
	bus      string
	secret   []byte
	arn      string
	created  time.Time
	fromFile bool
}

// New makes the handler, checking the config file's webhooks (see ValidateAll) and that the
// bus of each exists.
func New(ctx context.Context, o Options) (*Handler, error) {
	if o.Bus == nil || o.Store == nil {
		return nil, errors.New("webhook: Options.Bus and Options.Store are required")
	}
	if err := ValidateAll(o.Hooks); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Scope == (sfn.Scope{}) {
		o.Scope = sfn.DefaultScope
	}
	h := &Handler{bus: o.Bus, store: o.Store, static: map[string]*hook{}, sealer: o.Sealer, scope: o.Scope, log: o.Logger, now: o.Now}
	for i, c := range o.Hooks {
		name, err := o.Bus.BusName(ctx, c.EventBus)
		if err != nil {
			return nil, &ConfigError{Field: fmt.Sprintf("webhooks[%d].eventBus", i), Msg: err.Error()}
		}
		h.static[c.Name] = &hook{cfg: c, bus: name, secret: []byte(c.secret()), arn: h.arn(c.Name), fromFile: true}
	}
	return h, nil
}

// arn is a webhook's ARN, in EventBridge's namespace (Stepflow's own resource type).
func (h *Handler) arn(name string) string {
	return "arn:" + h.scope.Partition + ":events:" + h.scope.Region + ":" + h.scope.Account + ":webhook/" + name
}

// refusal is an answer other than success, in AWS's JSON error shape.
type refusal struct {
	status  int
	code    string
	message string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	eventID, ref := h.serve(r)
	if ref != nil {
		if ref.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodPost)
		}
		writeJSON(w, ref.status, map[string]string{"__type": ref.code, "message": ref.message})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"EventId": eventID})
}

func unavailable() *refusal {
	return &refusal{http.StatusServiceUnavailable, "ServiceUnavailable", "The webhook's store is unavailable; try again."}
}

func (h *Handler) serve(r *http.Request) (string, *refusal) {
	ctx := r.Context()
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	notFound := &refusal{http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf("Webhook %q does not exist.", name)}
	if !ok || !namePattern.MatchString(name) {
		return "", notFound
	}
	hk, err := h.lookup(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", notFound
	}
	if err != nil {
		h.log.Error("webhook: read", "webhook", name, "error", err)
		return "", unavailable()
	}
	if r.Method != http.MethodPost {
		return "", &refusal{http.StatusMethodNotAllowed, "MethodNotAllowed", "Webhooks take POST requests."}
	}
	limit := hk.cfg.maxBodyBytes()
	if r.ContentLength > int64(limit) {
		return "", tooLarge(hk, limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, int64(limit)))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return "", tooLarge(hk, limit)
		}
		return "", &refusal{http.StatusBadRequest, "IncompleteBody", "The request body could not be read: " + err.Error()}
	}
	now := h.now()
	var sig *signature
	var ref *refusal
	if hk.cfg.signature() == SignatureGitHub {
		sig, ref = verifyGitHub(r.Header.Get(GitHubSignatureHeader), hk.secret, body, now)
	} else {
		sig, ref = verify(r.Header.Get(SignatureHeader), hk.secret, body, now)
	}
	if ref != nil {
		return "", ref
	}
	var detail map[string]any
	if json.Unmarshal(body, &detail) != nil || detail == nil {
		return "", &refusal{http.StatusBadRequest, "MalformedDetail", "The body must be a JSON object: it becomes the event's detail."}
	}
	// The signature is taken before the event is put, so that two copies of one request
	// racing each other (on one server or two) put one event; it is given back if the event
	// is not put.
	err = h.store.WebhookSignatureTake(ctx, &store.WebhookSignatureTakeParams{WebhookName: name, Signature: sig.key, Now: now, ExpiresAt: sig.expires})
	if errors.Is(err, store.ErrAlreadyExists) {
		return "", &refusal{http.StatusConflict, "ReplayedRequestException", "This signed request was already accepted; sign each request anew."}
	}
	if err != nil {
		h.log.Error("webhook: record signature", "webhook", name, "error", err)
		return "", unavailable()
	}
	giveBack := func() {
		if err := h.store.WebhookSignatureRelease(context.WithoutCancel(ctx), &store.WebhookSignatureReleaseParams{WebhookName: name, Signature: sig.key}); err != nil {
			h.log.Warn("webhook: give back a signature", "webhook", name, "error", err)
		}
	}
	results, err := h.bus.PutEvents(ctx, []events.Entry{{Source: hk.cfg.Source, DetailType: hk.cfg.DetailType, Detail: string(body), EventBusName: hk.bus}})
	if err != nil {
		giveBack()
		var busErr *events.Error
		if errors.As(err, &busErr) {
			return "", &refusal{http.StatusBadRequest, busErr.Code, busErr.Message}
		}
		h.log.Error("webhook: put event", "webhook", name, "error", err)
		return "", unavailable()
	}
	if res := results[0]; res.ErrorCode != "" {
		giveBack()
		status := http.StatusBadRequest
		if res.ErrorCode == events.CodeResourceNotFound {
			status = http.StatusNotFound
		}
		return "", &refusal{status, res.ErrorCode, res.ErrorMessage}
	}
	return results[0].EventId, nil
}

// lookup finds a webhook: the config file's, else the store's (read on every request, so a
// webhook made or deleted on one server is served so by all at once).
func (h *Handler) lookup(ctx context.Context, name string) (*hook, error) {
	if hk := h.static[name]; hk != nil {
		return hk, nil
	}
	w, err := h.store.WebhookGet(ctx, &store.WebhookGetParams{Name: name})
	if err != nil {
		return nil, err
	}
	return h.fromStore(w)
}

func tooLarge(hk *hook, limit int) *refusal {
	return &refusal{http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
		fmt.Sprintf("Webhook %s takes bodies of at most %d bytes.", hk.cfg.Name, limit)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
