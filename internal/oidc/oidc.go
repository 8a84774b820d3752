// Package oidc is an OpenID Connect relying party, for the web UI's sign-in through a
// provider such as Keycloak, Google or Microsoft Entra ID: it reads the provider's discovery
// document, sends people to its authorization endpoint (the authorization code flow with PKCE,
// state and nonce), exchanges the code at its token endpoint and verifies the ID token
// against the provider's published keys (RS256/384/512, ES256/384/512), fetching them again
// when a token names a key it does not know (the provider rotated its keys).
//
// It is the standard library only: an ID token is a JWS of a few fields, and what a relying
// party must check is listed in OpenID Connect Core 1.0 §3.1.3.7.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config names a provider and this client's registration with it.
type Config struct {
	// Issuer is the provider's issuer URL, exactly as its ID tokens' "iss" has it
	// (https://accounts.google.com, https://keycloak.example.com/realms/acme). Its discovery
	// document is Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are this client's registration; a public client has no secret.
	ClientID     string
	ClientSecret string
	// Scopes are asked for besides "openid" (default: email and profile).
	Scopes []string
	// HTTPClient talks to the provider; nil means a client with a 10-second timeout.
	HTTPClient *http.Client
	// Now is the clock of the token checks; nil means time.Now.
	Now func() time.Time
}

// ClockSkew is how far the provider's clock may be from this server's: a token expired less
// than this long ago, or issued less than this far in the future, is accepted.
const ClockSkew = time.Minute

// maxResponseBytes bounds what is read from the provider: discovery, keys and tokens are a
// few kilobytes.
const maxResponseBytes = 1 << 20

// ValidateIssuer checks that an issuer URL is one a provider may have: https, or http on a
// loopback address (a provider on the same machine, for development and tests), with no
// query or fragment (OpenID Connect Discovery 1.0 §2).
func ValidateIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return fmt.Errorf("must be an https URL, not %q", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("must have no query or fragment: %q", issuer)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
			return nil
		}
	}
	return fmt.Errorf("must be an https URL (http only on a loopback address), not %q", issuer)
}

// Provider is one OpenID Connect provider as a relying party sees it. Its discovery document
// is read at the first sign-in and kept; its keys are kept and read again when a token names
// a key not among them.
type Provider struct {
	cfg Config

	mu       sync.Mutex
	metadata *metadata
	keys     *keySet
	// refreshing is closed when the keys being fetched have arrived: concurrent sign-ins
	// that meet an unknown key wait for one fetch rather than each making their own.
	refreshing chan struct{}
}

// metadata is the part of the discovery document a relying party uses.
type metadata struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
}

// New returns a provider; nothing is fetched until the first sign-in.
func New(cfg Config) (*Provider, error) {
	if err := ValidateIssuer(cfg.Issuer); err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("client id: must not be empty")
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"email", "profile"}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Provider{cfg: cfg}, nil
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// Error is a refused sign-in: Reason is a short name for the audit log (wrongAudience,
// expiredToken, unknownKey, ...), the message says what was wrong.
type Error struct {
	Reason string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func refused(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// The reasons of refusals that come from the provider rather than from the token.
const (
	// ReasonProviderUnavailable: the provider's discovery document, keys or token endpoint
	// could not be read.
	ReasonProviderUnavailable = "providerUnavailable"
	// ReasonCodeRefused: the token endpoint refused the code (used already, expired, or not
	// this flow's: its PKCE verifier did not match).
	ReasonCodeRefused = "codeRefused"
)

// Flow is one sign-in in progress: what the callback must match (State), what the ID token
// must carry (Nonce), the PKCE secret the code is exchanged with (Verifier) and where the
// provider sends the person back (RedirectURL). It stays on the server; only State and the
// challenge of Verifier go to the browser.
type Flow struct {
	State       string
	Nonce       string
	Verifier    string
	RedirectURL string
}

// NewFlow begins a sign-in that comes back to redirectURL, with fresh random values.
func NewFlow(redirectURL string) Flow {
	return Flow{State: random(), Nonce: random(), Verifier: random(), RedirectURL: redirectURL}
}

// random is 256 random bits, URL-safe: 43 characters, a valid PKCE verifier (RFC 7636 §4.1).
func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Challenge is the S256 PKCE challenge of a verifier (RFC 7636 §4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthURL is where a person goes to sign in at the provider for flow f.
func (p *Provider) AuthURL(ctx context.Context, f Flow) (string, error) {
	m, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {p.cfg.ClientID},
		"redirect_uri":          {f.RedirectURL},
		"scope":                 {strings.Join(append([]string{"openid"}, p.cfg.Scopes...), " ")},
		"state":                 {f.State},
		"nonce":                 {f.Nonce},
		"code_challenge":        {Challenge(f.Verifier)},
		"code_challenge_method": {"S256"},
	}
	sep := "?"
	if strings.Contains(m.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	return m.AuthorizationEndpoint + sep + q.Encode(), nil
}

// discover reads the discovery document once; a failure is tried again at the next sign-in.
func (p *Provider) discover(ctx context.Context) (*metadata, error) {
	p.mu.Lock()
	m := p.metadata
	p.mu.Unlock()
	if m != nil {
		return m, nil
	}
	where := strings.TrimSuffix(p.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	m = &metadata{}
	if err := p.getJSON(ctx, where, m); err != nil {
		return nil, err
	}
	// OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one asked for,
	// or tokens could be taken from a provider impersonating another.
	if m.Issuer != p.cfg.Issuer {
		return nil, refused(ReasonProviderUnavailable, "the provider's discovery document at %s names the issuer %q, not %q", where, m.Issuer, p.cfg.Issuer)
	}
	for name, endpoint := range map[string]string{"authorization_endpoint": m.AuthorizationEndpoint, "token_endpoint": m.TokenEndpoint, "jwks_uri": m.JWKSURI} {
		if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, refused(ReasonProviderUnavailable, "the provider's discovery document at %s has no usable %s (%q)", where, name, endpoint)
		}
	}
	p.mu.Lock()
	p.metadata = m
	p.mu.Unlock()
	return m, nil
}

func (p *Provider) getJSON(ctx context.Context, where string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return refused(ReasonProviderUnavailable, "read %s: %v", where, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return refused(ReasonProviderUnavailable, "read %s: %v", where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return refused(ReasonProviderUnavailable, "read %s: %v", where, err)
	}
	if resp.StatusCode != http.StatusOK {
		return refused(ReasonProviderUnavailable, "read %s: HTTP %d", where, resp.StatusCode)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return refused(ReasonProviderUnavailable, "read %s: %v", where, err)
	}
	return nil
}

// tokenResponse is the token endpoint's answer (RFC 6749 §5.1, §5.2).
type tokenResponse struct {
	IDToken          string `json:"id_token"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// Exchange trades the code the provider sent back for flow f's tokens and returns the
// verified claims of the ID token.
func (p *Provider) Exchange(ctx context.Context, f Flow, code string) (*Claims, error) {
	m, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {f.RedirectURL},
		"code_verifier": {f.Verifier},
	}
	basic := p.cfg.ClientSecret != "" && (len(m.TokenAuthMethods) == 0 || slices.Contains(m.TokenAuthMethods, "client_secret_basic"))
	if !basic {
		// A public client, or a provider that takes the secret only in the form.
		form.Set("client_id", p.cfg.ClientID)
		if p.cfg.ClientSecret != "" {
			form.Set("client_secret", p.cfg.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, refused(ReasonProviderUnavailable, "token endpoint %s: %v", m.TokenEndpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		// RFC 6749 §2.3.1: both are form-encoded before they are put into Basic.
		req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, refused(ReasonProviderUnavailable, "token endpoint %s: %v", m.TokenEndpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, refused(ReasonProviderUnavailable, "token endpoint %s: %v", m.TokenEndpoint, err)
	}
	var tok tokenResponse
	jsonErr := json.Unmarshal(body, &tok)
	if resp.StatusCode != http.StatusOK {
		if jsonErr == nil && tok.Error != "" {
			reason := ReasonProviderUnavailable
			if tok.Error == "invalid_grant" {
				reason = ReasonCodeRefused
			}
			msg := tok.Error
			if tok.ErrorDescription != "" {
				msg += ": " + tok.ErrorDescription
			}
			return nil, refused(reason, "the provider refused the sign-in code: %s", msg)
		}
		return nil, refused(ReasonProviderUnavailable, "token endpoint %s: HTTP %d", m.TokenEndpoint, resp.StatusCode)
	}
	if jsonErr != nil {
		return nil, refused(ReasonProviderUnavailable, "token endpoint %s: %v", m.TokenEndpoint, jsonErr)
	}
	if tok.IDToken == "" {
		return nil, refused(ReasonProviderUnavailable, "the token endpoint %s answered without an id_token (is the scope openid granted?)", m.TokenEndpoint)
	}
	return p.Verify(ctx, tok.IDToken, f.Nonce)
}
