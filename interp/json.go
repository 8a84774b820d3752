package interp

import "encoding/json"

// encodeJSON is the JSON text of a value, for causes and assigned-variable details. Only error
// paths and history call it; the hot path measures sizes without encoding.
func encodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
