package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sigV4Algorithm is the only signing algorithm accepted.
const sigV4Algorithm = "AWS4-HMAC-SHA256"

// maxClockSkew is how far a request's X-Amz-Date may be from the server's clock, as on AWS.
const maxClockSkew = 15 * time.Minute

func authError(code, message string) *Error {
	return &Error{Code: code, Message: message, Status: http.StatusForbidden}
}

// sigV4Authorization is the parsed Authorization header of a signed request.
type sigV4Authorization struct {
	AccessKey     string
	Date          string // yyyymmdd of the credential scope
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
}

func parseAuthorization(header string) (*sigV4Authorization, bool) {
	rest, ok := strings.CutPrefix(header, sigV4Algorithm+" ")
	if !ok {
		return nil, false
	}
	a := &sigV4Authorization{}
	for _, part := range strings.Split(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, false
		}
		switch key {
		case "Credential":
			scope := strings.Split(value, "/")
			if len(scope) != 5 || scope[4] != "aws4_request" {
				return nil, false
			}
			a.AccessKey, a.Date, a.Region, a.Service = scope[0], scope[1], scope[2], scope[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(value, ";")
		case "Signature":
			a.Signature = value
		}
	}
	if a.AccessKey == "" || len(a.SignedHeaders) == 0 || a.Signature == "" {
		return nil, false
	}
	return a, true
}

// credentialScope is what a request's credential scope must name: the server's region and
// the service the route belongs to ("states" for the Step Functions API; the EventBridge and
// Scheduler APIs on the same port would expect "events" and "scheduler").
type credentialScope struct {
	Region  string
	Service string
	// escapePathAgain: the canonical path is the request's escaped path escaped once more.
	escapePathAgain bool
}

// SigningService is the SigV4 service name of the Step Functions API.
const SigningService = "states"

const signatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// verifySignature checks the AWS Signature Version 4 of a request (Authorization header form)
// against the configured secret keys. The payload hash is always computed over the body: a
// JSON API cannot take UNSIGNED-PAYLOAD, or a body could be swapped under a valid signature.
// Host and X-Amz-Target must be signed, so that neither the action nor the addressee can be
// changed either, and the credential scope must name the server's region and the route's
// service.
func verifySignature(r *http.Request, body []byte, credentials map[string]string, now time.Time, want credentialScope) error {
	return verifySignatureWith(r, body, func(accessKey string) (string, error) {
		secret, ok := credentials[accessKey]
		if !ok {
			return "", errUnknownAccessKey
		}
		return secret, nil
	}, now, want)
}

// errUnknownAccessKey is what a secret lookup answers for a key it does not accept.
var errUnknownAccessKey = errors.New("unknown access key")

// verifySignatureWith is verifySignature with the secret of an access key looked up by
// secretOf, which answers errUnknownAccessKey (wrapped or not) for a key it does not accept;
// any other error of it is returned as it is.
func verifySignatureWith(r *http.Request, body []byte, secretOf func(accessKey string) (string, error), now time.Time, want credentialScope) error {
	header := r.Header.Get("Authorization")
	if header == "" {
		return authError(codeMissingAuthenticationToken, "Missing Authentication Token")
	}
	auth, ok := parseAuthorization(header)
	if !ok {
		return incompleteSignature("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters with the " + sigV4Algorithm + " algorithm.")
	}
	if !containsFold(auth.SignedHeaders, "host") {
		return incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if r.Header.Get("X-Amz-Target") != "" && !containsFold(auth.SignedHeaders, "x-amz-target") {
		return incompleteSignature("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.")
	}
	for _, name := range auth.SignedHeaders {
		if !strings.EqualFold(name, "host") && !strings.EqualFold(name, "content-length") && len(r.Header.Values(name)) == 0 {
			return incompleteSignature("'" + name + "' is named as a SignedHeader, but it does not exist in the HTTP request.")
		}
	}
	secret, err := secretOf(auth.AccessKey)
	if errors.Is(err, errUnknownAccessKey) {
		return authError(codeUnrecognizedClient, "The security token included in the request is invalid.")
	}
	if err != nil {
		return err
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, auth.Date) {
		return incompleteSignature("Date must be in ISO-8601 'basic format' and match the credential scope. Got '" + amzDate + "'.")
	}
	if d := now.Sub(signedAt); d > maxClockSkew {
		return authError(codeInvalidSignature, "Signature expired: "+amzDate+" is now earlier than "+
			now.Add(-maxClockSkew).UTC().Format("20060102T150405Z")+" ("+now.UTC().Format("20060102T150405Z")+" - 15 min.)")
	} else if d < -maxClockSkew {
		// A clock ahead of the server's: AWS's words for a signature from the future.
		return authError(codeInvalidSignature, "Signature not yet current: "+amzDate+" is still later than "+
			now.Add(maxClockSkew).UTC().Format("20060102T150405Z")+" ("+now.UTC().Format("20060102T150405Z")+" + 15 min.)")
	}
	if auth.Region != want.Region {
		return authError(codeInvalidSignature, "Credential should be scoped to a valid region, not '"+auth.Region+"'.")
	}
	if auth.Service != want.Service {
		return authError(codeInvalidSignature, "Credential should be scoped to correct service: '"+want.Service+"'.")
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	// A declared hash (UNSIGNED-PAYLOAD included) must be the hash of the body that was sent.
	if declared, ok := r.Header[http.CanonicalHeaderKey("X-Amz-Content-Sha256")]; ok && (len(declared) != 1 || declared[0] != payloadHash) {
		return authError(codeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	canonical := canonicalRequest(r, auth.SignedHeaders, payloadHash, want.escapePathAgain)
	scope := auth.Date + "/" + auth.Region + "/" + auth.Service + "/aws4_request"
	canonicalHash := sha256.Sum256([]byte(canonical))
	stringToSign := sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(canonicalHash[:])
	key := hmacSHA256([]byte("AWS4"+secret), auth.Date)
	key = hmacSHA256(key, auth.Region)
	key = hmacSHA256(key, auth.Service)
	key = hmacSHA256(key, "aws4_request")
	expected := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(expected), []byte(auth.Signature)) {
		return authError(codeInvalidSignature, signatureMismatch)
	}
	return nil
}

// incompleteSignature is AWS's error for an Authorization header that lacks something; AWS
// answers it with HTTP 400 (its common errors), unlike the 403 of a wrong signature.
func incompleteSignature(message string) *Error {
	return &Error{Code: codeIncompleteSignature, Message: message, Status: http.StatusBadRequest}
}

const codeIncompleteSignature = "IncompleteSignatureException"

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalRequest builds SigV4's canonical form of the request.
func canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string, escapePathAgain bool) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if escapePathAgain {
		path = escapeSigV4Path(path)
	}
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func canonicalHeaderValue(r *http.Request, name string) string {
	var values []string
	switch strings.ToLower(name) {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		values = r.Header.Values(name)
	}
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(trimmed, ",")
}

func canonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, sigV4Escape(k)+"="+sigV4Escape(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// sigV4Escape percent-encodes everything but SigV4's unreserved characters.
func sigV4Escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// escapeSigV4Path escapes every byte of path but the unreserved ones and "/".
func escapeSigV4Path(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '/' || c == '-' || c == '_' || c == '.' || c == '~' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
