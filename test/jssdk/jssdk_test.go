// Package jssdk_test drives a real Stepflow server with the AWS SDK for JavaScript v2, the
// client the product brief's example code uses.
package jssdk_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// need skips the test when a tool is missing, except under CI, where everything must run.
func need(t *testing.T, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", tool, err)
		}
		t.Skipf("%s not installed: skipping the AWS SDK for JavaScript test", tool)
	}
	return path
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestProductBriefJavaScriptClient(t *testing.T) {
	node := need(t, "node")
	npm := need(t, "npm")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	if _, err := os.Stat("node_modules/aws-sdk"); err != nil {
		install := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--ignore-scripts")
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm install: %v\n%s", err, out)
		}
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "stepflow")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "../../cmd/stepflow")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	server := exec.CommandContext(ctx, bin, "server", "--addr", addr, "--db", filepath.Join(dir, "stepflow.db"))
	stderr, _ := server.StderrPipe()
	server.Stdout = server.Stderr
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Process.Kill(); _ = server.Wait() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Log("server: " + sc.Text())
		}
	}()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 300 {
			t.Fatal("server did not start listening")
		}
		time.Sleep(100 * time.Millisecond)
	}

	def, _ := filepath.Abs("../../examples/choice.asl.json")
	script := exec.CommandContext(ctx, node, "brief.js")
	script.Env = append(os.Environ(), "STEPFLOW_ENDPOINT=http://"+addr, "DEFINITION_FILE="+def)
	out, err := script.Output()
	if err != nil {
		var stderrText string
		if ee, ok := err.(*exec.ExitError); ok {
			stderrText = string(ee.Stderr)
		}
		t.Fatalf("node brief.js: %v\n%s", err, stderrText)
	}
	var got struct {
		Status, Output, MissingError string
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &got); err != nil {
		t.Fatalf("script output %q: %v", out, err)
	}
	if got.Status != "SUCCEEDED" || got.Output != `{"conditionVariable":true}` || got.MissingError != "ExecutionDoesNotExist" {
		t.Fatalf("got %+v", got)
	}
}
