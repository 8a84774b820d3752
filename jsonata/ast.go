package jsonata

// node is one node of the expression tree. The parser builds a raw tree; process then
// rewrites it into the form the evaluator walks (paths as step lists, predicates attached
// to steps as stages, parent references resolved to ancestor slots).
type node struct {
	typ   string
	value string // operator symbol, name, or variable name
	lit   any    // literal value for string, number and value nodes
	pos   int

	lhs, rhs *node
	expr     *node   // operand of unary minus
	exprs    []*node // array constructor items, block expressions
	pairs    [][2]*node
	steps    []*node

	cond, then, els *node

	procedure *node
	args      []*node
	params    []string
	sig       *signature
	body      *node
	thunk     bool

	pattern, update, del *node

	terms     []sortTerm
	predicate []*stage
	stages    []*stage
	group     *groupSpec

	keepArray          bool
	keepSingletonArray bool
	consarray          bool
	tuple              bool
	focus              string
	index              string
	ancestor           *slot
	slot               *slot
	seekingParent      []*slot

	regex *regexValue
}

type sortTerm struct {
	descending bool
	expr       *node
}

// stage is a predicate filter or an index binding (#$i) applied to a step's results.
type stage struct {
	typ   string // "filter" or "index"
	expr  *node
	value string
	pos   int
}

type groupSpec struct {
	pairs [][2]*node
	pos   int
}

// slot is a pending reference to an ancestor (the % operator) that the path resolution
// binds to the step whose context it needs.
type slot struct {
	label string
	level int
	index int
}
