package oidc_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/oidc"
	"github.com/stepflow/stepflow/internal/oidc/oidctest"
)

// authorize sends a person through the provider's authorization endpoint for flow f, as a
// browser would, and returns the code it redirected back with.
func authorize(t *testing.T, p *oidc.Provider, f oidc.Flow) string {
	t.Helper()
	where, err := p.AuthURL(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(where)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.HasPrefix(back.String(), f.RedirectURL+"?") || back.Query().Get("state") != f.State {
		t.Fatalf("redirected to %s, want %s with state %s", back, f.RedirectURL, f.State)
	}
	return back.Query().Get("code")
}

func newRelyingParty(t *testing.T, idp *oidctest.Provider) *oidc.Provider {
	t.Helper()
	p, err := oidc.New(oidc.Config{Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const redirectURL = "http://127.0.0.1:8083/ui/login/oidc/callback"

func TestSignInAndKeyRotation(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			idp := oidctest.New(t, alg)
			idp.SignInAs(map[string]any{"sub": "248289761001", "email": "alice@example.com", "groups": []string{"ops"}})
			rp := newRelyingParty(t, idp)
			f := oidc.NewFlow(redirectURL)
			claims, err := rp.Exchange(context.Background(), f, authorize(t, rp, f))
			if err != nil {
				t.Fatal(err)
			}
			if claims.Subject != "248289761001" || claims.All["email"] != "alice@example.com" || claims.Issuer != idp.Issuer {
				t.Fatalf("claims = %+v", claims)
			}
			// A second sign-in uses the keys already read.
			f = oidc.NewFlow(redirectURL)
			if _, err := rp.Exchange(context.Background(), f, authorize(t, rp, f)); err != nil {
				t.Fatal(err)
			}
			if n := idp.KeyReads(); n != 1 {
				t.Fatalf("keys read %d times, want 1", n)
			}
			// The provider rotates its key: the new kid is unknown, so the keys are read again.
			idp.Rotate(oidctest.NewKey(t, alg, "key-2"))
			f = oidc.NewFlow(redirectURL)
			if _, err := rp.Exchange(context.Background(), f, authorize(t, rp, f)); err != nil {
				t.Fatalf("after rotation: %v", err)
			}
			if n := idp.KeyReads(); n != 2 {
				t.Fatalf("keys read %d times after rotation, want 2", n)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "RS256")
	idp.SignInAs(map[string]any{"sub": "alice"})
	rp := newRelyingParty(t, idp)
	stranger := oidctest.NewKey(t, "RS256", "key-1") // the published kid, another key
	unpublished := oidctest.NewKey(t, "RS256", "key-9")
	ecKey := oidctest.NewKey(t, "ES256", "key-1")
	for _, tc := range []struct {
		name    string
		bend    func(claims, header map[string]any)
		signer  *oidctest.Key
		nonce   string // "" means the flow's
		reason  string
		message string
	}{
		{name: "wrong audience", bend: func(c, h map[string]any) { c["aud"] = "another-app" },
			reason: oidc.ReasonWrongAudience, message: "the ID token is for [another-app], not for this client (stepflow-ui)"},
		{name: "several audiences without azp", bend: func(c, h map[string]any) { c["aud"] = []string{"stepflow-ui", "another-app"} },
			reason: oidc.ReasonWrongAudience, message: `the ID token was issued to "", not to this client (stepflow-ui)`},
		{name: "authorized party another", bend: func(c, h map[string]any) { c["azp"] = "another-app" },
			reason: oidc.ReasonWrongAudience, message: `the ID token was issued to "another-app", not to this client (stepflow-ui)`},
		{name: "expired", bend: func(c, h map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() },
			reason: oidc.ReasonExpiredToken, message: "the ID token expired at "},
		{name: "issued in the future", bend: func(c, h map[string]any) { c["iat"] = time.Now().Add(10 * time.Minute).Unix() },
			reason: oidc.ReasonTokenFromFuture, message: "the ID token was issued at "},
		{name: "wrong issuer", bend: func(c, h map[string]any) { c["iss"] = "https://evil.example.com" },
			reason: oidc.ReasonWrongIssuer, message: `the ID token was issued by "https://evil.example.com", not "` + idp.Issuer + `"`},
		{name: "wrong nonce", nonce: "another-nonce",
			reason: oidc.ReasonWrongNonce, message: "the ID token's nonce is not this sign-in's"},
		{name: "no subject", bend: func(c, h map[string]any) { delete(c, "sub") },
			reason: oidc.ReasonMalformedToken, message: "the ID token has no subject (sub)"},
		{name: "bad signature", signer: stranger,
			reason: oidc.ReasonBadSignature, message: `the ID token's signature is not the provider's (key "key-1")`},
		{name: "unknown kid", signer: unpublished,
			reason: oidc.ReasonUnknownKey, message: `the ID token is signed with key "key-9" (RS256), which is not among the provider's keys at ` + idp.URL + "/jwks"},
		{name: "algorithm of another kind of key", signer: ecKey,
			reason: oidc.ReasonUnknownKey, message: `the ID token is signed with key "key-1" (ES256), which is not among the provider's keys`},
		{name: "HMAC", bend: func(c, h map[string]any) { h["alg"] = "HS256" },
			reason: oidc.ReasonUnsupportedAlgorithm, message: `the ID token is signed with "HS256": only RS256, RS384, RS512, ES256, ES384 and ES512 are accepted`},
		{name: "none", bend: func(c, h map[string]any) { h["alg"] = "none" },
			reason: oidc.ReasonUnsupportedAlgorithm, message: `the ID token is signed with "none"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The provider is shared: the cases take turns.
			idp.Bend(tc.bend)
			if tc.signer != nil {
				idp.SignWith(tc.signer)
			}
			f := oidc.NewFlow(redirectURL)
			code := authorize(t, rp, f)
			if tc.nonce != "" {
				f.Nonce = tc.nonce
			}
			_, err := rp.Exchange(context.Background(), f, code) // the provider signs here
			idp.Bend(nil)
			idp.SignWith(idp.Published())
			var refusal *oidc.Error
			if !errors.As(err, &refusal) || refusal.Reason != tc.reason || !strings.HasPrefix(refusal.Msg, tc.message) {
				t.Fatalf("err = %#v, want reason %s and message %q", err, tc.reason, tc.message)
			}
		})
	}
}

func TestCodeTakenOnce(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "ES256")
	idp.SignInAs(map[string]any{"sub": "alice"})
	rp := newRelyingParty(t, idp)
	f := oidc.NewFlow(redirectURL)
	code := authorize(t, rp, f)
	if _, err := rp.Exchange(context.Background(), f, code); err != nil {
		t.Fatal(err)
	}
	var refusal *oidc.Error
	_, err := rp.Exchange(context.Background(), f, code)
	if !errors.As(err, &refusal) || refusal.Reason != oidc.ReasonCodeRefused || refusal.Msg != "the provider refused the sign-in code: invalid_grant: code already used" {
		t.Fatalf("replayed code: %#v", err)
	}
	// A code is bound to its flow's PKCE verifier: another flow cannot spend it.
	code = authorize(t, rp, f)
	other := oidc.NewFlow(redirectURL)
	_, err = rp.Exchange(context.Background(), other, code)
	if !errors.As(err, &refusal) || refusal.Msg != "the provider refused the sign-in code: invalid_grant: PKCE verification failed" {
		t.Fatalf("code of another flow: %#v", err)
	}
}

func TestClientSecretInForm(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "RS256")
	idp.AuthMethods("client_secret_post")
	idp.SignInAs(map[string]any{"sub": "alice"})
	rp := newRelyingParty(t, idp)
	f := oidc.NewFlow(redirectURL)
	if _, err := rp.Exchange(context.Background(), f, authorize(t, rp, f)); err != nil {
		t.Fatal(err)
	}
	wrong, _ := oidc.New(oidc.Config{Issuer: idp.Issuer, ClientID: idp.ClientID, ClientSecret: "not-it"})
	f = oidc.NewFlow(redirectURL)
	_, err := wrong.Exchange(context.Background(), f, authorize(t, wrong, f))
	var refusal *oidc.Error
	if !errors.As(err, &refusal) || refusal.Reason != oidc.ReasonProviderUnavailable || refusal.Msg != "the provider refused the sign-in code: invalid_client: client authentication failed" {
		t.Fatalf("wrong secret: %#v", err)
	}
}

func TestDiscoveryIssuerMismatch(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "RS256")
	rp, err := oidc.New(oidc.Config{Issuer: idp.Issuer + "/", ClientID: idp.ClientID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rp.AuthURL(context.Background(), oidc.NewFlow(redirectURL))
	want := `the provider's discovery document at ` + idp.Issuer + `/.well-known/openid-configuration names the issuer "` + idp.Issuer + `", not "` + idp.Issuer + `/"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestValidateIssuer(t *testing.T) {
	t.Parallel()
	for issuer, want := range map[string]string{
		"https://accounts.google.com":       "",
		"http://127.0.0.1:9000/realms/acme": "",
		"http://localhost:8080":             "",
		"http://keycloak.example.com":       `must be an https URL (http only on a loopback address), not "http://keycloak.example.com"`,
		"https://idp.example.com/?tenant=1": `must have no query or fragment: "https://idp.example.com/?tenant=1"`,
		"accounts.google.com":               `must be an https URL, not "accounts.google.com"`,
	} {
		err := oidc.ValidateIssuer(issuer)
		if (err == nil) != (want == "") || (err != nil && err.Error() != want) {
			t.Errorf("ValidateIssuer(%q) = %v, want %q", issuer, err, want)
		}
	}
}

// toTestProvider sends requests for another host to a test provider, to stand in for a
// provider whose issuer is a real https URL.
type toTestProvider struct{ idp *oidctest.Provider }

func (t toTestProvider) RoundTrip(r *http.Request) (*http.Response, error) {
	u, _ := url.Parse(t.idp.URL)
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, u.Host
	return http.DefaultTransport.RoundTrip(r)
}

// Google writes iss as https://accounts.google.com or, for older clients, accounts.google.com;
// both are accepted for that issuer, and only for it.
func TestGoogleLegacyIssuer(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "RS256")
	idp.Issuer = "https://accounts.google.com" // before any request reads it
	idp.SignInAs(map[string]any{"sub": "1234", "hd": "example.com"})
	rp, err := oidc.New(oidc.Config{Issuer: "https://accounts.google.com", ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
		HTTPClient: &http.Client{Transport: toTestProvider{idp}}})
	if err != nil {
		t.Fatal(err)
	}
	for iss, want := range map[string]string{
		"https://accounts.google.com": "",
		"accounts.google.com":         "",
		"accounts.google.com/":        `the ID token was issued by "accounts.google.com/", not "https://accounts.google.com"`,
	} {
		idp.Bend(func(c, h map[string]any) { c["iss"] = iss })
		f := oidc.NewFlow(redirectURL)
		_, err := rp.Exchange(context.Background(), f, authorize(t, rp, f))
		if (err == nil) != (want == "") || (err != nil && err.Error() != want) {
			t.Errorf("iss %q: %v, want %q", iss, err, want)
		}
	}
}

// Sign-ins that meet a rotated key at once read the provider's keys once between them.
func TestKeyRotationReadOnce(t *testing.T) {
	t.Parallel()
	idp := oidctest.New(t, "ES256")
	idp.SignInAs(map[string]any{"sub": "alice"})
	rp := newRelyingParty(t, idp)
	f := oidc.NewFlow(redirectURL)
	if _, err := rp.Exchange(context.Background(), f, authorize(t, rp, f)); err != nil {
		t.Fatal(err)
	}
	idp.Rotate(oidctest.NewKey(t, "ES256", "key-2"))
	const n = 8
	flows, codes := make([]oidc.Flow, n), make([]string, n)
	for i := range flows {
		flows[i] = oidc.NewFlow(redirectURL)
		codes[i] = authorize(t, rp, flows[i])
	}
	errs := make(chan error, n)
	for i := range flows {
		go func() {
			_, err := rp.Exchange(context.Background(), flows[i], codes[i])
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := idp.KeyReads(); got != 2 {
		t.Fatalf("keys read %d times, want 2: once at first, once after the rotation", got)
	}
}
