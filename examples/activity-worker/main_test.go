package main

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestWorkerAgainstRealServer builds stepflow, serves it on a real SQLite file, and lets the
// example worker answer two executions of an activity task: one succeeds, one fails.
func TestWorkerAgainstRealServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "stepflow")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../../cmd/stepflow").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	server := exec.CommandContext(ctx, bin, "server", "--addr", addr, "--db", filepath.Join(dir, "s.db"), "--ui", "off")
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Process.Kill(); _ = server.Wait() })
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 300 {
			t.Fatal("server did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}

	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("any", "any", "")))
	if err != nil {
		t.Fatal(err)
	}
	client := sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String("http://" + addr) })
	act, err := client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("greet")})
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Greet","States":{"Greet":{"Type":"Task","Resource":"` + aws.ToString(act.ActivityArn) + `","TimeoutSeconds":120,"End":true}}}`
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("greeter"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		input, wantStatus, wantOutput, wantError string
	}{
		{input: `{"name":"Ada"}`, wantStatus: "SUCCEEDED", wantOutput: `{"greeting":"Hello, Ada!"}`},
		{input: `{}`, wantStatus: "FAILED", wantError: "MissingName"},
	}
	for _, tt := range tests {
		run, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(tt.input)})
		if err != nil {
			t.Fatal(err)
		}
		worked, err := workOnce(ctx, client, aws.ToString(act.ActivityArn), "test-worker", greet)
		if err != nil || !worked {
			t.Fatalf("workOnce = %v, %v", worked, err)
		}
		var d *sfn.DescribeExecutionOutput
		for i := 0; i < 300; i++ {
			if d, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: run.ExecutionArn}); err != nil {
				t.Fatal(err)
			}
			if d.Status != types.ExecutionStatusRunning {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if string(d.Status) != tt.wantStatus || aws.ToString(d.Output) != tt.wantOutput || aws.ToString(d.Error) != tt.wantError {
			t.Fatalf("input %s: status %s output %q error %q", tt.input, d.Status, aws.ToString(d.Output), aws.ToString(d.Error))
		}
	}
}
