package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/internal/oidc"
	"github.com/stepflow/stepflow/ui"
)

// oidcSettings configure the UI's sign-in through an OpenID Connect provider: the "oidc"
// object of the config file, or the --oidc-* flags.
type oidcSettings struct {
	// Issuer is the provider's issuer URL (https://accounts.google.com,
	// https://keycloak.example.com/realms/acme); "" offers no such sign-in.
	Issuer   string `json:"issuer"`
	ClientID string `json:"clientId"`
	// ClientSecretEnv names the environment variable that holds the client's secret: the
	// secret itself is kept out of the command line and the config file. "" is a public client.
	ClientSecretEnv string `json:"clientSecretEnv"`
	// Name is the provider's name on the sign-in button (default: the issuer's host).
	Name string `json:"name"`
	// RedirectURL is the callback registered with the provider, HOST's
	// /ui/login/oidc/callback; "" derives it from each request's Host.
	RedirectURL string `json:"redirectUrl"`
	// Scopes are asked for besides openid (default: email profile).
	Scopes []string `json:"scopes"`
	// Principals are the rules that admit people: CLAIM=VALUE:user/NAME or :role/NAME under
	// --auth iam (the principal each acts as), CLAIM=VALUE under --auth sigv4.
	Principals []string `json:"principals"`

	rules  []oidc.Rule
	secret string
}

func (o *oidcSettings) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Issuer, "oidc-issuer", "", "with --auth sigv4 or iam and --ui on: an OpenID Connect provider's issuer URL; the login page offers \"Sign in with\" it (config file: the \"oidc\" object: issuer, clientId, clientSecretEnv, name, redirectUrl, scopes, principals)")
	fs.StringVar(&o.ClientID, "oidc-client-id", "", "the UI's client id at the --oidc-issuer")
	fs.StringVar(&o.ClientSecretEnv, "oidc-client-secret-env", "", "environment variable holding the client's secret (none: a public client)")
	fs.StringVar(&o.Name, "oidc-name", "", "the provider's name on the sign-in button (default: the issuer's host)")
	fs.StringVar(&o.RedirectURL, "oidc-redirect-url", "", "the callback registered with the provider, https://HOST/ui/login/oidc/callback (default: from each request's Host)")
	fs.Func("oidc-scope", "a scope to ask for besides openid (repeatable; default: email and profile)", func(v string) error {
		o.Scopes = append(o.Scopes, v)
		return nil
	})
	fs.Func("oidc-principal", "CLAIM=VALUE:user/NAME or CLAIM=VALUE:role/NAME (--auth iam): people whose ID token's CLAIM is VALUE (wildcards * ?) act as that user or role, NAME * meaning the claim's value; CLAIM=VALUE (--auth sigv4) admits them. Repeatable: the first that matches wins, people none matches are refused", func(v string) error {
		o.Principals = append(o.Principals, v)
		return nil
	})
}

// merge puts the flags given over the config file's settings.
func (o *oidcSettings) merge(flags oidcSettings) {
	for _, f := range []struct{ flag, dst *string }{{&flags.Issuer, &o.Issuer}, {&flags.ClientID, &o.ClientID}, {&flags.ClientSecretEnv, &o.ClientSecretEnv},
		{&flags.Name, &o.Name}, {&flags.RedirectURL, &o.RedirectURL}} {
		if *f.flag != "" {
			*f.dst = *f.flag
		}
	}
	if len(flags.Scopes) > 0 {
		o.Scopes = flags.Scopes
	}
	if len(flags.Principals) > 0 {
		o.Principals = flags.Principals
	}
}

func (o *oidcSettings) configured() bool {
	return o.Issuer != "" || o.ClientID != "" || o.ClientSecretEnv != "" || o.Name != "" || o.RedirectURL != "" || len(o.Scopes) > 0 || len(o.Principals) > 0
}

// validate checks the settings for a server of the given --auth and --ui, and reads the
// client secret from its environment variable.
func (o *oidcSettings) validate(auth, uiMode string) error {
	if !o.configured() {
		return nil
	}
	if o.Issuer == "" {
		return &serverConfigError{Field: "oidc-issuer", Msg: "the other --oidc-* settings need --oidc-issuer"}
	}
	if err := oidc.ValidateIssuer(o.Issuer); err != nil {
		return &serverConfigError{Field: "oidc-issuer", Msg: err.Error()}
	}
	if auth != "sigv4" && auth != "iam" {
		return &serverConfigError{Field: "oidc-issuer", Msg: "sign-in through a provider needs --auth sigv4 or iam: without authentication the UI asks nobody to sign in"}
	}
	if uiMode != "on" {
		return &serverConfigError{Field: "oidc-issuer", Msg: "sign-in through a provider is the UI's: it needs --ui on"}
	}
	if o.ClientID == "" {
		return &serverConfigError{Field: "oidc-client-id", Msg: "must be given with --oidc-issuer"}
	}
	if o.ClientSecretEnv != "" {
		o.secret = os.Getenv(o.ClientSecretEnv)
		if o.secret == "" {
			return &serverConfigError{Field: "oidc-client-secret-env", Msg: fmt.Sprintf("the environment variable %s is empty or not set", o.ClientSecretEnv)}
		}
	}
	if o.RedirectURL != "" {
		u, err := url.Parse(o.RedirectURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "/ui/login/oidc/callback" || u.RawQuery != "" {
			return &serverConfigError{Field: "oidc-redirect-url", Msg: fmt.Sprintf("must be http(s)://HOST/ui/login/oidc/callback, not %q", o.RedirectURL)}
		}
	}
	if len(o.Principals) == 0 {
		// Admitting whoever the provider signs in would let in every account of a public
		// provider (every Google account).
		return &serverConfigError{Field: "oidc-principal", Msg: "give at least one rule of who may sign in (CLAIM=VALUE:user/NAME under --auth iam, CLAIM=VALUE under --auth sigv4)"}
	}
	o.rules = nil
	for _, s := range o.Principals {
		r, err := oidc.ParseRule(s)
		if err != nil {
			return &serverConfigError{Field: "oidc-principal", Msg: err.Error()}
		}
		switch {
		case auth == "iam" && r.Principal == "":
			return &serverConfigError{Field: "oidc-principal", Msg: fmt.Sprintf("under --auth iam a rule names the user or role people act as: %s:user/NAME or %s:role/NAME, not %q", s, s, s)}
		case auth == "sigv4" && r.Principal != "":
			return &serverConfigError{Field: "oidc-principal", Msg: fmt.Sprintf("under --auth sigv4 there are no users or roles (every signed-in person may do everything): give CLAIM=VALUE, not %q", s)}
		}
		o.rules = append(o.rules, r)
	}
	if o.Name == "" {
		u, _ := url.Parse(o.Issuer)
		o.Name = u.Hostname()
	}
	return nil
}

// uiLogin is the UI's configuration of the provider; directory is nil under --auth sigv4.
func (o *oidcSettings) uiLogin(directory *iam.Directory) (*ui.OIDC, error) {
	provider, err := oidc.New(oidc.Config{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.secret, Scopes: o.Scopes})
	if err != nil {
		return nil, &serverConfigError{Field: "oidc-issuer", Msg: err.Error()}
	}
	cfg := &ui.OIDC{Provider: provider, Name: o.Name, RedirectURL: o.RedirectURL, Rules: o.rules}
	if directory != nil {
		cfg.PrincipalARN = func(kindAndName string) string {
			kind, name, _ := strings.Cut(kindAndName, "/")
			if kind == "role" {
				return directory.RoleARN(name)
			}
			return directory.UserARN(name)
		}
	}
	return cfg, nil
}
