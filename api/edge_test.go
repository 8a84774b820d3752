package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
)

const (
	edgeAccessKey = "AKIDEDGETEST"
	edgeSecretKey = "edge-test-secret"
	edgeRoleARN   = "arn:aws:iam::123456789012:role/r"
)

// edgeServer is the real API handler over a real SQLite file, served over HTTP on loopback.
type edgeServer struct {
	api *Server
	url string
}

// startEdgeServer starts the API with the settings that ship, changed only by configure.
func startEdgeServer(t *testing.T, configure func(*Config)) *edgeServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	router := task.NewRouter()
	eng, err := engine.New(engine.Config{Store: st, Invoker: router, Scope: sfn.DefaultScope, NodeID: "edge-test"})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	engineCtx, stopEngine := context.WithCancel(ctx)
	if err := eng.Start(engineCtx); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	cfg := Config{Engine: eng, Invoker: router}
	if configure != nil {
		configure(&cfg)
	}
	handler, err := New(cfg)
	if err != nil {
		t.Fatalf("api: %v", err)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	t.Cleanup(func() {
		handler.Close()
		srv.CloseClientConnections()
		srv.Close()
		stopEngine()
		eng.Close(context.Background())
		st.Close()
	})
	return &edgeServer{api: handler, url: srv.URL}
}

func (s *edgeServer) addr() string { return strings.TrimPrefix(s.url, "http://") }

// edgeAnswer is an API answer: its status, error type (empty on success) and JSON body.
type edgeAnswer struct {
	status  int
	errType string
	body    map[string]any
	raw     string
}

// post sends one unsigned API request.
func (s *edgeServer) post(t *testing.T, action, body string) edgeAnswer {
	t.Helper()
	req, err := http.NewRequest("POST", s.url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if action != "" {
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	return doEdge(t, req)
}

func doEdge(t *testing.T, req *http.Request) edgeAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", req.Header.Get("X-Amz-Target"), err)
	}
	defer resp.Body.Close()
	return readEdgeAnswer(t, resp)
}

func readEdgeAnswer(t *testing.T, resp *http.Response) edgeAnswer {
	t.Helper()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	a := edgeAnswer{status: resp.StatusCode, errType: resp.Header.Get("X-Amzn-ErrorType"), raw: string(data)}
	if err := json.Unmarshal(data, &a.body); err != nil {
		t.Fatalf("answer %d is not a JSON object: %q", resp.StatusCode, data)
	}
	return a
}

// wantAWSError checks that an answer is AWS's error shape with the code, status and (when not
// empty) exact message.
func (a edgeAnswer) wantAWSError(t *testing.T, status int, code, message string) {
	t.Helper()
	if a.status != status || a.errType != code || a.body["__type"] != code {
		t.Fatalf("answer %d %s, want %d %s: %.300s", a.status, a.errType, status, code, a.raw)
	}
	msg, _ := a.body["message"].(string)
	if msg == "" || (message != "" && msg != message) {
		t.Fatalf("%s message %q, want %q", code, msg, message)
	}
}

// rawRequest writes a request's head on a new connection, with the first bytes of its body.
func rawRequest(t *testing.T, addr, action string, contentLength int64, bodyStart string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := "POST / HTTP/1.1\r\nHost: " + addr + "\r\nX-Amz-Target: AWSStepFunctions." + action +
		"\r\nContent-Type: application/x-amz-json-1.0\r\n"
	if contentLength >= 0 {
		head += "Content-Length: " + strconv.FormatInt(contentLength, 10) + "\r\n"
	} else {
		head += "Transfer-Encoding: chunked\r\n"
	}
	if _, err := io.WriteString(conn, head+"\r\n"+bodyStart); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readRawAnswer reads the answer on a raw connection within d.
func readRawAnswer(t *testing.T, conn net.Conn, d time.Duration) edgeAnswer {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", d, err)
	}
	defer resp.Body.Close()
	return readEdgeAnswer(t, resp)
}
