package linker

import (
	"slices"
	"strings"
)

// automaton is an Aho-Corasick automaton over the folded keys of all names. Nodes are
// numbered breadth first, so the children of a node are consecutive and the nodes near
// the root, which the text visits most, sit together in memory.
type automaton struct {
	nodes []node
	// labels[v] is the byte on the edge into node v; siblings are sorted by label.
	labels []byte
	// Nodes with many children look the child up in a dense row instead of scanning:
	// dense[row*classes+class[b]] is the child, or 0 (the root is nobody's child).
	class   [256]byte
	classes int
	dense   []int32
}

type node struct {
	first int32 // id of the first child
	count int32 // number of children, or ^row for a node with a dense row
	fail  int32 // longest proper suffix that is also a prefix of some key
	out   int32 // key that ends here, or -1
	dict  int32 // nearest node on the fail chain where a key ends, or -1
}

// denseMin is how many children a node needs for a dense row: below it a scan over the
// labels is as fast and much smaller.
const denseMin = 6

// newAutomaton builds the automaton over keys; key i is reported as out == i. Keys must be
// distinct and non-empty.
func newAutomaton(keys []string) *automaton {
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(keys[x], keys[y]) })

	// Each key adds a node for every byte after the prefix it shares with the key before.
	size := 1
	for i, o := range order {
		k, lcp := keys[o], 0
		if i > 0 {
			prev := keys[order[i-1]]
			for lcp < len(prev) && lcp < len(k) && prev[lcp] == k[lcp] {
				lcp++
			}
		}
		size += len(k) - lcp
	}
	a := &automaton{nodes: make([]node, 1, size), labels: make([]byte, 1, size)}
	a.nodes[0] = node{out: -1, dict: -1}
	// Breadth first over ranges of the sorted keys: the keys under a node share its
	// prefix and are contiguous, and partitioning them by their next byte gives its
	// children in label order.
	type span struct{ lo, hi, depth int32 }
	spans := make([]span, 1, size)
	spans[0] = span{0, int32(len(order)), 0}
	for v := 0; v < len(spans); v++ {
		sp := spans[v]
		lo, hi, d := sp.lo, sp.hi, sp.depth
		if lo < hi && int32(len(keys[order[lo]])) == d {
			a.nodes[v].out = order[lo]
			lo++
		}
		a.nodes[v].first = int32(len(a.nodes))
		for lo < hi {
			c := keys[order[lo]][d]
			end := lo + 1
			for end < hi && keys[order[end]][d] == c {
				end++
			}
			spans = append(spans, span{lo, end, d + 1})
			a.nodes = append(a.nodes, node{out: -1, dict: -1})
			a.labels = append(a.labels, c)
			lo = end
		}
		a.nodes[v].count = int32(len(a.nodes)) - a.nodes[v].first
	}

	// Fail links, breadth first: a node's fail is computed from its parent's, which is
	// shallower and therefore already done.
	for u := range a.nodes {
		nu := a.nodes[u]
		for v := nu.first; v < nu.first+nu.count; v++ {
			fail := int32(0)
			if u != 0 {
				c := a.labels[v]
				for f := nu.fail; ; f = a.nodes[f].fail {
					if w := a.sparseChild(f, c); w >= 0 {
						fail = w
						break
					}
					if f == 0 {
						break
					}
				}
			}
			a.nodes[v].fail = fail
			if a.nodes[fail].out >= 0 {
				a.nodes[v].dict = fail
			} else {
				a.nodes[v].dict = a.nodes[fail].dict
			}
		}
	}

	// Dense rows over a compact alphabet: only bytes that occur in some key get a class.
	for _, k := range keys {
		for i := 0; i < len(k); i++ {
			a.class[k[i]] = 1
		}
	}
	a.classes = 1
	for b := range a.class {
		if a.class[b] != 0 {
			a.class[b] = byte(a.classes)
			a.classes++
		}
	}
	rows := int32(0)
	for u := range a.nodes {
		if a.nodes[u].count >= denseMin {
			rows++
		}
	}
	a.dense = make([]int32, int(rows)*a.classes)
	row := int32(0)
	for u := range a.nodes {
		n := &a.nodes[u]
		if n.count < denseMin {
			continue
		}
		for v := n.first; v < n.first+n.count; v++ {
			a.dense[int(row)*a.classes+int(a.class[a.labels[v]])] = v
		}
		n.count = ^row
		row++
	}
	return a
}

// sparseChild is the child of u by c, or -1; only while building, before dense rows.
func (a *automaton) sparseChild(u int32, c byte) int32 {
	n := a.nodes[u]
	lo, hi := n.first, n.first+n.count
	for lo < hi {
		m := int32(uint32(lo+hi) >> 1)
		switch l := a.labels[m]; {
		case l == c:
			return m
		case l < c:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}

// next is step with a dense row looked up inline.
func (a *automaton) next(s int32, c byte) int32 {
	if n := &a.nodes[s]; n.count < 0 {
		if v := a.dense[int(^n.count)*a.classes+int(a.class[c])]; v != 0 {
			return v
		}
	}
	return a.step(s, c)
}

// step is the goto function with failure: the state after reading c in state s.
func (a *automaton) step(s int32, c byte) int32 {
	for {
		n := &a.nodes[s]
		if n.count < 0 {
			if v := a.dense[int(^n.count)*a.classes+int(a.class[c])]; v != 0 {
				return v
			}
		} else {
			for v := n.first; v < n.first+n.count; v++ {
				if l := a.labels[v]; l >= c {
					if l == c {
						return v
					}
					break
				}
			}
		}
		if s == 0 {
			return 0
		}
		s = n.fail
	}
}
