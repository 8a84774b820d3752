package intrinsic

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

func statesMathRandom(c *Call, args []any, env Env) (any, error) {
	start, err := wantRounded(c, args, 0)
	if err != nil {
		return nil, err
	}
	end, err := wantRounded(c, args, 1)
	if err != nil {
		return nil, err
	}
	if end < start {
		return nil, failure("The end of States.MathRandom (%d) must not be less than its start (%d)", end, start)
	}
	var r float64
	if len(args) == 3 {
		seed, err := wantRounded(c, args, 2)
		if err != nil {
			return nil, err
		}
		// The same seed gives the same number, as on AWS (though not AWS's number).
		r = rand.New(rand.NewPCG(uint64(seed), 0x5eed)).Float64()
	} else {
		if env.Random == nil {
			return nil, failure("States.MathRandom has no source of random numbers")
		}
		r = env.Random()
	}
	// Both bounds are included.
	return float64(start + int64(r*float64(end-start+1))), nil
}

func statesMathAdd(c *Call, args []any, _ Env) (any, error) {
	if isBigInteger(args[0]) || isBigInteger(args[1]) {
		return exactSum(c, args)
	}
	a, err := wantRounded(c, args, 0)
	if err != nil {
		return nil, err
	}
	b, err := wantRounded(c, args, 1)
	if err != nil {
		return nil, err
	}
	return float64(a + b), nil
}

// exactSum adds when an argument is an integer beyond 2^53, which AWS keeps exact: the sum
// is exact too (a float64 argument is rounded half up first, as in statesMathAdd).
func exactSum(c *Call, args []any) (any, error) {
	sum := new(big.Int)
	for i := range 2 {
		if isBigInteger(args[i]) {
			n, _ := new(big.Int).SetString(string(args[i].(json.Number)), 10)
			sum.Add(sum, n)
			continue
		}
		r, err := wantRounded(c, args, i)
		if err != nil {
			return nil, err
		}
		sum.Add(sum, big.NewInt(r))
	}
	return jsonvalue.Integer(sum), nil
}

// isBigInteger reports whether v is an integer kept exact beyond 2^53 (a json.Number of
// digits; a json.Number may also be a decimal kept for its rendering, such as 1.0).
func isBigInteger(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, ok = new(big.Int).SetString(string(n), 10)
	return ok
}
