package jsonata

import "strconv"

// An expression can build values far larger than its input: a range, a string doubled in a
// loop, an array appended to itself, one value shared a million times and then copied out.
// The time limit alone does not stop that, since a few seconds are enough to fill any
// machine's memory. So each evaluation counts what it builds and stops, with error U1003,
// once it has built more than its budget.
//
// The count is cumulative: an intermediate value counts even after it is dropped, because
// the evaluator cannot know what is still referenced. That bounds memory from above (what is
// live is never more than what was built) at the price of charging loops that rebuild a
// value many times; the defaults leave room for those at the sizes a state's payload allows.
const (
	// DefaultMaxElements bounds the array items and object entries one evaluation may
	// create when EvalOptions.MaxElements is zero. An item costs 16 to 40 bytes, so this is
	// 0.3 to 0.8 GB at most, and twice the largest range JSONata allows (1e7 items).
	DefaultMaxElements = 20_000_000
	// DefaultMaxStringBytes bounds the bytes of the strings one evaluation may build when
	// EvalOptions.MaxStringBytes is zero: 256 MiB, a thousand times the largest payload a
	// state may pass on.
	DefaultMaxStringBytes = 256 << 20
)

// objectCost is what building an object or map costs, in array items: a map's header and
// first group of slots take about 400 bytes where an array item takes 16 or 24.
const objectCost = 24

// budget counts what one evaluation builds. Its spend methods panic with a *limitExceeded
// when the budget is spent, because the walkers that build values are deep recursions
// without error results; the evaluation's recover turns the panic into the returned error.
type budget struct {
	elements       int
	maxElements    int // <= 0: no limit
	stringBytes    int
	maxStringBytes int // <= 0: no limit
}

// limitExceeded is the panic value of an exhausted budget or an over-deep value.
type limitExceeded struct{ err *Error }

func newBudget(opts *EvalOptions) budget {
	b := budget{maxElements: opts.MaxElements, maxStringBytes: opts.MaxStringBytes}
	if b.maxElements == 0 {
		b.maxElements = DefaultMaxElements
	}
	if b.maxStringBytes == 0 {
		b.maxStringBytes = DefaultMaxStringBytes
	}
	return b
}

// spend records n new array items or object entries. A nil budget counts nothing.
func (b *budget) spend(n int) {
	if b == nil {
		return
	}
	b.elements += n
	if b.maxElements > 0 && b.elements > b.maxElements {
		panic(&limitExceeded{&Error{Code: "U1003", Message: "Evaluation budget exceeded: the expression built more than " +
			strconv.Itoa(b.maxElements) + " array items and object entries"}})
	}
}

// spendString records a new string of n bytes.
func (b *budget) spendString(n int) {
	if b == nil {
		return
	}
	b.stringBytes += n
	if b.maxStringBytes > 0 && b.stringBytes > b.maxStringBytes {
		panic(&limitExceeded{&Error{Code: "U1003", Message: "Evaluation budget exceeded: the expression built more than " +
			strconv.Itoa(b.maxStringBytes) + " bytes of strings"}})
	}
}

// stringRoom is how many more string bytes may be built (-1: no limit), so that a writer
// can stop before it builds a string the budget would refuse anyway.
func (b *budget) stringRoom() int {
	if b == nil || b.maxStringBytes <= 0 {
		return -1
	}
	return max(b.maxStringBytes-b.stringBytes, 0)
}

// recoverLimit turns a limitExceeded panic into the returned error and lets any other
// panic go on.
func recoverLimit(err *error) {
	if r := recover(); r != nil {
		l, ok := r.(*limitExceeded)
		if !ok {
			panic(r)
		}
		e := *l.err
		*err = &e
	}
}
