package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestHugeBodyRefusedWithoutReadingIt: a 200 MB body, declared or chunked, is answered with a
// 4xx in AWS's shape as soon as it is known to be too large, not after reading it all.
func TestHugeBodyRefusedWithoutReadingIt(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	const huge = 200_000_000
	tooLarge := "Request body is larger than 4194304 bytes"

	// Declared: the answer comes though not one byte of the body was sent.
	conn := rawRequest(t, srv.addr(), "CreateStateMachine", huge, "")
	readRawAnswer(t, conn, 5*time.Second).wantAWSError(t, http.StatusRequestEntityTooLarge, "ValidationException", tooLarge)

	// Chunked: the server stops reading past the bound; the client is not made to send it all.
	var sent atomic.Int64
	req, err := http.NewRequest("POST", srv.url+"/", &countingZeros{left: huge, sent: &sent})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.CreateStateMachine")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		a := readEdgeAnswer(t, resp)
		resp.Body.Close()
		a.wantAWSError(t, http.StatusRequestEntityTooLarge, "ValidationException", tooLarge)
	}
	// Without an answer the connection was closed on the client mid-body, which is as good:
	// either way the server read a bounded part of it.
	if n := sent.Load(); n > 64<<20 {
		t.Fatalf("the client sent %d bytes of a refused body", n)
	}
}

// countingZeros is a body of left zero bytes that counts what was read of it.
type countingZeros struct {
	left int64
	sent *atomic.Int64
}

func (z *countingZeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.left)
	clear(p[:n])
	z.left -= n
	z.sent.Add(n)
	return int(n), nil
}

// TestBodiesInFlightBounded: with the shipped budget (256 MiB of bodies at once, 4 MiB each),
// 64 clients sending the largest bodies slowly hold it all; the next request waits briefly and
// is answered ThrottlingException, and the budget comes back when a client goes away.
func TestBodiesInFlightBounded(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	holders := DefaultMaxBodyBytesInFlight / DefaultMaxBodyBytes
	conns := make([]interface{ Close() error }, 0, holders)
	for range holders {
		conns = append(conns, rawRequest(t, srv.addr(), "CreateStateMachine", DefaultMaxBodyBytes, `{"name":"`))
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.api.bodies.TryAcquire(1) {
		srv.api.bodies.Release(1)
		if time.Now().After(deadline) {
			t.Fatalf("%d slow bodies did not take the budget", holders)
		}
		time.Sleep(10 * time.Millisecond)
	}

	start := time.Now()
	srv.post(t, "ListStateMachines", `{}`).wantAWSError(t, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	if waited := time.Since(start); waited < bodyBudgetWait {
		t.Fatalf("throttled after %s, before waiting %s for room", waited, bodyBudgetWait)
	}
	// The SDKs know the answer as throttling (and retry it).
	_, err := srv.sdkClient("us-east-1").ListActivities(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("SDK call while the budget is spent: %v", err)
	}

	conns[0].Close()
	deadline = time.Now().Add(10 * time.Second)
	for {
		a := srv.post(t, "ListStateMachines", `{}`)
		if a.status == 200 {
			break
		}
		if a.errType != "ThrottlingException" || time.Now().After(deadline) {
			t.Fatalf("after a slow client left: %d %s", a.status, a.raw)
		}
	}
}

// TestTricklingBodyCutOff: a client that sends its headers and then trickles its body is
// answered RequestTimeoutException once the shipped body read timeout passes, and its share
// of the budget is given back.
func TestTricklingBodyCutOff(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	conn := rawRequest(t, srv.addr(), "CreateActivity", 100, `{"na`)
	start := time.Now()
	a := readRawAnswer(t, conn, DefaultBodyReadTimeout+10*time.Second)
	a.wantAWSError(t, http.StatusRequestTimeout, "RequestTimeoutException", "The request body was not received within 30s")
	if took := time.Since(start); took < DefaultBodyReadTimeout-time.Second {
		t.Fatalf("cut off after %s, before the %s timeout", took, DefaultBodyReadTimeout)
	}
	if !srv.api.bodies.TryAcquire(DefaultMaxBodyBytesInFlight) {
		t.Fatal("the cut-off body still holds budget")
	}
	srv.api.bodies.Release(DefaultMaxBodyBytesInFlight)
}

// TestLongPollOutlivesBodyTimeout: a GetActivityTask long poll still gets its task after the
// body read timeout has passed (the read deadline is lifted once the body is in, so it
// cannot cancel the request).
func TestLongPollOutlivesBodyTimeout(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	act := srv.post(t, "CreateActivity", `{"name":"work"}`)
	activityARN, _ := act.body["activityArn"].(string)
	def := `{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + activityARN + `","End":true}}}`
	created := srv.post(t, "CreateStateMachine", `{"name":"m","roleArn":"`+edgeRoleARN+`","definition":`+quoteJSON(def)+`}`)
	machineARN, _ := created.body["stateMachineArn"].(string)
	if machineARN == "" {
		t.Fatalf("CreateStateMachine: %s", created.raw)
	}
	polled := make(chan edgeAnswer, 1)
	go func() {
		polled <- srv.post(t, "GetActivityTask", `{"activityArn":"`+activityARN+`"}`)
	}()
	time.Sleep(DefaultBodyReadTimeout + 3*time.Second)
	srv.post(t, "StartExecution", `{"stateMachineArn":"`+machineARN+`","input":"{\"k\":1}"}`)
	select {
	case a := <-polled:
		if a.status != 200 || a.body["taskToken"] == nil || a.body["input"] != `{"k":1}` {
			t.Fatalf("long poll past the body timeout: %d %s", a.status, a.raw)
		}
	case <-time.After(DefaultActivityPollTimeout):
		t.Fatal("the long poll did not answer")
	}
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
