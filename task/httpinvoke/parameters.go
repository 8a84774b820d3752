package httpinvoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// parameters is an HTTP Task's Parameters (or Arguments), checked.
type parameters struct {
	method      string
	url         *url.URL
	headers     http.Header
	body        []byte
	contentType string
}

var methods = map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "OPTIONS": true, "HEAD": true}

var knownFields = map[string]bool{
	"ApiEndpoint": true, "Method": true, "Headers": true, "QueryParameters": true, "RequestBody": true,
	"Transform": true, "Authentication": true, "InvocationConfig": true,
}

func parseParameters(input any) (*parameters, error) {
	in, ok := input.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be an object with ApiEndpoint and Method")
	}
	for _, k := range sortedKeys(in) {
		if !knownFields[k] {
			return nil, fmt.Errorf("unknown field %s (known: ApiEndpoint, Method, Headers, QueryParameters, RequestBody, Transform, Authentication)", k)
		}
	}
	p := &parameters{headers: http.Header{}}
	method, _ := in["Method"].(string)
	p.method = strings.ToUpper(method)
	if !methods[p.method] {
		return nil, fmt.Errorf("Method must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, not %s", show(in["Method"]))
	}
	endpoint, _ := in["ApiEndpoint"].(string)
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ApiEndpoint must be an absolute http:// or https:// URL, not %s", show(in["ApiEndpoint"]))
	}
	p.url = u

	arrayFormat, formBody, err := parseTransform(in["Transform"])
	if err != nil {
		return nil, err
	}
	if q, ok := in["QueryParameters"]; ok {
		obj, ok := q.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("QueryParameters must be an object, not %s", show(q))
		}
		extra := formEncode(obj, arrayFormat)
		switch {
		case extra == "":
		case u.RawQuery == "":
			u.RawQuery = extra
		default:
			u.RawQuery += "&" + extra
		}
	}
	if h, ok := in["Headers"]; ok {
		obj, ok := h.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Headers must be an object, not %s", show(h))
		}
		for _, k := range sortedKeys(obj) {
			p.headers.Set(k, scalarText(obj[k]))
		}
	}
	if body, ok := in["RequestBody"]; ok {
		if err := p.setBody(body, formBody, arrayFormat); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// parseTransform reads Transform: {RequestBodyEncoding: NONE|URL_ENCODED,
// RequestEncodingOptions: {ArrayFormat: BRACKETS|COMMAS|INDICES|REPEAT}}.
func parseTransform(v any) (arrayFormat string, formBody bool, err error) {
	arrayFormat = "INDICES"
	if v == nil {
		return arrayFormat, false, nil
	}
	t, ok := v.(map[string]any)
	if !ok {
		return "", false, fmt.Errorf("Transform must be an object, not %s", show(v))
	}
	switch enc := t["RequestBodyEncoding"]; enc {
	case nil, "NONE":
	case "URL_ENCODED":
		formBody = true
	default:
		return "", false, fmt.Errorf("Transform.RequestBodyEncoding must be NONE or URL_ENCODED, not %s", show(enc))
	}
	if opts, ok := t["RequestEncodingOptions"]; ok {
		o, ok := opts.(map[string]any)
		if !ok {
			return "", false, fmt.Errorf("Transform.RequestEncodingOptions must be an object, not %s", show(opts))
		}
		switch f := o["ArrayFormat"]; f {
		case nil:
		case "BRACKETS", "COMMAS", "INDICES", "REPEAT":
			arrayFormat = f.(string)
		default:
			return "", false, fmt.Errorf("Transform.RequestEncodingOptions.ArrayFormat must be BRACKETS, COMMAS, INDICES or REPEAT, not %s", show(f))
		}
	}
	return arrayFormat, formBody, nil
}

// setBody encodes RequestBody: form-encoded under URL_ENCODED, a string as it is, anything
// else as JSON.
func (p *parameters) setBody(body any, form bool, arrayFormat string) error {
	switch {
	case form:
		obj, ok := body.(map[string]any)
		if !ok {
			return fmt.Errorf("RequestBody must be an object when Transform.RequestBodyEncoding is URL_ENCODED, not %s", show(body))
		}
		p.body, p.contentType = []byte(formEncode(obj, arrayFormat)), "application/x-www-form-urlencoded"
	case isString(body):
		p.body, p.contentType = []byte(body.(string)), "text/plain; charset=utf-8"
	default:
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode RequestBody: %w", err)
		}
		p.body, p.contentType = data, "application/json"
	}
	return nil
}

func (p *parameters) request(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if p.body != nil {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, p.url.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header = p.headers
	if p.body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", p.contentType)
	}
	return req, nil
}

// formEncode writes obj as application/x-www-form-urlencoded text, keys sorted, nested
// objects as key[sub]=v and arrays as arrayFormat says: INDICES a[0]=x&a[1]=y, BRACKETS
// a[]=x&a[]=y, REPEAT a=x&a=y, COMMAS a=x,y.
func formEncode(obj map[string]any, arrayFormat string) string {
	var pairs []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				walk(key+"["+k+"]", v[k])
			}
		case []any:
			if arrayFormat == "COMMAS" {
				parts := make([]string, len(v))
				for i, e := range v {
					parts[i] = scalarText(e)
				}
				pairs = append(pairs, escapeKey(key)+"="+url.QueryEscape(strings.Join(parts, ",")))
				return
			}
			for i, e := range v {
				switch arrayFormat {
				case "BRACKETS":
					walk(key+"[]", e)
				case "REPEAT":
					walk(key, e)
				default:
					walk(fmt.Sprintf("%s[%d]", key, i), e)
				}
			}
		default:
			pairs = append(pairs, escapeKey(key)+"="+url.QueryEscape(scalarText(v)))
		}
	}
	for _, k := range sortedKeys(obj) {
		walk(k, obj[k])
	}
	return strings.Join(pairs, "&")
}

// escapeKey escapes a form key but keeps the brackets of a[0] and a[] readable, as AWS
// documents the array formats.
func escapeKey(k string) string {
	return strings.NewReplacer("%5B", "[", "%5D", "]").Replace(url.QueryEscape(k))
}

// scalarText is a JSON value as text: strings as they are, anything else as JSON.
func scalarText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, _ := json.Marshal(v)
	return string(data)
}

func show(v any) string {
	if v == nil {
		return "null (missing)"
	}
	data, _ := json.Marshal(v)
	return string(data)
}

func isString(v any) bool { _, ok := v.(string); return ok }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
