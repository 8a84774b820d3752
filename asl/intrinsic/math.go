package intrinsic

import (
	"math/rand/v2"
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
