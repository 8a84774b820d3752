package pgtest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to a database and can cut them off, as a network outage
// or a database restart would, without touching the database other tests share.
type Proxy struct {
	upstream string
	addr     string

	mu       sync.Mutex
	ln       net.Listener
	mode     ProxyMode
	forwards map[net.Conn]bool // both ends of every forwarded connection
	held     []net.Conn        // connections accepted while black-holed: never answered
	closed   bool
}

// ProxyMode is what the proxy does with connections.
type ProxyMode int

// The proxy's modes: forwarding, or cut off one of two ways.

const (
	ProxyUp        ProxyMode = iota
	ProxyRefuse              // nothing listens: connections are refused at once
	ProxyBlackHole           // connections are accepted and never answered
)

// StartProxy listens on a port of its own and forwards to upstream (host:port) until the
// test ends.
func StartProxy(t testing.TB, upstream string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{upstream: upstream, addr: ln.Addr().String(), ln: ln, forwards: map[net.Conn]bool{}}
	go p.accept(ln)
	t.Cleanup(p.close)
	return p
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		switch {
		case p.closed:
			p.mu.Unlock()
			c.Close()
			continue
		case p.mode == ProxyBlackHole:
			p.held = append(p.held, c)
			p.mu.Unlock()
			continue
		}
		p.mu.Unlock()
		go p.forward(c)
	}
}

func (p *Proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.mode != ProxyUp || p.closed {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.forwards[c], p.forwards[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.forwards, c)
	delete(p.forwards, up)
	p.mu.Unlock()
}

// cut closes every forwarded connection and, until restore, refuses or black-holes new ones.
func (p *Proxy) Cut(mode ProxyMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = mode
	if mode == ProxyRefuse {
		p.ln.Close()
	}
	for c := range p.forwards {
		c.Close()
	}
}

// restore forwards new connections again. Connections accepted while black-holed stay
// unanswered, as half-open connections of a partition do.
func (p *Proxy) Restore(t testing.TB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == ProxyRefuse {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			t.Fatalf("listen again on %s: %v", p.addr, err)
		}
		p.ln = ln
		go p.accept(ln)
	}
	p.mode = ProxyUp
}

func (p *Proxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.ln.Close()
	for c := range p.forwards {
		c.Close()
	}
	for _, c := range p.held {
		c.Close()
	}
}

// DSN rewrites a postgres:// DSN to connect through the proxy.
func (p *Proxy) DSN(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Skipf("a proxy needs STEPFLOW_TEST_POSTGRES as a postgres:// URL, not %q", dsn)
	}
	u.Host = p.addr
	return u.String()
}
