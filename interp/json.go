package interp

import "github.com/stepflow/stepflow/internal/jsonvalue"

// encodeJSON is the JSON text of a value, for causes and assigned-variable details, as AWS
// writes it (no HTML escaping). Only error paths and history call it; the hot path measures
// sizes without encoding.
func encodeJSON(v any) string { return jsonvalue.MarshalString(v) }
