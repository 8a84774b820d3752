// Package oidctest is an OpenID Connect provider for tests, served over real HTTP: discovery,
// an authorization endpoint that signs in whoever the test says and redirects back with a
// code, a token endpoint that checks the client's secret, the redirect URI and PKCE and takes
// each code once, and a key set the test can rotate. Its ID tokens are signed with real RSA
// and ECDSA keys; the test can bend them (another audience, an expired token, a key the
// provider does not publish) to see them refused.
package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Key is a signing key of the provider.
type Key struct {
	Kid string
	Alg string // RS256 or ES256
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

// NewKey makes a fresh key: RS256 (2048-bit RSA) or ES256 (P-256).
func NewKey(t testing.TB, alg, kid string) *Key {
	t.Helper()
	k := &Key{Kid: kid, Alg: alg}
	var err error
	switch alg {
	case "RS256":
		k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("oidctest: no key for %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwk is the public half as a JSON Web Key.
func (k *Key) jwk() map[string]any {
	if k.rsa != nil {
		return map[string]any{"kty": "RSA", "kid": k.Kid, "use": "sig", "alg": k.Alg,
			"n": b64(k.rsa.N.Bytes()), "e": b64(big.NewInt(int64(k.rsa.E)).Bytes())}
	}
	pub, _ := k.ec.PublicKey.Bytes() // 0x04 || X || Y
	return map[string]any{"kty": "EC", "kid": k.Kid, "use": "sig", "alg": k.Alg, "crv": "P-256",
		"x": b64(pub[1:33]), "y": b64(pub[33:])}
}

// Sign makes a JWS of claims with this key; header entries are added to (or replace) the
// key's alg and kid.
func (k *Key) Sign(claims map[string]any, header map[string]any) string {
	h := map[string]any{"alg": k.Alg, "kid": k.Kid, "typ": "JWT"}
	maps.Copy(h, header)
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(claims)
	signed := b64(hb) + "." + b64(cb)
	sum := sha256.Sum256([]byte(signed))
	var sig []byte
	if k.rsa != nil {
		sig, _ = rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, sum[:])
	} else {
		r, s, _ := ecdsa.Sign(rand.Reader, k.ec, sum[:])
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	return signed + "." + b64(sig)
}

// Provider is the test's OpenID Connect provider.
type Provider struct {
	*httptest.Server
	Issuer       string
	ClientID     string
	ClientSecret string

	mu        sync.Mutex
	published []*Key
	signer    *Key
	person    map[string]any
	bend      func(claims, header map[string]any)
	codes     map[string]*grant
	keyReads  int
	tokenAuth []string
	approve   bool
}

type grant struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	claims      map[string]any
	used        bool
}

// New starts a provider with one published key of alg, for the client "stepflow-ui" with
// the secret "client-secret". Nobody is signed in at it until SignInAs.
func New(t testing.TB, alg string) *Provider {
	t.Helper()
	p := &Provider{ClientID: "stepflow-ui", ClientSecret: "client-secret", codes: map[string]*grant{}}
	key := NewKey(t, alg, "key-1")
	p.published, p.signer = []*Key{key}, key
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /jwks", p.jwks)
	p.Server = httptest.NewServer(mux)
	p.Issuer = p.URL
	t.Cleanup(p.Close)
	return p
}

// SignInAs makes the authorization endpoint sign in a person with these claims (sub,
// email, groups, ...) from now on, as if they had typed their password at the provider.
func (p *Provider) SignInAs(claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.person = claims
}

// Bend changes every ID token issued from now on: its claims and its header, after the
// provider filled them. nil stops bending.
func (p *Provider) Bend(f func(claims, header map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bend = f
}

// AskToApprove makes the authorization endpoint show a page with an Approve button (id
// approve) that a browser must press, as a provider's sign-in or consent page does: the way
// back to the client is then a navigation the provider's page began.
func (p *Provider) AskToApprove(ask bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.approve = ask
}

// SignWith signs the ID tokens issued from now on with k, published or not.
func (p *Provider) SignWith(k *Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signer = k
}

// Rotate publishes k in place of the keys published so far and signs with it from now on,
// as a provider rotates its keys.
func (p *Provider) Rotate(k *Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published, p.signer = []*Key{k}, k
}

// Published is the key the provider publishes (the latest, after Rotate).
func (p *Provider) Published() *Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.published[len(p.published)-1]
}

// SetClientSecret changes the secret the token endpoint wants ("" for a public client).
func (p *Provider) SetClientSecret(secret string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ClientSecret = secret
}

// KeyReads is how many times the key set was read.
func (p *Provider) KeyReads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keyReads
}

// AuthMethods sets the token_endpoint_auth_methods_supported the provider announces
// (default: none announced, which means client_secret_basic).
func (p *Provider) AuthMethods(methods ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokenAuth = methods
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	doc := map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"jwks_uri":                              p.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"code_challenge_methods_supported":      []string{"S256"},
	}
	if p.tokenAuth != nil {
		doc["token_endpoint_auth_methods_supported"] = p.tokenAuth
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, doc)
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.keyReads++
	var keys []map[string]any
	for _, k := range p.published {
		keys = append(keys, k.jwk())
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

var approvePage = template.Must(template.New("approve").Parse(`<!doctype html><html><body>
<form method="post" action="/authorize">{{range $k, $v := .}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}
<button type="submit" id="approve">Approve</button></form></body></html>`))

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := r.Form
	p.mu.Lock()
	ask := p.approve
	p.mu.Unlock()
	if ask && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		approvePage.Execute(w, q)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	switch {
	case q.Get("client_id") != p.ClientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code", q.Get("code_challenge_method") != "S256", q.Get("code_challenge") == "",
		q.Get("state") == "", q.Get("nonce") == "":
		http.Error(w, "the authorization request lacks response_type=code, PKCE S256, state or nonce", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	person := p.person
	code := fmt.Sprintf("code-%d-%s", len(p.codes), b64(randomBytes()))
	if person != nil {
		p.codes[code] = &grant{clientID: p.ClientID, redirectURI: redirect.String(), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), claims: maps.Clone(person)}
	}
	p.mu.Unlock()
	back := redirect.Query()
	if person == nil {
		back.Set("error", "access_denied")
		back.Set("error_description", "The person declined to sign in.")
	} else {
		back.Set("code", code)
	}
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func randomBytes() []byte {
	b := make([]byte, 12)
	rand.Read(b)
	return b
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.mu.Lock()
	wantID, wantSecret := p.ClientID, p.ClientSecret
	p.mu.Unlock()
	if id != wantID || secret != wantSecret {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.codes[r.PostForm.Get("code")]
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case g == nil:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown code")
		return
	case g.used:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "code already used")
		return
	case g.redirectURI != r.PostForm.Get("redirect_uri"):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
		return
	case b64(sum[:]) != g.challenge:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	g.used = true
	now := time.Now()
	claims := map[string]any{"iss": p.Issuer, "aud": p.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce}
	maps.Copy(claims, g.claims)
	header := map[string]any{}
	if p.bend != nil {
		p.bend(claims, header)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": b64(randomBytes()), "token_type": "Bearer", "expires_in": 300,
		"id_token": p.signer.Sign(claims, header),
	})
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
