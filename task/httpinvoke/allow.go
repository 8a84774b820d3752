package httpinvoke

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// allowList is the set of hosts HTTP Tasks may call.
type allowList []hostPattern

type hostPattern struct {
	host     string // lower case; "*.example.com" keeps its "*."
	port     string // "" = any port
	wildcard bool
}

func parseAllowList(entries []string) (allowList, error) {
	var list allowList
	for i, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" || strings.Contains(e, "/") {
			return nil, fmt.Errorf("allowed host %d (%q) must be a host name or address, optionally with :PORT, e.g. api.example.com or 127.0.0.1:9000", i+1, entries[i])
		}
		p := hostPattern{host: e}
		if h, port, err := net.SplitHostPort(e); err == nil {
			p.host, p.port = h, port
		}
		if strings.HasPrefix(p.host, "*.") {
			p.wildcard, p.host = true, p.host[1:] // ".example.com"
		}
		list = append(list, p)
	}
	return list, nil
}

// hostNotAllowedError is a request to a host the operator did not allow.
type hostNotAllowedError struct{ host string }

func (e *hostNotAllowedError) Error() string {
	return fmt.Sprintf("HTTP Task refused: host %s is not on the allow-list of hosts HTTP Tasks may call; the operator must allow it", e.host)
}

// check returns a *hostNotAllowedError unless u's host is allowed.
func (l allowList) check(u *url.URL) error {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	for _, p := range l {
		if p.port != "" && p.port != port {
			continue
		}
		if host == p.host || (p.wildcard && strings.HasSuffix(host, p.host)) {
			return nil
		}
	}
	return &hostNotAllowedError{host: net.JoinHostPort(host, port)}
}
