package ui

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/internal/oidc"
)

// OIDC configures sign-in through an OpenID Connect provider, offered beside the access keys
// as a "Sign in with NAME" button.
type OIDC struct {
	Provider *oidc.Provider
	// Name is the provider's name on the button ("Keycloak", "Google").
	Name string
	// RedirectURL is this UI's callback as registered with the provider
	// (https://stepflow.example.com/ui/login/oidc/callback); "" derives it from each request's
	// Host, which suits a server reached by one name only.
	RedirectURL string
	// Rules admit people and name the principal each acts as: the first that matches wins,
	// and a person no rule matches is refused.
	Rules []oidc.Rule
	// PrincipalARN turns a rule's "user/NAME" or "role/NAME" into the principal's ARN; nil
	// when rules name no principal (--auth sigv4).
	PrincipalARN func(kindAndName string) string
}

// IdentityAuthority is what an Authority also does for sign-in through a provider: api.Server.
type IdentityAuthority interface {
	// SignInIdentity checks that an identity's principal exists and audits the sign-in.
	SignInIdentity(ctx context.Context, r *http.Request, id api.Identity) error
	// AuditIdentitySignIn audits a sign-in refused before it reached SignInIdentity.
	AuditIdentitySignIn(r *http.Request, id api.Identity, reason string)
	// ActAsIdentity is ActAs for a person signed in through the provider; a principal
	// deleted since is api.ErrNoSuchPrincipal.
	ActAsIdentity(ctx context.Context, r *http.Request, id api.Identity) (context.Context, error)
}

// A sign-in at the provider must come back within pendingSignInTimeout; at most
// maxPendingSignIns are awaited at once (beyond that, the oldest is forgotten).
const (
	pendingSignInTimeout = 10 * time.Minute
	maxPendingSignIns    = 10000
)

// oidcCookie binds a sign-in begun in a browser to that browser: the callback is accepted only
// with it, so a link to the callback with someone else's code signs nobody in (login CSRF). It
// is SameSite=Lax, as the provider's redirect back is a navigation from another site.
const oidcCookie = "stepflow_oidc"

const (
	oidcStartPath    = Prefix + "login/oidc"
	oidcCallbackPath = Prefix + "login/oidc/callback"
)

type pendingSignIn struct {
	flow    oidc.Flow
	browser string // the oidcCookie value of the browser that began it
	next    string
	began   time.Time
}

type oidcLogin struct {
	OIDC
	authority IdentityAuthority
	now       func() time.Time

	mu      sync.Mutex
	pending map[string]*pendingSignIn // by state
}

func newOIDCLogin(cfg OIDC, authority Authority, now func() time.Time) *oidcLogin {
	ia, ok := authority.(IdentityAuthority)
	if !ok {
		panic("ui: WithLogin: the Authority cannot sign in through an OpenID Connect provider (it is not an IdentityAuthority)")
	}
	return &oidcLogin{OIDC: cfg, authority: ia, now: now, pending: map[string]*pendingSignIn{}}
}

func (l *login) secureCookie(r *http.Request) bool { return l.SecureCookie || r.TLS != nil }

// oidcStart sends the browser to the provider with a new flow.
func (l *login) oidcStart(w http.ResponseWriter, r *http.Request) {
	o := l.oidc
	next := safeNext(r.URL.Query().Get("next"))
	redirectURL := o.RedirectURL
	if redirectURL == "" {
		scheme := "http"
		if l.secureCookie(r) {
			scheme = "https"
		}
		redirectURL = scheme + "://" + r.Host + oidcCallbackPath
	}
	flow := oidc.NewFlow(redirectURL)
	where, err := o.Provider.AuthURL(r.Context(), flow)
	if err != nil {
		slog.Error("ui: OpenID Connect provider", "issuer", o.Provider.Issuer(), "err", err)
		l.renderLogin(w, http.StatusBadGateway, loginPage{Next: next, Message: "The sign-in provider could not be reached: " + err.Error()})
		return
	}
	browser := ""
	if c, err := r.Cookie(oidcCookie); err == nil && len(c.Value) == 43 {
		browser = c.Value // kept, so that sign-ins begun in two tabs both come back
	} else {
		browser = randomToken()
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: browser, Path: oidcStartPath, MaxAge: int(pendingSignInTimeout.Seconds()),
		HttpOnly: true, Secure: l.secureCookie(r), SameSite: http.SameSiteLaxMode})
	o.mu.Lock()
	now := o.now()
	for state, p := range o.pending {
		if now.Sub(p.began) > pendingSignInTimeout {
			delete(o.pending, state)
		}
	}
	if len(o.pending) >= maxPendingSignIns {
		var oldest string
		for state, p := range o.pending {
			if oldest == "" || p.began.Before(o.pending[oldest].began) {
				oldest = state
			}
		}
		delete(o.pending, oldest)
	}
	o.pending[flow.State] = &pendingSignIn{flow: flow, browser: browser, next: next, began: now}
	o.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, where, http.StatusFound)
}

// take removes and returns the sign-in a callback's state names, if this browser began it
// and it has not expired. Taking it makes the callback's URL good for one use only.
func (o *oidcLogin) take(state, browser string) *pendingSignIn {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := o.pending[state]
	if p == nil {
		return nil
	}
	delete(o.pending, state)
	if p.browser != browser || o.now().Sub(p.began) > pendingSignInTimeout {
		return nil
	}
	return p
}

// oidcCallback finishes a sign-in: the provider sent the browser back with a code.
func (l *login) oidcCallback(w http.ResponseWriter, r *http.Request) {
	o := l.oidc
	q := r.URL.Query()
	id := api.Identity{Provider: o.Provider.Issuer()}
	refuse := func(status int, reason, msg string) {
		o.authority.AuditIdentitySignIn(r, id, reason)
		l.renderLogin(w, status, loginPage{Next: Prefix, Message: msg})
	}
	browser := ""
	if c, err := r.Cookie(oidcCookie); err == nil {
		browser = c.Value
	}
	pending := o.take(q.Get("state"), browser)
	if pending == nil {
		refuse(http.StatusBadRequest, "badState", "This sign-in is not one this browser began, has expired, or was finished already. Sign in again.")
		return
	}
	if e := q.Get("error"); e != "" {
		msg := e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		refuse(http.StatusUnauthorized, "providerRefused", "The provider did not sign you in ("+msg+").")
		return
	}
	if q.Get("code") == "" {
		refuse(http.StatusBadRequest, "malformedCallback", "The provider sent you back without a sign-in code. Sign in again.")
		return
	}
	claims, err := o.Provider.Exchange(r.Context(), pending.flow, q.Get("code"))
	var refusal *oidc.Error
	switch {
	case errors.As(err, &refusal) && refusal.Reason == oidc.ReasonProviderUnavailable:
		slog.Error("ui: OpenID Connect sign-in", "issuer", id.Provider, "err", err)
		refuse(http.StatusBadGateway, refusal.Reason, "The sign-in provider could not be asked: "+refusal.Msg)
		return
	case errors.As(err, &refusal):
		refuse(http.StatusUnauthorized, refusal.Reason, "The provider's answer was refused: "+refusal.Msg+".")
		return
	case err != nil:
		slog.Error("ui: OpenID Connect sign-in", "issuer", id.Provider, "err", err)
		refuse(http.StatusBadGateway, oidc.ReasonProviderUnavailable, "The sign-in provider could not be asked. Try again.")
		return
	}
	id.Subject = claims.Subject
	principal, _, ok := oidc.Match(o.Rules, claims.All)
	if !ok {
		refuse(http.StatusForbidden, "unmappedIdentity", "You ("+displayName(claims)+") signed in at the provider, but are not allowed into Stepflow: no rule of the server's --oidc-principal admits you.")
		return
	}
	display := displayName(claims)
	if o.PrincipalARN != nil && principal != "" {
		id.Principal = o.PrincipalARN(principal)
		display = id.Principal
	}
	switch err := o.authority.SignInIdentity(r.Context(), r, id); {
	case errors.Is(err, api.ErrNoSuchPrincipal):
		l.renderLogin(w, http.StatusForbidden, loginPage{Next: Prefix, Message: "You (" + displayName(claims) + ") are to act as " + principal + ", which does not exist on this server. Ask its administrator."})
		return
	case err != nil:
		slog.Error("ui: OpenID Connect sign-in", "issuer", id.Provider, "subject", id.Subject, "err", err)
		l.renderLogin(w, http.StatusInternalServerError, loginPage{Next: Prefix, Message: "Signing in failed: the server could not check your principal. Try again."})
		return
	}
	if old := cookieValue(r); old != "" {
		l.sessions.end(old)
	}
	sess := l.sessions.start("", display)
	l.sessions.setIdentity(sess.id, &id)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.id, Path: Prefix, HttpOnly: true,
		Secure: l.secureCookie(r), SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: oidcStartPath, MaxAge: -1, HttpOnly: true,
		Secure: l.secureCookie(r), SameSite: http.SameSiteLaxMode})
	// The browser arrived here from the provider's site: a redirect would carry on that
	// cross-site navigation, on which it does not send the SameSite=Strict session cookie.
	// A page of this site that moves on by itself starts a same-site navigation.
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if err := signedInTemplate.Execute(w, pending.next); err != nil {
		slog.Error("ui: render signed-in page", "err", err)
	}
}

var signedInTemplate = template.Must(template.New("signed-in").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={{.}}">
<title>Signed in · Stepflow</title><link rel="stylesheet" href="/ui/assets/ui.css"></head>
<body><main class="page"><p>Signed in. <a id="continue" href="{{.}}">Continue</a></p></main></body></html>
`))

// displayName is how a person is named to themselves: their email, username or subject.
func displayName(c *oidc.Claims) string {
	for _, claim := range []string{"email", "preferred_username"} {
		if s, ok := c.All[claim].(string); ok && s != "" {
			return s
		}
	}
	return c.Subject
}

// actAs puts a session's principal into a request's context: its access key's, or the
// principal its identity is mapped to.
func (l *login) actAs(r *http.Request, sess *session) (context.Context, error) {
	if sess.identity != nil {
		if l.oidc == nil {
			return nil, api.ErrSignInRefused
		}
		ctx, err := l.oidc.authority.ActAsIdentity(r.Context(), r, *sess.identity)
		if errors.Is(err, api.ErrNoSuchPrincipal) {
			return nil, api.ErrSignInRefused
		}
		return ctx, err
	}
	return l.Authority.ActAs(r.Context(), r, sess.keyID)
}
