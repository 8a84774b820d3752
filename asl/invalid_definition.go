package asl

import (
	"bytes"
	"strings"
)

// InvalidDefinitionMessage returns the message of the InvalidDefinition error CreateStateMachine
// answers for a definition with these diagnostics, as AWS words it:
//
//	Invalid State Machine Definition: 'CODE: message at /location, CODE: message at /location'
//
// Map Label problems are the exception: AWS reports only the first, as
//
//	Error=ValueError Args=['Label cannot be empty'] in definition '<definition>'.
//
// with the definition re-serialised, so definition must be the text that was parsed.
// Warnings are left out; the result is "" when there is no error.
func (d Diagnostics) InvalidDefinitionMessage(definition []byte) string {
	var parts []string
	for _, x := range d {
		if x.Severity != SeverityError {
			continue
		}
		if x.Code == CodeInvalidLabelName {
			if msg, ok := labelErrorMessage(x.Message, definition); ok {
				return msg
			}
		}
		part := x.Code + ": " + x.Message
		switch {
		case x.Code == CodeInvalidJSONDescription:
			// The message already ends with Jackson's "at [Source: ...]".
		case x.Location == "":
			part += " at null" // AWS prints the absent location as Java's null
		default:
			part += " at " + x.Location
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Invalid State Machine Definition: '" + strings.Join(parts, ", ") + "'"
}

// labelErrorMessage words a Map Label problem as AWS does: a Python ValueError with its
// argument list repr'd and the definition as Python's json.dumps writes it.
func labelErrorMessage(message string, definition []byte) (string, bool) {
	root, err := decodeJSON(bytes.TrimPrefix(definition, []byte("\xef\xbb\xbf")))
	if err != nil {
		return "", false
	}
	return "Error=ValueError Args=[" + pythonRepr(message) + "] in definition '" + pythonJSONDumps(root) + "'.", true
}
