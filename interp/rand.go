package interp

import "fmt"

// nextRandom advances the execution's splitmix64 generator. Its whole state is one uint64,
// stored in the execution state so that a restored execution continues the same sequence.
func nextRandom(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// randomFloat returns a number in [0, 1).
func randomFloat(state *uint64) float64 {
	return float64(nextRandom(state)>>11) / (1 << 53)
}

// randomUUID returns a version 4 UUID drawn from the generator.
func randomUUID(state *uint64) string {
	a, b := nextRandom(state), nextRandom(state)
	a = (a &^ (0xf << 12)) | (0x4 << 12)
	b = (b &^ (0x3 << 62)) | (0x2 << 62)
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}
