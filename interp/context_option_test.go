package interp

import (
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// Options.Context replaces the Context object as a whole (TestState's context member), in
// both query languages; inside a Map iteration the item is added to it.
func TestContextOption(t *testing.T) {
	t.Parallel()
	given := map[string]any{"Execution": map[string]any{"Id": "arn:given", "Input": map[string]any{"values": []any{"a", "b"}}}, "State": map[string]any{}}
	cases := []runCase{
		{
			name:       "jsonpath",
			definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"all.$":"$$","id.$":"$$.Execution.Id"},"End":true}}}`,
			opts:       Options{Context: given},
			status:     sfn.StatusSucceeded,
			output:     `{"all":{"Execution":{"Id":"arn:given","Input":{"values":["a","b"]}},"State":{}},"id":"arn:given"}`,
		},
		{
			name:       "jsonata",
			definition: `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.context.Execution.Input.values %}","End":true}}}`,
			opts:       Options{Context: given},
			status:     sfn.StatusSucceeded,
			output:     `["a","b"]`,
		},
		{
			name: "map item",
			definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$$.Execution.Input.values",` +
				`"ItemSelector":{"v.$":"$$.Map.Item.Value","id.$":"$$.Execution.Id","state.$":"$$.State"},` +
				`"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			opts:   Options{Context: given},
			status: sfn.StatusSucceeded,
			output: `[{"v":"a","id":"arn:given","state":{}},{"v":"b","id":"arn:given","state":{}}]`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}
