package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/pyjson"

	"github.com/stepflow/stepflow/task/function"
)

// fakeLambda stands in for the Python Lambda functions the recordings invoked, as lambda.json
// describes them. It answers like the Python runtime does: results serialised by json.dumps
// (", " and ": " separators, non-ASCII escaped), so Content-Length headers come out as recorded;
// errors as the runtime's error document with a Python stack trace.
func fakeLambda(b LambdaBehaviour) function.Function {
	return lambdaFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		switch b.Kind {
		case "echo":
			v, err := jsonvalue.Decode(payload)
			if err != nil {
				return nil, err
			}
			return []byte(pythonDumps(v)), nil
		case "constant":
			return []byte(pythonDumps(b.Value)), nil
		case "raise":
			doc := map[string]any{
				"errorMessage": b.ErrorMessage,
				"errorType":    b.ErrorType,
				"requestId":    "00000000-0000-4000-8000-000000000001",
				"stackTrace": []any{
					fmt.Sprintf("  File \"/var/task/handler.py\", line 2, in handler\n    raise %s(%q)\n", b.ErrorType, b.ErrorMessage),
				},
			}
			return nil, &function.Error{Payload: []byte(pythonDumps(doc))}
		}
		return nil, fmt.Errorf("unknown lambda behaviour %q", b.Kind)
	})
}

type lambdaFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f lambdaFunc) Call(ctx context.Context, payload []byte) ([]byte, error) { return f(ctx, payload) }

// pythonDumps encodes like Python's json.dumps with default arguments.
func pythonDumps(v any) string {
	var b strings.Builder
	writePython(&b, v)
	return b.String()
}

func writePython(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case float64:
		if v == float64(int64(v)) {
			fmt.Fprintf(b, "%d", int64(v))
		} else {
			s, _ := json.Marshal(v)
			b.Write(s)
		}
	case string:
		pyjson.WriteString(b, v)
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writePython(b, x)
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(string(v))
	case *jsonvalue.Object, map[string]any:
		// A Python dict keeps the order its keys came in.
		o, _ := jsonvalue.AsObject(v)
		b.WriteByte('{')
		for i := range o.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			pyjson.WriteString(b, o.KeyAt(i))
			b.WriteString(": ")
			writePython(b, o.ValueAt(i))
		}
		b.WriteByte('}')
	}
}
