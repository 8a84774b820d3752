package main

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// The AWS SDKs and CLI send StartSyncExecution and TestState to "sync-" + the endpoint's host
// (the API model's host prefix), so with http://127.0.0.1:8083 or http://localhost:8083 those
// two actions go to a name that does not resolve. Under a subdomain of localhost the prefixed
// name is a subdomain of localhost as well, which systemd-resolved, macOS, curl and the
// browsers resolve to loopback (RFC 6761) and plain glibc or musl set-ups do not: the server
// tries the name on its own host and prints the endpoint that works there.

// sdkHostName is the endpoint host the banner gives the SDKs where subdomains of localhost
// reach the server.
const sdkHostName = "stepflow.localhost"

// sdkHostLookupTimeout bounds the start-up look-up of "sync-" + sdkHostName: a resolver that
// sends .localhost names to an unreachable DNS server must not hold up the start.
const sdkHostLookupTimeout = 2 * time.Second

// localhostSubdomainsReach reports whether "sync-" + sdkHostName resolves, on this host, to
// an address the server listens on.
func localhostSubdomainsReach(ctx context.Context, listen *net.TCPAddr) bool {
	if !listen.IP.IsLoopback() && !listen.IP.IsUnspecified() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, sdkHostLookupTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", "sync-"+sdkHostName)
	if err != nil {
		return false
	}
	want, _ := netip.AddrFromSlice(listen.IP)
	for _, a := range addrs {
		if a.Unmap() == want.Unmap() || (listen.IP.IsUnspecified() && a.IsLoopback()) {
			return true
		}
	}
	return false
}

// sdkEndpointAdvice is what the banner tells SDK and CLI users: the endpoint to export and,
// where subdomains of localhost do not reach the server, how to keep the two prefixed
// actions on the endpoint's own host.
func sdkEndpointAdvice(listen *net.TCPAddr, localhostSubdomainsReach bool) []string {
	port := strconv.Itoa(listen.Port)
	if localhostSubdomainsReach {
		return []string{"AWS SDKs and CLI: export AWS_ENDPOINT_URL_SFN=http://" + net.JoinHostPort(sdkHostName, port)}
	}
	host := listen.IP.String()
	if listen.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	endpoint := "http://" + net.JoinHostPort(host, port)
	return []string{
		"AWS SDKs and CLI: export AWS_ENDPOINT_URL_SFN=" + endpoint + " AWS_DISABLE_HOST_PREFIX_INJECTION=true",
		"  (sync-" + sdkHostName + " does not resolve here; the SDK for Go v2 ignores that variable: give its process HTTP_PROXY=" + endpoint +
			" for StartSyncExecution and TestState, see docs/api.md#the-sync--host-prefix)",
	}
}
