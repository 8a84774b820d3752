package intrinsic_test

import (
	"encoding/json"
	"fmt"

	"github.com/stepflow/stepflow/asl/intrinsic"
)

// The worked example of docs/intrinsics.md.
func ExampleCompile() {
	var input any
	_ = json.Unmarshal([]byte(`{"user": {"name": "Ana", "plan": "pro"}, "inbox": ["a", "b", "c"], "attempt": 2}`), &input)
	env := intrinsic.Env{Input: input}
	for _, text := range []string{
		`States.Format('Hello, {}! You have {} new \{messages\}.', $.user.name, States.ArrayLength($.inbox))`,
		`States.ArrayPartition($.inbox, 2)`,
		`States.Hash(States.JsonToString($.user), 'SHA-256')`,
		`States.MathAdd($.attempt, 1)`,
	} {
		call, err := intrinsic.Compile(text)
		if err != nil {
			fmt.Println(err)
			continue
		}
		v, err := call.Eval(env)
		if err != nil {
			fmt.Println(err)
			continue
		}
		out, _ := json.Marshal(v)
		fmt.Println(string(out))
	}
	// Output:
	// "Hello, Ana! You have 3 new {messages}."
	// [["a","b"],["c"]]
	// "99a9f8bc9b561310b53467f29bfc073d2722da3d90c8ef2bd58d8726414a354a"
	// 3
}
