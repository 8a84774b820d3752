package ui

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"

	"github.com/stepflow/stepflow/graph"
)

// The editor validates the text after every pause in typing, and most edits change no box or
// arrow (a value, a comment, a timeout). Laying out thousands of boxes takes about a second, so
// the drawings of the latest graph shapes are kept and an unchanged shape is not laid out
// again. The key is everything the drawing shows (names, types, retry notes, nesting, arrows
// and their labels), not the text.

// svgCacheSize is how many drawings are kept: a few editors at once, each with its latest.
const svgCacheSize = 8

type svgCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]string
	order   [][sha256.Size]byte // oldest first
}

func newSVGCache() *svgCache {
	return &svgCache{entries: map[[sha256.Size]byte]string{}}
}

// svg draws g, or returns the drawing of a graph of the same shape drawn before.
func (c *svgCache) svg(g *graph.Graph) string {
	key := graphShape(g)
	c.mu.Lock()
	if s, ok := c.entries[key]; ok {
		c.mu.Unlock()
		return s
	}
	c.mu.Unlock()
	s := g.SVG()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok {
		c.entries[key] = s
		c.order = append(c.order, key)
		if len(c.order) > svgCacheSize {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
	}
	return s
}

// graphShape hashes what a drawing of g shows.
func graphShape(g *graph.Graph) [sha256.Size]byte {
	h := sha256.New()
	writeMachineShape(h, g.Root)
	var key [sha256.Size]byte
	copy(key[:], h.Sum(nil))
	return key
}

func writeMachineShape(h hash.Hash, m *graph.Machine) {
	start := ""
	if m.Start != nil {
		start = m.Start.ID
	}
	fmt.Fprintf(h, "M %q %q %q\n", m.ID, m.Label, start)
	for _, n := range m.Nodes {
		fmt.Fprintf(h, "N %q %d %q %q %q %d\n", n.ID, n.Kind, n.Name, n.Type, n.Retry, len(n.Children))
		for _, child := range n.Children {
			writeMachineShape(h, child)
		}
	}
	for _, e := range m.Edges {
		fmt.Fprintf(h, "E %q %q %d %q\n", e.From.ID, e.To.ID, e.Kind, e.Label)
	}
	fmt.Fprintf(h, "/M %q\n", m.ID)
}
