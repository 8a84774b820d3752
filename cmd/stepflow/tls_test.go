package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
)

// selfSignedPair makes a self-signed certificate for 127.0.0.1 and localhost; both PEM files
// are padded with newlines to a fixed size, so two pairs written over each other look alike
// to anything but their content.
func selfSignedPair(t *testing.T, serial int64) (certPEM, keyPEM []byte, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "stepflow test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pad := func(b []byte, n int) []byte { return append(b, bytes.Repeat([]byte("\n"), n-len(b))...) }
	return pad(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 2048),
		pad(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 1024), cert
}

// servedSerial opens a new TLS connection and returns the serial number of the certificate
// the server presents.
func servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// TestServerTLS: with --tls-cert and --tls-key the server speaks HTTPS only, to the AWS SDK
// for Go v2 trusting the certificate; it refuses TLS 1.1; it serves a new pair when the files
// change, and on SIGHUP when a change is invisible to their size and time.
func TestServerTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	auditFile := filepath.Join(dir, "audit.log")
	certPEM, keyPEM, cert := selfSignedPair(t, 1)
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	url, stdout, stderr, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "db"),
		"--auth", "sigv4", "--access-key", "AKIDTLS:secret", "--tls-cert", certFile, "--tls-key", keyFile, "--audit-log", auditFile)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("listening on %s; stdout %s", url, stdout.String())
	}
	addr := strings.TrimPrefix(url, "https://")

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	client := awssfn.New(awssfn.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTLS", "secret", ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}},
	})
	ctx := context.Background()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	if _, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("Secure"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}); err != nil {
		t.Fatalf("create over TLS: %v", err)
	}
	// The audit log file, readable by its owner only, has the call and not the secret.
	audit, err := os.ReadFile(auditFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(auditFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode: %v %v", fi.Mode(), err)
	}
	if !strings.Contains(string(audit), `"accessKeyId":"AKIDTLS","sourceIp":"127.0.0.1","action":"states:CreateStateMachine","resource":"arn:aws:states:us-east-1:123456789012:stateMachine:Secure","decision":"allow"`) ||
		strings.Contains(string(audit), "secret") || strings.Contains(string(audit), "StartAt") {
		t.Fatalf("audit log: %s", audit)
	}
	// A client that does not trust the certificate is refused by its own TLS check.
	untrusting := awssfn.New(awssfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTLS", "secret", "")})
	if _, err := untrusting.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusting client: %v", err)
	}
	// Plain HTTP on the TLS port gets no API answer.
	if resp, err := http.Post("http://"+addr, "application/x-amz-json-1.0", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP answered 200")
		}
	}
	if _, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Fatal("a TLS 1.1 handshake succeeded")
	}
	// net/http's own report of the refused handshake is in the server's log, in its format.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stderr.String(), "level=WARN msg=\"http: TLS handshake error"); {
		if time.Now().After(deadline) {
			t.Fatalf("the refused handshake is not in the server's log: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Rotation by writing the files: the next connection gets the new certificate.
	certPEM2, keyPEM2, _ := selfSignedPair(t, 2)
	if err := os.WriteFile(keyFile, keyPEM2, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, certPEM2, 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Minute)
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, future, future); err != nil {
			t.Fatal(err)
		}
	}
	waitForSerial(t, addr, 2)

	// Rotation the files' size and time do not show: only SIGHUP brings it in.
	certPEM3, keyPEM3, _ := selfSignedPair(t, 3)
	if err := os.WriteFile(keyFile, keyPEM3, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, certPEM3, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, future, future); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(certFileCheckInterval + 200*time.Millisecond)
	if got := servedSerial(t, addr); got != 2 {
		t.Fatalf("before SIGHUP the server serves certificate %d, want 2", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitForSerial(t, addr, 3)
	// A new connection of a client trusting only the first certificate is refused now.
	fresh := awssfn.New(awssfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTLS", "secret", ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}})
	if _, err := fresh.ListStateMachines(ctx, &awssfn.ListStateMachinesInput{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a client trusting only the first certificate after rotation: %v", err)
	}
}

func waitForSerial(t *testing.T, addr string, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := servedSerial(t, addr)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server serves certificate %d, want %d", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestServerAuditLogNeedsAuth(t *testing.T) {
	t.Parallel()
	cfg := serverConfig{Region: "us-east-1", Account: "123456789012", Auth: "none", UI: "auto", AuditLog: "-"}
	if _, err := cfg.Validate(); err == nil || err.Error() != "audit-log: an audit log needs --auth sigv4 or iam: without authentication there is no principal to record" {
		t.Fatalf("Validate: %v", err)
	}
}

func TestServerTLSNeedsBothFiles(t *testing.T) {
	t.Parallel()
	cfg := serverConfig{Region: "us-east-1", Account: "123456789012", Auth: "none", UI: "auto", TLSCert: "c.pem"}
	if _, err := cfg.Validate(); err == nil || err.Error() != "tls-cert: give both --tls-cert and --tls-key, or neither" {
		t.Fatalf("Validate: %v", err)
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := runServer(context.Background(), []string{"--db", filepath.Join(dir, "db"), "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", filepath.Join(dir, "none.key")}, &stdout, &stderr)
	if err == nil || !strings.HasPrefix(err.Error(), "tls-cert: ") {
		t.Fatalf("missing files: %v", err)
	}
}
