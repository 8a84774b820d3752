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
		{
			// AWS runs jsonata-js 2.0.6: a day takes its maximum width as a year does ("1",
			// where 2.2 writes "001"), [f] reads whole milliseconds (5, where 2.2 reads 500),
			// and a repeated ISO date part is NaN, which no JSON value holds
			name: "definitions run JSONata 2.0.6",
			definition: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{
				"day":"{% $fromMillis(1525132800000, '[D,3-1]') %}",
				"ms":"{% $toMillis('2018-01-01T00:00:00.5', '[Y]-[M]-[D]T[H]:[m]:[s].[f]') - 1514764800000 %}"},"Next":"N"},
				"N":{"Type":"Pass","Output":"{% $string($toMillis('2018-05-05-05')) %}","End":true}}}`,
			status: sfn.StatusFailed, err: "States.QueryEvaluationError",
			cause: "An error occurred while executing the state 'N' (entered at the event id #4). The JSONata expression '$string($toMillis('2018-05-05-05'))' specified for the field 'Output' threw an error during evaluation. D3001: Attempting to invoke string function on Infinity or NaN",
		},
		{
			name: "definitions run JSONata 2.0.6: results",
			definition: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{
				"day":"{% $fromMillis(1525132800000, '[D,3-1]') %}",
				"ms":"{% $toMillis('2018-01-01T00:00:00.5', '[Y]-[M]-[D]T[H]:[m]:[s].[f]') - 1514764800000 %}"},"End":true}}}`,
			status: sfn.StatusSucceeded, output: `{"day":"1","ms":5}`,
		},
		{
			// validation refuses "??" now; a definition stored when Stepflow accepted it runs on
			name:       "a stored definition with the 2.1 coalescing operator",
			definition: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.missing ?? 7 %}","End":true}}}`,
			input:      `{}`, status: sfn.StatusSucceeded, output: `7`,
		},
		{
			name:       "formatNumber that never returns in JSONata 2.0.6",
			definition: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $formatNumber(0, '0e0') %}","End":true}}}`,
			status:     sfn.StatusFailed, err: "States.QueryEvaluationError",
			cause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$formatNumber(0, '0e0')' specified for the field 'Output' threw an error during evaluation. U1001: Expression evaluation timeout: Check for infinite loop",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}
