package interp

import (
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

func TestJSONataStates(t *testing.T) {
	t.Parallel()
	cases := []runCase{
		{
			name: "task arguments, output and assign",
			definition: `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
				"Arguments":{"Payload":"{% $states.input.n * 2 %}"},"Assign":{"seen":"{% $states.result.Payload %}"},
				"Output":{"r":"{% $states.result.Payload %}","in":"{% $states.input.n %}"},"Next":"P"},
				"P":{"Type":"Pass","Output":"{% $merge([$states.input, {'seen': $seen}]) %}","End":true}}}`,
			input: `{"n":21}`, tasks: echoTasks, status: sfn.StatusSucceeded, output: `{"r":42,"in":21,"seen":42}`,
		},
		{
			name: "catch output and error variables",
			definition: `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
				"Catch":[{"ErrorEquals":["States.ALL"],"Output":{"e":"{% $states.errorOutput.Error %}"},"Assign":{"c":"{% $states.errorOutput.Cause %}"},"Next":"D"}],"End":true},
				"D":{"Type":"Pass","Output":{"e":"{% $states.input.e %}","c":"{% $c %}"},"End":true}}}`,
			tasks: failTask("Boom", "why"), status: sfn.StatusSucceeded, output: `{"e":"Boom","c":"why"}`,
		},
		{
			name: "choice condition and map items",
			definition: `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $count($states.input.xs) > 2 %}","Next":"M"}],"Default":"F"},
				"F":{"Type":"Fail","Error":"Short"},
				"M":{"Type":"Map","Items":"{% $states.input.xs %}","ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value %}"},
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.v * 10 + $states.input.i %}","End":true}}},"End":true}}}`,
			input: `{"xs":[1,2,3]}`, status: sfn.StatusSucceeded, output: `[10,21,32]`,
		},
		{
			name:       "undefined output",
			definition: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"x":"{% $nope %}"},"End":true}}}`,
			status:     sfn.StatusFailed, err: "States.QueryEvaluationError",
			cause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Output/x' returned nothing (undefined).",
		},
		{
			name:       "fail with expressions",
			definition: `{"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Fail","Error":"{% 'E' & $states.input.n %}","Cause":"{% $string($states.input) %}"}}}`,
			input:      `{"n":1}`, status: sfn.StatusFailed, err: "E1", cause: `{"n":1}`,
		},
		{
			name:       "wait seconds expression",
			definition: `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","Next":"P"},"P":{"Type":"Pass","Output":"{% $states.context.State.EnteredTime %}","End":true}}}`,
			input:      `{"s":90}`, status: sfn.StatusSucceeded, output: `"2024-01-01T00:01:30.000Z"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}
