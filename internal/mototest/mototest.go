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
	"strings"
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
	once    sync.Once
	baseURL string
	cmd     *exec.Cmd
	logf    *os.File
	errMsg  string
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
	return baseURL
}

func start() {
	baseURL, cmd, logf, errMsg = launch(nil)
}

// launch starts a moto server with extra environment variables and waits for it to answer.
func launch(env []string) (base string, c *exec.Cmd, log *os.File, problem string) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		return "", nil, nil, "moto_server is not installed (pip install 'moto[server]'): " + err.Error()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err.Error()
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	log, _ = os.CreateTemp("", "moto-*.log")
	c = exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	c.Stdout, c.Stderr = log, log
	c.Env = append(os.Environ(), env...)
	if err := c.Start(); err != nil {
		return "", nil, log, "start moto_server: " + err.Error()
	}
	base = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return base, c, log, ""
		}
		time.Sleep(200 * time.Millisecond)
	}
	return base, c, log, "moto_server did not answer within 60s; its log is " + log.Name()
}

// Own starts a moto server for one test, with extra environment variables (e.g.
// MOTO_SIMPLE_BATCH_FAIL_AFTER) and, when config is not empty, moto's configuration
// (POST /moto-api/config, e.g. {"batch": {"use_docker": false}}), and stops it when the test
// ends. Without moto_server the test is skipped, or fails under CI=true.
func Own(t testing.TB, config string, env ...string) string {
	t.Helper()
	base, c, log, problem := launch(env)
	t.Cleanup(func() {
		if c != nil && c.Process != nil {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
		if log != nil {
			log.Close()
			os.Remove(log.Name())
		}
	})
	if problem != "" {
		if os.Getenv("CI") == "true" || c != nil {
			t.Fatal(problem)
		}
		t.Skip(problem)
	}
	if config != "" {
		resp, err := http.Post(base+"/moto-api/config", "application/json", strings.NewReader(config))
		if err != nil {
			t.Fatalf("configure moto: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
			t.Fatalf("configure moto: %s", resp.Status)
		}
	}
	return base
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
