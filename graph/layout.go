package graph

import (
	"math"
	"sort"
	"unicode/utf8"
)

// Point is a position in the drawing, in pixels, y downwards.
type Point struct{ X, Y float64 }

// Rect is a box: top-left corner, width and height.
type Rect struct{ X, Y, W, H float64 }

// Overlaps reports whether two boxes share any area.
func (r Rect) Overlaps(o Rect) bool {
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

// Contains reports whether o lies inside r.
func (r Rect) Contains(o Rect) bool {
	return o.X >= r.X && o.Y >= r.Y && o.X+o.W <= r.X+r.W && o.Y+o.H <= r.Y+r.H
}

// Layout places a graph: a box per node (a compound node's box encloses its machines), a box
// per nested machine, and a route per edge.
type Layout struct {
	Width, Height float64
	Boxes         map[*Node]Rect
	MachineBoxes  map[*Machine]Rect // nested machines only
	Routes        []Route
}

// Route is where an edge is drawn. Points run from the source to the target; Label is the
// centre of the edge's label. A Retry self-loop has two points, where the loop leaves the
// node's right side and where it comes back.
type Route struct {
	Edge   *Edge
	Points []Point
	Label  Point
}

// Sizes, in pixels, of the drawing.
const (
	nodeHeight     = 44.0
	nodeMinWidth   = 110.0
	nodeMaxWidth   = 240.0
	terminalWidth  = 72.0
	terminalHeight = 30.0
	nameCharWidth  = 7.2 // average advance of a 12px sans-serif character
	noteCharWidth  = 5.8 // the same at 10px, for retry notes
	nodeTextPad    = 24.0
	nodeSeparation = 28.0
	dummyWidth     = 10.0
	layerGap       = 26.0 // between a layer of nodes and the layer of edge labels below it
	labelHeight    = 16.0
	maxLabelChars  = 40
	machinePad     = 16.0
	machineHeader  = 20.0 // a nested machine's label ("Branch 1")
	compoundHeader = 30.0 // a Parallel or Map state's name above its machines
	machineGap     = 16.0
	loopWidth      = 22.0
	maxNameChars   = int((nodeMaxWidth - nodeTextPad) / nameCharWidth)
	maxNoteChars   = 32
	sweepRounds    = 12
	placeRounds    = 10
)

// Arrange lays a graph out top to bottom: each machine in layers by longest path (back edges
// of loops reversed), ordered by barycentric sweeps that keep the ordering with the fewest
// crossings, long edges routed through reserved slots of the layers they span. A Parallel or
// Map node is sized to hold its machines, each laid out the same way.
func Arrange(g *Graph) *Layout {
	a := &arranger{local: map[*Machine]*machinePlacement{}, size: map[*Node]Point{}}
	root := a.machine(g.Root)
	l := &Layout{Width: root.w, Height: root.h, Boxes: map[*Node]Rect{}, MachineBoxes: map[*Machine]Rect{}}
	a.place(l, g.Root, Point{})
	return l
}

// DisplayName is a node's name as drawn, shortened with an ellipsis to fit the widest box.
func DisplayName(n *Node) string { return shorten(n.Name, maxNameChars) }

// DisplayNote is a retry note as drawn.
func DisplayNote(note string) string { return shorten(note, maxNoteChars) }

func shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

type arranger struct {
	local map[*Machine]*machinePlacement
	size  map[*Node]Point // width, height
}

// machinePlacement is a machine laid out in its own coordinates (origin at its top-left).
type machinePlacement struct {
	w, h        float64
	boxes       map[*Node]Rect
	routes      []Route
	childOrigin map[*Machine]Point // relative to the compound node's top-left
}

// vnode is a node of the layered graph: a real node, or a dummy reserving a slot for an edge
// that spans several layers.
type vnode struct {
	node     *Node // nil for a dummy
	w, h     float64
	extra    float64 // room on the right for a retry loop and its note
	label    bool    // a dummy holding its edge's label
	layer    int
	order    int
	x        float64 // centre of the box
	key      float64 // sort key of the current sweep
	up, down []*vnode
}

// chain is one edge as a path of vnodes in layer order (top to bottom); reversed edges
// (loops going back up) are drawn from the last vnode to the first.
type chain struct {
	edge     *Edge
	vnodes   []*vnode
	reversed bool
	label    *vnode // the dummy carrying the label, nil when the edge has none
}

func (a *arranger) measure(n *Node) Point {
	if s, ok := a.size[n]; ok {
		return s
	}
	var s Point
	switch {
	case n.Kind != KindState:
		s = Point{terminalWidth, terminalHeight}
	case n.Compound():
		w, h := 0.0, 0.0
		for i, m := range n.Children {
			mp := a.machine(m)
			if i > 0 {
				w += machineGap
			}
			w += mp.w
			h = math.Max(h, mp.h)
		}
		titleW := float64(utf8.RuneCountInString(DisplayName(n))+len(n.Type)+3)*nameCharWidth + nodeTextPad
		s = Point{math.Max(w+2*machinePad, titleW), h + compoundHeader + machinePad}
	default:
		text := math.Max(float64(utf8.RuneCountInString(DisplayName(n)))*nameCharWidth, float64(len(n.Type))*noteCharWidth)
		s = Point{math.Min(nodeMaxWidth, math.Max(nodeMinWidth, text+nodeTextPad)), nodeHeight}
	}
	a.size[n] = s
	return s
}

// labelWidth is the width of an edge label's box.
func labelWidth(label string) float64 {
	return float64(utf8.RuneCountInString(shorten(label, maxLabelChars)))*noteCharWidth + 8
}

func retryRoom(n *Node) float64 {
	if n.Retry == "" {
		return 0
	}
	return loopWidth + float64(utf8.RuneCountInString(DisplayNote(n.Retry)))*noteCharWidth
}

// machine lays out one machine (and, first, the machines nested in its compound nodes).
func (a *arranger) machine(m *Machine) *machinePlacement {
	if mp, ok := a.local[m]; ok {
		return mp
	}
	mp := &machinePlacement{boxes: map[*Node]Rect{}, childOrigin: map[*Machine]Point{}}
	a.local[m] = mp
	top := machinePad
	if m.Label != "" {
		top += machineHeader
	}
	if len(m.Nodes) == 0 {
		mp.w, mp.h = 2*machinePad+nodeMinWidth, top+machinePad+terminalHeight
		return mp
	}

	vnodes := map[*Node]*vnode{}
	var all []*vnode
	for _, n := range m.Nodes {
		s := a.measure(n)
		v := &vnode{node: n, w: s.X, h: s.Y, extra: retryRoom(n)}
		vnodes[n] = v
		all = append(all, v)
	}
	var flow []*Edge
	for _, e := range m.Edges {
		if e.From != e.To {
			flow = append(flow, e)
		}
	}
	reversed := backEdges(m, flow)
	assignLayers(m, all, vnodes, flow, reversed)
	// Nodes go on even layers; the odd layers between them hold edge labels as dummies as
	// wide as the label, so labels take room in the ordering and never overlap.
	for _, v := range all {
		v.layer *= 2
	}

	var chains []*chain
	for _, e := range flow {
		c := &chain{edge: e, reversed: reversed[e]}
		upper, lower := vnodes[e.From], vnodes[e.To]
		if c.reversed {
			upper, lower = lower, upper
		}
		c.vnodes = append(c.vnodes, upper)
		labelLayer := upper.layer + 1
		if c.reversed {
			labelLayer = lower.layer - 1
		}
		for l := upper.layer + 1; l < lower.layer; l++ {
			d := &vnode{w: dummyWidth, layer: l}
			if l == labelLayer && e.Label != "" {
				d.w, d.h, d.label = labelWidth(e.Label), labelHeight, true
				c.label = d
			}
			all = append(all, d)
			c.vnodes = append(c.vnodes, d)
		}
		c.vnodes = append(c.vnodes, lower)
		for i := 0; i+1 < len(c.vnodes); i++ {
			c.vnodes[i].down = append(c.vnodes[i].down, c.vnodes[i+1])
			c.vnodes[i+1].up = append(c.vnodes[i+1].up, c.vnodes[i])
		}
		chains = append(chains, c)
	}

	layers := initialOrder(all, vnodes[m.Start])
	reduceCrossings(layers)
	assignX(layers)

	// Vertical placement: each layer as tall as its tallest node, nodes centred in it.
	layerTop := make([]float64, len(layers))
	layerHeight := make([]float64, len(layers))
	y := top
	for i, layer := range layers {
		for _, v := range layer {
			layerHeight[i] = math.Max(layerHeight[i], v.h)
		}
		layerTop[i] = y
		y += layerHeight[i] + layerGap
	}
	mp.h = y - layerGap + machinePad

	left, right := math.Inf(1), math.Inf(-1)
	for _, v := range all {
		left = math.Min(left, v.x-v.w/2)
		right = math.Max(right, v.x+v.w/2+v.extra)
	}
	shift := machinePad - left
	mp.w = right - left + 2*machinePad
	if m.Label != "" {
		mp.w = math.Max(mp.w, float64(utf8.RuneCountInString(m.Label))*nameCharWidth+2*machinePad)
	}
	for _, v := range all {
		v.x += shift
	}
	for _, v := range all {
		if v.node == nil {
			continue
		}
		box := Rect{X: v.x - v.w/2, Y: layerTop[v.layer] + (layerHeight[v.layer]-v.h)/2, W: v.w, H: v.h}
		mp.boxes[v.node] = box
		if v.node.Compound() {
			x := box.X + (box.W-a.childrenWidth(v.node))/2
			for _, child := range v.node.Children {
				mp.childOrigin[child] = Point{x - box.X, compoundHeader}
				x += a.local[child].w + machineGap
			}
		}
	}
	mp.routes = routeChains(chains, mp.boxes, layerTop, layerHeight)
	for _, e := range m.Edges {
		if e.From == e.To {
			b := mp.boxes[e.From]
			cy := b.Y + b.H/2
			mp.routes = append(mp.routes, Route{
				Edge:   e,
				Points: []Point{{b.X + b.W, cy - 8}, {b.X + b.W, cy + 8}},
				Label:  Point{b.X + b.W + loopWidth, cy},
			})
		}
	}
	return mp
}

func (a *arranger) childrenWidth(n *Node) float64 {
	w := 0.0
	for i, child := range n.Children {
		if i > 0 {
			w += machineGap
		}
		w += a.local[child].w
	}
	return w
}

// place copies a machine's placement into the layout at origin, recursing into compound nodes.
func (a *arranger) place(l *Layout, m *Machine, origin Point) {
	mp := a.local[m]
	// In the machine's node order, not the map's: the routes of nested machines are appended
	// as they are placed, and the same definition must give the same SVG (the editor keeps a
	// graph whose text did not change).
	for _, n := range m.Nodes {
		b, ok := mp.boxes[n]
		if !ok {
			continue
		}
		b.X += origin.X
		b.Y += origin.Y
		l.Boxes[n] = b
		for _, child := range n.Children {
			co := mp.childOrigin[child]
			at := Point{b.X + co.X, b.Y + co.Y}
			cp := a.local[child]
			l.MachineBoxes[child] = Rect{X: at.X, Y: at.Y, W: cp.w, H: b.H - compoundHeader - machinePad}
			a.place(l, child, at)
		}
	}
	for _, r := range mp.routes {
		pts := make([]Point, len(r.Points))
		for i, p := range r.Points {
			pts[i] = Point{p.X + origin.X, p.Y + origin.Y}
		}
		l.Routes = append(l.Routes, Route{Edge: r.Edge, Points: pts, Label: Point{r.Label.X + origin.X, r.Label.Y + origin.Y}})
	}
}

// backEdges finds the edges that close loops, by depth-first search from the machine's start
// (then from any node not reached), so that the rest form an acyclic graph to layer.
func backEdges(m *Machine, flow []*Edge) map[*Edge]bool {
	out := map[*Node][]*Edge{}
	for _, e := range flow {
		out[e.From] = append(out[e.From], e)
	}
	const (
		unseen = iota
		onStack
		done
	)
	state := map[*Node]int{}
	back := map[*Edge]bool{}
	var visit func(n *Node)
	visit = func(n *Node) {
		state[n] = onStack
		for _, e := range out[n] {
			switch state[e.To] {
			case unseen:
				visit(e.To)
			case onStack:
				back[e] = true
			}
		}
		state[n] = done
	}
	if m.Start != nil {
		visit(m.Start)
	}
	for _, n := range m.Nodes {
		if state[n] == unseen {
			visit(n)
		}
	}
	return back
}

// assignLayers puts every node one layer below its lowest predecessor (longest path), and the
// End terminal alone at the bottom.
func assignLayers(m *Machine, all []*vnode, vnodes map[*Node]*vnode, flow []*Edge, reversed map[*Edge]bool) {
	preds := map[*vnode][]*vnode{}
	succs := map[*vnode][]*vnode{}
	indegree := map[*vnode]int{}
	for _, e := range flow {
		from, to := vnodes[e.From], vnodes[e.To]
		if reversed[e] {
			from, to = to, from
		}
		preds[to] = append(preds[to], from)
		succs[from] = append(succs[from], to)
		indegree[to]++
	}
	var queue []*vnode
	for _, v := range all {
		if indegree[v] == 0 {
			queue = append(queue, v)
		}
	}
	maxLayer := 0
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, p := range preds[v] {
			v.layer = max(v.layer, p.layer+1)
		}
		maxLayer = max(maxLayer, v.layer)
		for _, s := range succs[v] {
			indegree[s]--
			if indegree[s] == 0 {
				queue = append(queue, s)
			}
		}
	}
	for _, v := range all {
		if v.node.Kind == KindEnd {
			top := 0
			for _, u := range all {
				if u != v {
					top = max(top, u.layer)
				}
			}
			v.layer = top + 1
		}
	}
}

// initialOrder orders each layer by first visit in a breadth-first walk down from the start,
// which keeps a chain of states in one column before any sweeping.
func initialOrder(all []*vnode, start *vnode) [][]*vnode {
	depth := 0
	for _, v := range all {
		depth = max(depth, v.layer)
	}
	layers := make([][]*vnode, depth+1)
	seen := map[*vnode]bool{}
	add := func(v *vnode) {
		if !seen[v] {
			seen[v] = true
			v.order = len(layers[v.layer])
			layers[v.layer] = append(layers[v.layer], v)
		}
	}
	queue := []*vnode{}
	if start != nil {
		queue = append(queue, start)
	}
	for _, v := range all {
		if v.node != nil && len(v.up) == 0 {
			queue = append(queue, v)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		if seen[v] {
			continue
		}
		add(v)
		queue = append(queue, v.down...)
	}
	for _, v := range all {
		add(v)
	}
	return layers
}

// reduceCrossings sweeps down and up, sorting each layer by the mean position of its
// neighbours in the layer just swept, and keeps the best ordering seen.
func reduceCrossings(layers [][]*vnode) {
	best := snapshotOrder(layers)
	bestCrossings := countCrossings(layers)
	for round := 0; round < sweepRounds && bestCrossings > 0; round++ {
		for l := 1; l < len(layers); l++ {
			sortByBarycenter(layers[l], func(v *vnode) []*vnode { return v.up })
		}
		for l := len(layers) - 2; l >= 0; l-- {
			sortByBarycenter(layers[l], func(v *vnode) []*vnode { return v.down })
		}
		if c := countCrossings(layers); c < bestCrossings {
			bestCrossings = c
			best = snapshotOrder(layers)
		}
	}
	for l := range layers {
		layers[l] = best[l]
		for i, v := range layers[l] {
			v.order = i
		}
	}
}

func snapshotOrder(layers [][]*vnode) [][]*vnode {
	s := make([][]*vnode, len(layers))
	for i, l := range layers {
		s[i] = append([]*vnode(nil), l...)
	}
	return s
}

func sortByBarycenter(layer []*vnode, neighbours func(*vnode) []*vnode) {
	for _, v := range layer {
		ns := neighbours(v)
		v.key = float64(v.order)
		if len(ns) == 0 {
			continue
		}
		sum := 0.0
		for _, n := range ns {
			sum += float64(n.order)
		}
		v.key = sum / float64(len(ns))
	}
	sort.SliceStable(layer, func(i, j int) bool { return layer[i].key < layer[j].key })
	for i, v := range layer {
		v.order = i
	}
}

// countCrossings counts pairs of crossing segments between adjacent layers: for segments
// sorted by their upper end, each pair whose lower ends are out of order crosses. Inversions
// are counted with a Fenwick tree, so a layer costs E log V rather than E².
func countCrossings(layers [][]*vnode) int {
	total := 0
	for l := 0; l+1 < len(layers); l++ {
		type segment struct{ a, b int }
		var segs []segment
		for _, v := range layers[l] {
			for _, d := range v.down {
				segs = append(segs, segment{v.order, d.order})
			}
		}
		sort.Slice(segs, func(i, j int) bool {
			if segs[i].a != segs[j].a {
				return segs[i].a < segs[j].a
			}
			return segs[i].b < segs[j].b
		})
		width := len(layers[l+1])
		tree := make([]int, width+1) // counts of lower ends seen so far, by position
		seen := 0
		for i := 0; i < len(segs); {
			// Segments sharing an upper end do not cross each other: count the group against
			// the earlier ones, then add it.
			j := i
			for j < len(segs) && segs[j].a == segs[i].a {
				notAfter := 0
				for k := segs[j].b + 1; k > 0; k -= k & -k {
					notAfter += tree[k]
				}
				total += seen - notAfter
				j++
			}
			for ; i < j; i++ {
				for k := segs[i].b + 1; k <= width; k += k & -k {
					tree[k]++
				}
				seen++
			}
		}
	}
	return total
}

// separation is the least distance between the centres of neighbours u (left) and v.
func separation(u, v *vnode) float64 {
	return u.w/2 + u.extra + nodeSeparation + v.w/2
}

// assignX packs each layer, then repeatedly pulls every node towards the mean x of its
// neighbours in the adjacent layers while keeping the layer's order and spacing.
func assignX(layers [][]*vnode) {
	for _, layer := range layers {
		x := 0.0
		for i, v := range layer {
			if i > 0 {
				x += separation(layer[i-1], v)
			}
			v.x = x
		}
		for _, v := range layer {
			v.x -= x / 2
		}
	}
	for round := 0; round < placeRounds; round++ {
		for l := 1; l < len(layers); l++ {
			pull(layers[l], func(v *vnode) []*vnode { return v.up })
		}
		for l := len(layers) - 2; l >= 0; l-- {
			pull(layers[l], func(v *vnode) []*vnode { return v.down })
		}
	}
}

// pull moves a layer's nodes as close to their desired x as the spacing allows: the mean of
// a left-to-right and a right-to-left packing, each of which keeps the spacing, keeps it too.
func pull(layer []*vnode, neighbours func(*vnode) []*vnode) {
	n := len(layer)
	if n == 0 {
		return
	}
	want := make([]float64, n)
	for i, v := range layer {
		want[i] = v.x
		if ns := neighbours(v); len(ns) > 0 {
			sum := 0.0
			for _, u := range ns {
				sum += u.x
			}
			want[i] = sum / float64(len(ns))
		}
	}
	fromLeft := make([]float64, n)
	fromRight := make([]float64, n)
	for i := range layer {
		fromLeft[i] = want[i]
		if i > 0 {
			fromLeft[i] = math.Max(want[i], fromLeft[i-1]+separation(layer[i-1], layer[i]))
		}
	}
	for i := n - 1; i >= 0; i-- {
		fromRight[i] = want[i]
		if i < n-1 {
			fromRight[i] = math.Min(want[i], fromRight[i+1]-separation(layer[i], layer[i+1]))
		}
	}
	for i, v := range layer {
		v.x = (fromLeft[i] + fromRight[i]) / 2
	}
}

// routeChains turns chains into points. Edges leave a node's bottom and enter the next one's
// top at ports spread along the side, ordered by where they go, so parallel edges stay apart.
func routeChains(chains []*chain, boxes map[*Node]Rect, layerTop, layerHeight []float64) []Route {
	type port struct {
		c     *chain
		other float64 // x of the vnode at the other end of the first segment, for ordering
	}
	bottom := map[*vnode][]port{}
	top := map[*vnode][]port{}
	for _, c := range chains {
		first, last := c.vnodes[0], c.vnodes[len(c.vnodes)-1]
		bottom[first] = append(bottom[first], port{c, c.vnodes[1].x})
		top[last] = append(top[last], port{c, c.vnodes[len(c.vnodes)-2].x})
	}
	portX := func(ports []port, v *vnode, c *chain) float64 {
		sort.SliceStable(ports, func(i, j int) bool { return ports[i].other < ports[j].other })
		k := len(ports)
		if k == 1 {
			return v.x
		}
		step := math.Min(20, 0.6*v.w/float64(k-1))
		for i, p := range ports {
			if p.c == c {
				return v.x + (float64(i)-float64(k-1)/2)*step
			}
		}
		return v.x
	}
	routes := make([]Route, 0, len(chains))
	for _, c := range chains {
		first, last := c.vnodes[0], c.vnodes[len(c.vnodes)-1]
		fb, lb := boxes[first.node], boxes[last.node]
		var pts []Point
		x := portX(bottom[first], first, c)
		pts = append(pts, Point{x, fb.Y + fb.H})
		if bottomY := layerTop[first.layer] + layerHeight[first.layer]; fb.Y+fb.H < bottomY {
			pts = append(pts, Point{x, bottomY})
		}
		for _, d := range c.vnodes[1 : len(c.vnodes)-1] {
			pts = append(pts, Point{d.x, layerTop[d.layer]}, Point{d.x, layerTop[d.layer] + layerHeight[d.layer]})
		}
		x = portX(top[last], last, c)
		if lb.Y > layerTop[last.layer] {
			pts = append(pts, Point{x, layerTop[last.layer]})
		}
		pts = append(pts, Point{x, lb.Y})
		pts = dropStraightThrough(pts)
		if c.reversed {
			for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
				pts[i], pts[j] = pts[j], pts[i]
			}
		}
		route := Route{Edge: c.edge, Points: pts}
		if c.label != nil {
			route.Label = Point{c.label.x, layerTop[c.label.layer] + layerHeight[c.label.layer]/2}
		}
		routes = append(routes, route)
	}
	return routes
}

// dropStraightThrough removes the middle points of vertical runs: a long edge whose slots line
// up in one column needs only its ends.
func dropStraightThrough(pts []Point) []Point {
	out := append(make([]Point, 0, len(pts)), pts[0])
	for i := 1; i+1 < len(pts); i++ {
		if pts[i-1].X == pts[i].X && pts[i].X == pts[i+1].X {
			continue
		}
		out = append(out, pts[i])
	}
	return append(out, pts[len(pts)-1])
}
