package graph

import (
	"math/rand/v2"
	"testing"
)

// bruteCrossings is the definition countCrossings must agree with: every pair of segments
// between two adjacent layers whose ends are in opposite orders.
func bruteCrossings(layers [][]*vnode) int {
	total := 0
	for _, layer := range layers {
		type segment struct{ a, b int }
		var segs []segment
		for _, v := range layer {
			for _, d := range v.down {
				segs = append(segs, segment{v.order, d.order})
			}
		}
		for i := range segs {
			for j := i + 1; j < len(segs); j++ {
				if (segs[i].a-segs[j].a)*(segs[i].b-segs[j].b) < 0 {
					total++
				}
			}
		}
	}
	return total
}

func TestCountCrossings(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		layers := make([][]*vnode, 2+rng.IntN(4))
		for l := range layers {
			for i := 0; i < 1+rng.IntN(7); i++ {
				layers[l] = append(layers[l], &vnode{order: i, layer: l})
			}
		}
		for l := 0; l+1 < len(layers); l++ {
			for n := rng.IntN(12); n > 0; n-- {
				u := layers[l][rng.IntN(len(layers[l]))]
				u.down = append(u.down, layers[l+1][rng.IntN(len(layers[l+1]))])
			}
		}
		if got, want := countCrossings(layers), bruteCrossings(layers); got != want {
			t.Fatalf("round %d: countCrossings = %d, brute force = %d", round, got, want)
		}
	}
}
