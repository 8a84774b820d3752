package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The editor converts definitions between JSON and YAML on the server, as AWS's console
// offers both. Both directions keep the order of keys (states stay in the order they were
// written) and JSON's number text, so JSON → YAML → JSON gives back the same definition.

// maxConvertedBytes bounds what a conversion may produce: YAML's aliases can expand a small
// text into a huge one, and nothing past AWS's definition limit could be deployed anyway.
const maxConvertedBytes = maxEditorDefinitionBytes

var errConvertedTooLarge = fmt.Errorf("the converted definition is over %d bytes", maxConvertedBytes)

// convertError is a text that does not parse, with the line the parser names (0 if none).
type convertError struct {
	Message string `json:"error"`
	Line    int    `json:"line,omitempty"`
}

func (e *convertError) Error() string { return e.Message }

type convertRequest struct {
	From string `json:"from"` // json or yaml
	Text string `json:"text"`
}

type convertResponse struct {
	Text string `json:"text"`
}

// apiConvert answers a definition in the other format: JSON for YAML, YAML for JSON.
func (s *server) apiConvert(w http.ResponseWriter, r *http.Request) {
	var req convertRequest
	if err := decodeAction(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if len(req.Text) > maxEditorDefinitionBytes {
		writeError(w, fmt.Errorf("the text is %d bytes; the limit is %d", len(req.Text), maxEditorDefinitionBytes))
		return
	}
	var out string
	var err error
	switch req.From {
	case "yaml":
		out, err = yamlToJSON([]byte(req.Text))
	case "json":
		out, err = jsonToYAML([]byte(req.Text))
	default:
		err = fmt.Errorf("from must be json or yaml, not %q", req.From)
	}
	var ce *convertError
	switch {
	case errors.As(err, &ce):
		writeJSON(w, http.StatusBadRequest, ce)
	case err != nil:
		writeError(w, err)
	default:
		writeJSON(w, http.StatusOK, convertResponse{Text: out})
	}
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func yamlError(err error) *convertError {
	ce := &convertError{Message: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		ce.Line, _ = strconv.Atoi(m[1])
	}
	return ce
}

// yamlToJSON converts one YAML document to indented JSON.
func yamlToJSON(text []byte) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return "", yamlError(err)
	}
	if doc.Kind == 0 {
		return "", &convertError{Message: "the YAML text is empty"}
	}
	w := &jsonWriter{}
	if err := w.value(&doc, 0); err != nil {
		return "", err
	}
	w.buf.WriteByte('\n')
	return w.buf.String(), nil
}

type jsonWriter struct {
	buf bytes.Buffer
}

// str writes a JSON string as a person would: <, > and & stay themselves (json.Marshal would
// escape them for HTML), so a definition's text survives a round trip unchanged.
func (w *jsonWriter) str(s string) {
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)                   // a string always encodes
	w.buf.Truncate(w.buf.Len() - 1) // Encode's newline
}

func (w *jsonWriter) newline(depth int) {
	w.buf.WriteByte('\n')
	for range depth {
		w.buf.WriteString("  ")
	}
}

func (w *jsonWriter) value(n *yaml.Node, depth int) error {
	if w.buf.Len() > maxConvertedBytes {
		return errConvertedTooLarge
	}
	switch n.Kind {
	case yaml.DocumentNode:
		return w.value(n.Content[0], depth)
	case yaml.AliasNode:
		// An alias repeats its anchor's value; the size check above stops runaway expansion.
		return w.value(n.Alias, depth)
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			w.buf.WriteString("{}")
			return nil
		}
		w.buf.WriteByte('{')
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return &convertError{Message: "a key must be a plain value (merge keys and complex keys have no JSON form)", Line: k.Line}
			}
			if seen[k.Value] {
				return &convertError{Message: fmt.Sprintf("the key %q appears twice", k.Value), Line: k.Line}
			}
			seen[k.Value] = true
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.newline(depth + 1)
			w.str(k.Value)
			w.buf.WriteString(": ")
			if err := w.value(v, depth+1); err != nil {
				return err
			}
		}
		w.newline(depth)
		w.buf.WriteByte('}')
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			w.buf.WriteString("[]")
			return nil
		}
		w.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.newline(depth + 1)
			if err := w.value(item, depth+1); err != nil {
				return err
			}
		}
		w.newline(depth)
		w.buf.WriteByte(']')
	case yaml.ScalarNode:
		return w.scalar(n)
	}
	return nil
}

func (w *jsonWriter) scalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		w.buf.WriteString("null")
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return &convertError{Message: err.Error(), Line: n.Line}
		}
		w.buf.WriteString(strconv.FormatBool(b))
	case "!!int", "!!float":
		// JSON's own number text is kept as written; YAML-only forms (0x1F, 1_000, .5) are
		// converted to their value.
		if json.Valid([]byte(n.Value)) {
			w.buf.WriteString(n.Value)
			return nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return &convertError{Message: err.Error(), Line: n.Line}
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return &convertError{Message: fmt.Sprintf("%s has no JSON form", n.Value), Line: n.Line}
		}
		w.buf.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
	case "!!str", "!!timestamp":
		// A timestamp stays the text it was written as: ASL's timestamps are strings.
		w.str(n.Value)
	default:
		return &convertError{Message: fmt.Sprintf("the tag %s has no JSON form", n.Tag), Line: n.Line}
	}
	return nil
}

// jsonToYAML converts a JSON text to YAML, keeping the order of its keys.
func jsonToYAML(text []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	node, err := jsonNode(dec)
	if err != nil {
		return "", jsonError(text, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", &convertError{Message: "there is more after the JSON value"}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	if buf.Len() > maxConvertedBytes {
		return "", errConvertedTooLarge
	}
	return buf.String(), nil
}

// jsonError names the line of a JSON syntax error.
func jsonError(text []byte, err error) *convertError {
	ce := &convertError{Message: err.Error()}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		ce.Line = 1 + bytes.Count(text[:min(int(syntax.Offset), len(text))], []byte("\n"))
	}
	return ce
}

func jsonNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("the JSON text ended early")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := jsonNode(dec)
				if err != nil {
					return nil, err
				}
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.(string)}, v)
			}
			_, err := dec.Token() // }
			return m, err
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for dec.More() {
			v, err := jsonNode(dec)
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, v)
		}
		_, err := dec.Token() // ]
		return seq, err
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}
		if strings.Contains(t, "\n") {
			n.Style = yaml.LiteralStyle
		}
		return n, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(t), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(t)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	default: // nil
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
}
