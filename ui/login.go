package ui

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/api"
)

// Authority signs people in to the UI and checks what they do, with the keys and policies
// the API uses: api.Server under --auth sigv4 or iam.
type Authority interface {
	// SignIn checks an access key id and its secret and names the key's principal; a wrong
	// pair is api.ErrSignInRefused.
	SignIn(ctx context.Context, r *http.Request, accessKeyID, secret string) (principal string, err error)
	// ActAs returns a context in which the API's actions (Operations.Call) and Authorize act
	// as the key's principal as it is now; a key that stopped working is api.ErrSignInRefused.
	ActAs(ctx context.Context, r *http.Request, accessKeyID string) (context.Context, error)
	// Authorize checks an action ("states:StopExecution") with its input, as the API would
	// check a call of it, and audits it; a denial is AWS's AccessDeniedException.
	Authorize(ctx context.Context, action string, input map[string]any) error
	// Permits is Authorize without the audit log, to show only the buttons a person may use.
	Permits(ctx context.Context, action string, input map[string]any) (bool, error)
}

// Login configures the UI's sign-in.
type Login struct {
	Authority Authority
	// SecureCookie marks the session cookie Secure even on a request that did not come over
	// TLS to this server (TLS ended at a proxy in front of it). Requests over TLS always get it.
	SecureCookie bool
	// Now is the clock of session expiry; nil means time.Now.
	Now func() time.Time
	// OIDC, when set, offers sign-in through an OpenID Connect provider too (login_oidc.go);
	// the Authority must then be an IdentityAuthority.
	OIDC *OIDC
}

// WithLogin makes the UI ask for an access key id and secret before anything else, keep the
// person signed in with a session cookie, demand the session's CSRF token on every request
// that changes something, and perform every page and action as the signed-in principal.
func WithLogin(l Login) Option {
	return func(s *server) {
		now := l.Now
		if now == nil {
			now = time.Now
		}
		s.login = &login{Login: l, sessions: newSessions(now), failures: map[string][]time.Time{}, now: now}
		if l.OIDC != nil {
			s.login.oidc = newOIDCLogin(*l.OIDC, l.Authority, now)
		}
	}
}

// Sign-in attempts that fail are slowed and, from one address, limited: each failure is
// answered after failedSignInDelay, and an address with maxFailedSignIns failures within
// failedSignInWindow is refused until the oldest of them leaves the window.
const (
	failedSignInDelay  = time.Second
	maxFailedSignIns   = 10
	failedSignInWindow = 5 * time.Minute
)

// csrfHeader carries the session's CSRF token on the UI's JSON actions; forms send it as the
// field csrfField.
const (
	csrfHeader = "X-CSRF-Token"
	csrfField  = "csrf_token"
)

type login struct {
	Login
	sessions *sessions
	now      func() time.Time
	oidc     *oidcLogin // nil without a provider

	mu       sync.Mutex
	failures map[string][]time.Time // by source IP
}

var loginTemplate = template.Must(template.ParseFS(templateFS, "templates/login.html"))

// gate puts sign-in, the CSRF check and the access rules in front of the UI's routes.
func (l *login) gate(s *server, next http.Handler) http.Handler {
	routes := http.NewServeMux()
	routes.HandleFunc("GET /ui/login", l.loginPage)
	routes.HandleFunc("POST /ui/login", l.signIn)
	if l.oidc != nil {
		routes.HandleFunc("GET "+oidcStartPath, l.oidcStart)
		routes.HandleFunc("GET "+oidcCallbackPath, l.oidcCallback)
	}
	routes.Handle("GET /ui/assets/", next)
	routes.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		l.serveSignedIn(s, next, w, r)
	})
	return routes
}

type loginPage struct {
	Next    string
	KeyID   string
	Message string
	// Provider names the OpenID Connect provider of the "Sign in with" link, and
	// ProviderURL begins a sign-in there (a link, not a form: the pages' Content-Security-
	// Policy lets forms send only to this site, and the sign-in goes on to the provider's).
	Provider    string
	ProviderURL string
}

func (l *login) loginPage(w http.ResponseWriter, r *http.Request) {
	if sess := l.sessions.get(cookieValue(r)); sess != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	l.renderLogin(w, http.StatusOK, loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

func (l *login) renderLogin(w http.ResponseWriter, status int, page loginPage) {
	if l.oidc != nil {
		page.Provider, page.ProviderURL = l.oidc.Name, oidcStartPath+"?next="+url.QueryEscape(page.Next)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := loginTemplate.Execute(w, page); err != nil {
		slog.Error("ui: render login page", "err", err)
	}
}

// safeNext keeps a redirect after sign-in inside the UI.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix
	}
	return next
}

func (l *login) signIn(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		// Signing a person in to someone else's key is an attack of its own (login CSRF).
		l.renderLogin(w, http.StatusForbidden, loginPage{Next: Prefix, Message: "Sign-in from another site is refused."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		l.renderLogin(w, http.StatusBadRequest, loginPage{Next: Prefix, Message: "The sign-in form could not be read."})
		return
	}
	keyID := strings.TrimSpace(r.PostForm.Get("access_key_id"))
	secret := r.PostForm.Get("secret_access_key")
	next := safeNext(r.PostForm.Get("next"))
	ip := sourceIP(r)
	if wait := l.lockedOut(ip); wait > 0 {
		w.Header().Set("Retry-After", formatSeconds(wait))
		l.renderLogin(w, http.StatusTooManyRequests, loginPage{Next: next, KeyID: keyID,
			Message: "Too many failed sign-ins from your address. Try again in " + wait.Round(time.Second).String() + "."})
		return
	}
	if keyID == "" || secret == "" {
		l.renderLogin(w, http.StatusBadRequest, loginPage{Next: next, KeyID: keyID, Message: "Enter an access key ID and its secret access key."})
		return
	}
	principal, err := l.Authority.SignIn(r.Context(), r, keyID, secret)
	if err != nil {
		if !errors.Is(err, api.ErrSignInRefused) {
			slog.Error("ui: sign-in failed", "access_key", keyID, "err", err)
			l.renderLogin(w, http.StatusInternalServerError, loginPage{Next: next, KeyID: keyID, Message: "Signing in failed: the server could not check the key. Try again."})
			return
		}
		l.failed(ip)
		// A fixed delay makes guessing slow without telling a wrong secret from an unknown key.
		select {
		case <-time.After(failedSignInDelay):
		case <-r.Context().Done():
			return
		}
		l.renderLogin(w, http.StatusUnauthorized, loginPage{Next: next, KeyID: keyID,
			Message: "The access key ID or the secret access key is not right, or the key is not active."})
		return
	}
	if old := cookieValue(r); old != "" {
		// Signing in again replaces the session the browser had.
		l.sessions.end(old)
	}
	sess := l.sessions.start(keyID, principal)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.id, Path: Prefix, HttpOnly: true,
		Secure: l.SecureCookie || r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// formatSeconds is a Retry-After value: whole seconds, rounded up.
func formatSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}

// failed notes a failed sign-in from ip.
func (l *login) failed(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.failures[ip] = append(recent(l.failures[ip], now), now)
	if len(l.failures) > maxSessions {
		// Forget addresses whose failures are all old, so the map stays bounded.
		for addr, times := range l.failures {
			if len(recent(times, now)) == 0 {
				delete(l.failures, addr)
			}
		}
	}
}

// lockedOut is how long ip must wait before it may try again, 0 if it may now.
func (l *login) lockedOut(ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	times := recent(l.failures[ip], now)
	l.failures[ip] = times
	if len(times) == 0 {
		delete(l.failures, ip)
	}
	if len(times) < maxFailedSignIns {
		return 0
	}
	return times[len(times)-maxFailedSignIns].Add(failedSignInWindow).Sub(now)
}

// recent keeps the failure times within the window.
func recent(times []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(times) && now.Sub(times[i]) >= failedSignInWindow {
		i++
	}
	return times[i:]
}

func sourceIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func cookieValue(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// serveSignedIn serves a request of a signed-in person as their principal; anyone else is
// sent to the login page (pages) or answered 401 (JSON).
func (l *login) serveSignedIn(s *server, next http.Handler, w http.ResponseWriter, r *http.Request) {
	sess := l.sessions.get(cookieValue(r))
	if sess == nil {
		l.notSignedIn(w, r, "Sign in first.")
		return
	}
	ctx, err := l.actAs(r, sess)
	if errors.Is(err, api.ErrSignInRefused) {
		l.sessions.end(sess.id)
		msg := "Your access key is no longer active: sign in again."
		if sess.identity != nil {
			msg = "The IAM user or role you acted as no longer exists: sign in again."
		}
		l.notSignedIn(w, r, msg)
		return
	}
	if err != nil {
		slog.Error("ui: look up the signed-in key", "access_key", sess.keyID, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "the server could not check your access key: try again"})
		return
	}
	r = r.WithContext(context.WithValue(ctx, sessionKey{}, sess))
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		token := r.Header.Get(csrfHeader)
		if token == "" && r.URL.Path == Prefix+"logout" {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			token = r.PostFormValue(csrfField)
		}
		if !sess.csrfMatches(token) {
			msg := "this request lacks the session's CSRF token (header " + csrfHeader + "): reload the page and try again"
			if token != "" {
				msg = "this request's CSRF token is not the session's: reload the page and try again"
			}
			writeJSON(w, http.StatusForbidden, apiError{Error: msg})
			return
		}
	}
	switch r.URL.Path {
	case Prefix + "logout":
		if r.Method != http.MethodPost {
			http.Error(w, "sign out with POST", http.StatusMethodNotAllowed)
			return
		}
		l.sessions.end(sess.id)
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
			Secure: l.SecureCookie || r.TLS != nil, SameSite: http.SameSiteStrictMode})
		http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
		return
	case Prefix + "api/session":
		l.sessionInfo(w, r, sess)
		return
	}
	l.checkAccess(s, next, w, r)
}

type sessionKey struct{}

func (l *login) notSignedIn(w http.ResponseWriter, r *http.Request, msg string) {
	if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, Prefix+"api/") {
		http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg, "signIn": Prefix + "login"})
}
