package api

import (
	"net/http"
	"testing"
)

// TestDefinitionJSONataIs206: AWS runs JSONata 2.0.6, where the 2.1 operators "??" and "?:"
// are syntax errors, so a definition using them is refused as any JSONata syntax error is,
// with 2.0.6's parser message (as node runs of jsonata-js 2.0.6 give it).
func TestDefinitionJSONataIs206(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	definition := quoteJSON(`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.discount ?? 0 %}","End":true}}}`)
	srv.post(t, "CreateStateMachine", `{"name":"m","roleArn":"`+edgeRoleARN+`","definition":`+definition+`}`).
		wantAWSError(t, http.StatusBadRequest, "InvalidDefinition",
			`Invalid State Machine Definition: 'INVALID_JSONATA_EXPRESSION: The symbol "?" cannot be used as a unary operator at /States/P/Output'`)
}
