package httpinvoke

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
)

// maxResponseBytes bounds what is read of a response: far above the 256 KiB state payload
// limit, so an oversize answer still fails with States.DataLimitExceeded downstream instead
// of exhausting memory here.
const maxResponseBytes = 16 << 20

// response is a read HTTP response.
type response struct {
	status     int
	statusText string
	headers    map[string]any
	body       any    // decoded JSON, or the text; nil when empty
	raw        []byte // the body as received
}

func readResponse(resp *http.Response) (*response, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("response body is larger than %d bytes", maxResponseBytes)
	}
	out := &response{status: resp.StatusCode, statusText: statusText(resp), headers: map[string]any{}, raw: data}
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		values := make([]any, len(resp.Header[k]))
		for i, v := range resp.Header[k] {
			values[i] = v
		}
		out.headers[strings.ToLower(k)] = values
	}
	if len(data) > 0 {
		out.body = string(data)
		if isJSON(resp.Header.Get("Content-Type")) {
			if v, err := jsonvalue.Decode(data); err == nil { // in document order
				out.body = v
			}
		}
	}
	return out, nil
}

func statusText(resp *http.Response) string {
	if _, text, ok := strings.Cut(resp.Status, " "); ok && text != "" {
		return text
	}
	return http.StatusText(resp.StatusCode)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// value is the task result: {Headers, ResponseBody, StatusCode, StatusText}.
func (r *response) value() map[string]any {
	v := map[string]any{"Headers": r.headers, "StatusCode": float64(r.status), "StatusText": r.statusText}
	if r.body != nil {
		v["ResponseBody"] = r.body
	}
	return v
}

// cause is a failed task's cause: the response as JSON, so a Catch can read it back.
func (r *response) cause() string {
	data, _ := json.Marshal(r.value())
	return string(data)
}
