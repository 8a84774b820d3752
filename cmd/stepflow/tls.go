package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// certFileCheckInterval is how often a handshake may look at the certificate and key files
// for a change: rotation takes effect within it, and a busy server stats the files at most
// once per interval, not once per connection.
const certFileCheckInterval = time.Second

// certReloader serves the certificate of --tls-cert/--tls-key and loads the pair again when
// either file changes or the process gets SIGHUP, so a rotated certificate needs no restart.
// A pair that does not load (a half-written file, a key that does not match the certificate)
// leaves the previous one in service and is tried again at the next change.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu        sync.Mutex
	cert      *tls.Certificate
	certStamp fileStamp
	keyStamp  fileStamp
	checked   time.Time
}

// fileStamp is what tells that a file changed: its modification time and size.
type fileStamp struct {
	modTime time.Time
	size    int64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{modTime: fi.ModTime(), size: fi.Size()}, nil
}

// newCertReloader loads the pair once; a pair that does not load is a configuration error.
func newCertReloader(certFile, keyFile string, logger *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger}
	if err := r.load(); err != nil {
		return nil, &serverConfigError{Field: "tls-cert", Msg: err.Error()}
	}
	return r, nil
}

// load reads the pair; the caller holds mu or has the reloader to itself.
func (r *certReloader) load() error {
	certStamp, err := stampOf(r.certFile)
	if err != nil {
		return err
	}
	keyStamp, err := stampOf(r.keyFile)
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("load %s and %s: %w", r.certFile, r.keyFile, err)
	}
	r.cert, r.certStamp, r.keyStamp, r.checked = &cert, certStamp, keyStamp, time.Now()
	return nil
}

// reload loads the pair again and says so in the log.
func (r *certReloader) reload(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reloadLocked(why)
}

func (r *certReloader) reloadLocked(why string) {
	if err := r.load(); err != nil {
		r.checked = time.Now()
		r.logger.Error("TLS certificate not reloaded; the previous one stays in service", "reason", why, "error", err)
		return
	}
	leaf := r.cert.Leaf
	r.logger.Info("TLS certificate loaded", "reason", why, "cert", r.certFile, "subject", leaf.Subject.String(), "not_after", leaf.NotAfter)
}

// getCertificate is tls.Config.GetCertificate: the current pair, loaded again first when a
// file changed since the last look.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) >= certFileCheckInterval {
		r.checked = time.Now()
		certStamp, certErr := stampOf(r.certFile)
		keyStamp, keyErr := stampOf(r.keyFile)
		if certErr == nil && keyErr == nil && (certStamp != r.certStamp || keyStamp != r.keyStamp) {
			r.reloadLocked("files changed")
		}
	}
	return r.cert, nil
}

// reloadOnHangup reloads the pair on every SIGHUP until ctx ends.
func (r *certReloader) reloadOnHangup(ctx context.Context) {
	hangups := make(chan os.Signal, 1)
	signal.Notify(hangups, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hangups)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hangups:
				r.reload("SIGHUP")
			}
		}
	}()
}

// tlsConfig serves the reloader's certificate with TLS 1.2 at least, as AWS's endpoints
// require of their clients.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.getCertificate}
}
