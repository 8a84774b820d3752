package aws

import (
	"fmt"
	"net/url"
	"strings"
)

// ConfigError names the setting that is wrong, as the flag or config field spells it.
type ConfigError struct {
	Field string // "aws-endpoint", "aws-allow"
	Msg   string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Msg }

// ParseEndpoints checks --aws-endpoint values (SERVICE=URL; SERVICE "*" for every service)
// and returns them by canonical service name.
func ParseEndpoints(entries []string) (map[string]*url.URL, error) {
	out := map[string]*url.URL{}
	for _, e := range entries {
		name, raw, ok := strings.Cut(strings.TrimSpace(e), "=")
		if !ok || name == "" || raw == "" {
			return nil, &ConfigError{Field: "aws-endpoint", Msg: fmt.Sprintf("%q must be SERVICE=URL, e.g. dynamodb=http://127.0.0.1:5000 or *=http://localhost:4566", e)}
		}
		key := "*"
		if name != "*" {
			s := lookupService(name)
			if s == nil {
				return nil, &ConfigError{Field: "aws-endpoint", Msg: fmt.Sprintf("unknown service %q in %q; known services: %s", name, e, strings.Join(ServiceNames(), ", "))}
			}
			key = s.name()
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, &ConfigError{Field: "aws-endpoint", Msg: fmt.Sprintf("%q is not an http:// or https:// URL (in %q)", raw, e)}
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		if _, dup := out[key]; dup {
			return nil, &ConfigError{Field: "aws-endpoint", Msg: fmt.Sprintf("service %s is given twice", name)}
		}
		out[key] = u
	}
	return out, nil
}

// allowList is what --aws-allow lets definitions call: whole services or single actions.
type allowList struct {
	all      bool
	services map[string]bool            // canonical service name
	actions  map[string]map[string]bool // canonical service name -> lower-case action
}

// parseAllowList checks --aws-allow patterns: "*", "SERVICE" or "SERVICE:ACTION".
func parseAllowList(patterns []string) (*allowList, error) {
	l := &allowList{services: map[string]bool{}, actions: map[string]map[string]bool{}}
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "*" {
			l.all = true
			continue
		}
		name, action, hasAction := strings.Cut(p, ":")
		s := lookupService(name)
		if s == nil || (hasAction && (action == "" || strings.ContainsAny(action, ":*"))) {
			return nil, &ConfigError{Field: "aws-allow", Msg: fmt.Sprintf("%q must be *, SERVICE or SERVICE:ACTION with a known service (%s)", p, strings.Join(ServiceNames(), ", "))}
		}
		if !hasAction {
			l.services[s.name()] = true
			continue
		}
		if l.actions[s.name()] == nil {
			l.actions[s.name()] = map[string]bool{}
		}
		l.actions[s.name()][strings.ToLower(action)] = true
	}
	return l, nil
}

func (l *allowList) empty() bool { return !l.all && len(l.services) == 0 && len(l.actions) == 0 }

func (l *allowList) allows(s *service, action string) bool {
	return l.all || l.services[s.name()] || l.actions[s.name()][strings.ToLower(action)]
}
