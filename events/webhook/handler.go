package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/events"
)

// Prefix is the path webhooks are served under.
const Prefix = "/webhooks/"

// SignatureHeader carries a request's timestamp and signatures.
const SignatureHeader = "X-Stepflow-Signature"

// Tolerance is how far a signature's timestamp may be from the server's clock, either way.
const Tolerance = 5 * time.Minute

// Bus is what webhooks need of the event bus.
type Bus interface {
	BusName(ctx context.Context, nameOrARN string) (string, error)
	PutEvents(ctx context.Context, entries []events.Entry) ([]events.EntryResult, error)
}

// Handler serves POST /webhooks/NAME for the configured webhooks.
type Handler struct {
	bus    Bus
	hooks  map[string]*hook
	log    *slog.Logger
	replay replayGuard
}

type hook struct {
	cfg    Config
	bus    string
	secret []byte
}

// New makes the handler of a validated webhooks list (see ValidateAll), checking that each
// webhook's bus exists.
func New(ctx context.Context, bus Bus, hooks []Config, logger *slog.Logger) (*Handler, error) {
	if err := ValidateAll(hooks); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	h := &Handler{bus: bus, hooks: map[string]*hook{}, log: logger, replay: replayGuard{seen: map[string]time.Time{}}}
	for i, c := range hooks {
		name, err := bus.BusName(ctx, c.EventBus)
		if err != nil {
			return nil, &ConfigError{Field: fmt.Sprintf("webhooks[%d].eventBus", i), Msg: err.Error()}
		}
		h.hooks[c.Name] = &hook{cfg: c, bus: name, secret: []byte(c.secret())}
	}
	return h, nil
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

func (h *Handler) serve(r *http.Request) (string, *refusal) {
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	hk := h.hooks[name]
	if !ok || hk == nil {
		return "", &refusal{http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf("Webhook %q does not exist.", name)}
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
	now := time.Now()
	signature, ref := verify(r.Header.Get(SignatureHeader), hk.secret, body, now)
	if ref != nil {
		return "", ref
	}
	var detail map[string]any
	if json.Unmarshal(body, &detail) != nil || detail == nil {
		return "", &refusal{http.StatusBadRequest, "MalformedDetail", "The body must be a JSON object: it becomes the event's detail."}
	}
	// The signature is taken before the event is put, so that two copies of one request
	// racing each other put one event; it is given back if the event is not put.
	if !h.replay.take(hk.cfg.Name+"\x00"+signature, now) {
		return "", &refusal{http.StatusConflict, "ReplayedRequestException", "This signed request was already accepted; sign each request anew."}
	}
	results, err := h.bus.PutEvents(r.Context(), []events.Entry{{Source: hk.cfg.Source, DetailType: hk.cfg.DetailType, Detail: string(body), EventBusName: hk.bus}})
	if err != nil {
		h.replay.giveBack(hk.cfg.Name + "\x00" + signature)
		var busErr *events.Error
		if errors.As(err, &busErr) {
			return "", &refusal{http.StatusBadRequest, busErr.Code, busErr.Message}
		}
		h.log.Error("webhook: put event", "webhook", hk.cfg.Name, "error", err)
		return "", &refusal{http.StatusInternalServerError, "InternalFailure", "The event could not be stored."}
	}
	if res := results[0]; res.ErrorCode != "" {
		h.replay.giveBack(hk.cfg.Name + "\x00" + signature)
		status := http.StatusBadRequest
		if res.ErrorCode == events.CodeResourceNotFound {
			status = http.StatusNotFound
		}
		return "", &refusal{status, res.ErrorCode, res.ErrorMessage}
	}
	return results[0].EventId, nil
}

func tooLarge(hk *hook, limit int) *refusal {
	return &refusal{http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
		fmt.Sprintf("Webhook %s takes bodies of at most %d bytes.", hk.cfg.Name, limit)}
}

// verify checks a signature header against the body and returns the signature that matched.
// The header is "t=UNIX_SECONDS,v1=HEX", with more v1 entries allowed (while a secret is
// being changed, a sender signs with both) and other schemes ignored, as Stripe does.
func verify(header string, secret, body []byte, now time.Time) (string, *refusal) {
	invalid := func(msg string) *refusal {
		return &refusal{http.StatusUnauthorized, "InvalidSignatureException", msg}
	}
	if header == "" {
		return "", invalid("The " + SignatureHeader + " header is missing.")
	}
	var stamp string
	var signatures []string
	for _, part := range strings.Split(header, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "t":
			if stamp != "" {
				return "", invalid("The " + SignatureHeader + " header has more than one timestamp.")
			}
			stamp = value
		case "v1":
			signatures = append(signatures, value)
		}
	}
	seconds, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil || len(signatures) == 0 {
		return "", invalid("The " + SignatureHeader + " header must be t=UNIX_SECONDS,v1=HEX_HMAC_SHA256.")
	}
	if age := now.Sub(time.Unix(seconds, 0)); age > Tolerance || age < -Tolerance {
		return "", invalid(fmt.Sprintf("The signature's timestamp %d is more than %s from the server's time %d.", seconds, Tolerance, now.Unix()))
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(stamp))
	mac.Write([]byte("."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range signatures {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return hex.EncodeToString(want), nil
		}
	}
	return "", invalid("The signature does not match the body and the webhook's secret.")
}

// Sign returns the X-Stepflow-Signature header of a body sent at a time: what a sender
// computes.
func Sign(secret string, body []byte, at time.Time) string {
	stamp := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stamp + "."))
	mac.Write(body)
	return "t=" + stamp + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// replayGuard remembers the signatures accepted within the tolerance window: a request
// replayed inside the window carries one of them. Older ones need not be kept, since their
// timestamps are refused anyway. It is per process: servers sharing a database do not share it.
type replayGuard struct {
	mu        sync.Mutex
	seen      map[string]time.Time // signature -> when it was accepted
	lastPrune time.Time
}

func (g *replayGuard) take(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	// A signature's timestamp is at most Tolerance in the future when it is accepted, so
	// after 2*Tolerance it can no longer pass the timestamp check.
	if now.Sub(g.lastPrune) > time.Second {
		for k, at := range g.seen {
			if now.Sub(at) > 2*Tolerance {
				delete(g.seen, k)
			}
		}
		g.lastPrune = now
	}
	if _, ok := g.seen[key]; ok {
		return false
	}
	g.seen[key] = now
	return true
}

func (g *replayGuard) giveBack(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.seen, key)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
