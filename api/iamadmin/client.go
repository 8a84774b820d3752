package iamadmin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepflow/stepflow/api"
)

// Client calls the admin API of a server, signing each request with an access key.
type Client struct {
	// Endpoint is the server's URL (http://127.0.0.1:8083).
	Endpoint string
	// Region is the server's region, which signatures are scoped to.
	Region      string
	Credentials aws.Credentials
	HTTP        *http.Client
}

// maxAnswerBytes bounds an answer read from the server.
const maxAnswerBytes = 16 << 20

// Call runs an admin action: in is encoded as its input, the answer decoded into out (which
// may be nil). An error the server answers with is an *api.Error with its code and status.
func (c *Client) Call(ctx context.Context, action string, in, out any) error {
	return c.CallSignedFor(ctx, SigningName, action, in, out)
}

// CallSignedFor is Call with the signature scoped to another service than iam: a server
// refuses it, which tests of the signature checks want to see.
func (c *Client) CallSignedFor(ctx context.Context, service, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode %s input: %w", action, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-Amz-Target", TargetPrefix+action)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c.Credentials, req, hex.EncodeToString(sum[:]), service, c.Region, time.Now()); err != nil {
		return fmt.Errorf("sign %s: %w", action, err)
	}
	httpClient := c.HTTP
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &e) != nil || e.Type == "" {
			return fmt.Errorf("%s: HTTP %d: %.200s", action, resp.StatusCode, data)
		}
		return &api.Error{Code: e.Type, Message: e.Message, Status: resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", action, err)
	}
	return nil
}
