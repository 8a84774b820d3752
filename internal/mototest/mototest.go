// Package mototest starts moto's server (the Python package moto, a third-party
// implementation of the AWS APIs) for tests that call AWS services over the wire.
package mototest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region and Credentials are what tests sign moto requests with; moto accepts any.
const Region = "us-east-1"

// Credentials are static test credentials.
var Credentials = credentials.NewStaticCredentialsProvider("AKIDMOTOTEST", "moto-test-secret", "")

var (
	once   sync.Once
	url    string
	cmd    *exec.Cmd
	logf   *os.File
	errMsg string
)

// URL returns the base URL of a moto server shared by the tests of the package, starting it
// on a free loopback port at the first call. Without moto_server the test is skipped, or
// fails under CI=true. Stop it from TestMain with Stop.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if errMsg != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(errMsg)
		}
		t.Skip(errMsg)
	}
	return url
}

func start() {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		errMsg = "moto_server is not installed (pip install 'moto[server]'): " + err.Error()
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		errMsg = err.Error()
		return
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	logf, _ = os.CreateTemp("", "moto-*.log")
	cmd = exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		errMsg = "start moto_server: " + err.Error()
		return
	}
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	errMsg = "moto_server did not answer within 60s; its log is " + logf.Name()
}

// Stop ends the moto server, if one was started.
func Stop() {
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	if logf != nil {
		logf.Close()
		os.Remove(logf.Name())
	}
}

// Config is an AWS SDK configuration for moto at base.
func Config(base string) aws.Config {
	return aws.Config{Region: Region, Credentials: Credentials, BaseEndpoint: aws.String(base)}
}

// Context is a test context bounded to a minute.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
