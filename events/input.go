package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl/jsonpath"
)

// The variables an InputTemplate may use without naming them in InputPathsMap.
const (
	varRuleARN       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"
	varEventJSON     = "aws.events.event.json"
)

// deliveryContext is what a target's input may refer to besides the event itself.
type deliveryContext struct {
	ruleARN, ruleName string
	ingested          time.Time
}

// targetInput is the text a target receives for an event (the event's JSON text), shaped as
// EventBridge shapes it: the constant Input, the part InputPath selects, the
// InputTransformer's filled template, or else the whole event.
func targetInput(t *Target, eventText string, dc deliveryContext) (string, error) {
	switch {
	case t.Input != "":
		return t.Input, nil
	case t.InputPath != "":
		event, err := decode(eventText)
		if err != nil {
			return "", err
		}
		v, err := pick(t.InputPath, event)
		if err != nil {
			return "", err
		}
		return encode(v)
	case t.InputTransformer != nil:
		event, err := decode(eventText)
		if err != nil {
			return "", err
		}
		return fillTemplate(t.InputTransformer, event, eventText, dc)
	}
	return eventText, nil
}

func decode(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("event is not JSON: %w", err)
	}
	return v, nil
}

func encode(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// pick selects a path's value from the event; a path that selects nothing gives (nil, nil),
// as EventBridge fills a missing value with null.
func pick(path string, event any) (any, error) {
	p, err := jsonpath.Compile(path)
	if err != nil {
		return nil, err
	}
	v, err := p.Get(event)
	if errors.Is(err, jsonpath.ErrPathNotFound) {
		return nil, nil
	}
	return v, err
}

// fillTemplate puts the values of InputPathsMap (and the predefined variables) into the
// InputTemplate. A placeholder inside a JSON string gets the value's text (a string without
// its quotes, anything else as JSON), escaped for the string; outside a string it gets the
// value as JSON.
func fillTemplate(it *InputTransformer, event any, eventText string, dc deliveryContext) (string, error) {
	values := map[string]any{
		varRuleARN:       dc.ruleARN,
		varRuleName:      dc.ruleName,
		varIngestionTime: dc.ingested.UTC().Format(time.RFC3339),
		varEvent:         event,
		varEventJSON:     json.RawMessage(eventText),
	}
	for name, path := range it.InputPathsMap {
		v, err := pick(path, event)
		if err != nil {
			return "", fmt.Errorf("InputPathsMap %s: %w", name, err)
		}
		values[name] = v
	}
	tmpl := it.InputTemplate
	var out strings.Builder
	inString := false
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '\\' && inString && i+1 < len(tmpl):
			out.WriteByte(c)
			out.WriteByte(tmpl[i+1])
			i++
			continue
		case c == '"':
			inString = !inString
		case c == '<':
			if end := strings.IndexByte(tmpl[i+1:], '>'); end >= 0 {
				name := tmpl[i+1 : i+1+end]
				if v, ok := values[name]; ok {
					text, err := placeholderText(v, inString)
					if err != nil {
						return "", err
					}
					out.WriteString(text)
					i += end + 1
					continue
				}
			}
		}
		out.WriteByte(c)
	}
	return out.String(), nil
}

func placeholderText(v any, inString bool) (string, error) {
	if !inString {
		if v == nil {
			return "null", nil
		}
		return encode(v)
	}
	var text string
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		text = x
	default:
		t, err := encode(x)
		if err != nil {
			return "", err
		}
		text = t
	}
	quoted, err := encode(text)
	if err != nil {
		return "", err
	}
	return quoted[1 : len(quoted)-1], nil
}
