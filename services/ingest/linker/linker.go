// Package linker finds the names of known entities in text: one pass over the text with an
// Aho-Corasick automaton over every name at once.
//
// A name matches text that folds to the same words: case, diacritics and the kind of
// separator between words do not matter ("Volodymyr\nZelenský" finds "Volodymyr Zelensky",
// "Jean Claude Juncker" finds "Jean-Claude Juncker"), as with textnorm.Fold, by which the
// entity service resolves names. Three rules keep that from going too far:
//
//   - Whole words only: "Kyiv" is not found in "Kyivstar". A separator is any character
//     other than a letter or a digit, so "Ukraine's" finds "Ukraine" and "Kyiv-based"
//     finds "Kyiv".
//   - Punctuation other than whitespace, hyphens and apostrophes may appear between the
//     words of a match only where a name has the same punctuation: "Washington. Post" does
//     not find "Washington Post", while "U.S. Army" finds "U.S. Army".
//   - Leftmost, then longest, then on to the end of that match: "Bosnia-Herzegovina" finds
//     that name rather than "Bosnia", and matches never overlap.
//
// Format characters (soft hyphens, zero-width joiners) are invisible to matching.
//
// How: the text is folded one code point at a time (a table for ASCII, tables of 256 code
// points filled on first use for the rest) into letters and single spaces, one for each
// run of separators. Every key is a folded name between two spaces, " volodymyr zelensky ",
// so the automaton only finds names that start and end at word boundaries, and names that
// share a separator ("Russia-Ukraine") are both found. The separators of the text are kept
// in a small ring with their code point and byte offsets: a key found at a separator maps
// back to the text through the separators it spans. The automaton's nodes are numbered
// breadth first, with dense rows over the alphabet of the keys for nodes with many children.
package linker

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Name is one name of an entity: its display name or an alias.
type Name struct {
	Entity string // resource name, "entities/zelensky"
	Text   string
}

// Match is a name found in the text.
type Match struct {
	// Entities are every entity with this name, sorted: more than one when a name is
	// shared ("Georgia").
	Entities []string
	// Text is the matched text exactly as in the input, without a possessive ("Ukraine"
	// in "Ukraine's") and with a name's own final punctuation ("U.S.").
	Text string
	// Start and End are offsets in code points into the input, End exclusive.
	Start, End int
}

// maxKeyLen bounds a name's folded key: longer names are not names.
const maxKeyLen = 1024

// Linker finds names in text. It is safe for concurrent use: the fold tables it fills as it
// meets new code points are published without locks.
type Linker struct {
	fold   *folder
	auto   *automaton
	groups []group
	// entities holds the entities of every group, each group's sorted and contiguous.
	entities []string
	extras   []extra
	// maxSpaces is the number of separators in the longest key; ringSize, a power of two,
	// is more than that.
	maxSpaces, ringSize int
	scans               sync.Pool // *scan
}

// group is everything that folds to one key.
type group struct {
	entOff, entLen int32 // entities[entOff:entOff+entLen]
	// spaces is the number of separators in the key, the outer two included.
	spaces int32
	extra  int32 // index into extras, or -1
}

// extra is what few names have: punctuation.
type extra struct {
	// punct holds, for each name with hard punctuation between its words, the content of
	// each inner separator (see foldEntry).
	punct [][]string
	// Punctuation that names of the group carry before their first or after their last
	// letter ("." in "U.S."): a match takes it along when the text has it.
	prefixes, suffixes []string
}

// New builds a Linker over names. Names without a letter or digit, or longer than 1 KiB
// once folded, are left out.
func New(names []Name) *Linker {
	return newLinker(names, newFolder())
}

// newLinker builds a Linker with a folder that may already know some code points.
func newLinker(names []Name, fold *folder) *Linker {
	l := &Linker{fold: fold}
	byKey := make(map[string]int32, len(names))
	var keys []string
	type member struct {
		g      int32
		entity string
	}
	members := make([]member, 0, len(names))
	for _, n := range names {
		an := l.fold.analyze(n.Text)
		if an.key == "" || len(an.key) > maxKeyLen {
			continue
		}
		g, ok := byKey[an.key]
		if !ok {
			g = int32(len(l.groups))
			byKey[an.key] = g
			keys = append(keys, an.key)
			l.groups = append(l.groups, group{spaces: int32(len(an.seps)), extra: -1})
		}
		members = append(members, member{g, n.Entity})
		inner := an.seps[1 : len(an.seps)-1]
		prefix, suffix := strings.TrimSpace(n.Text[:an.first]), strings.TrimSpace(n.Text[an.last:])
		if !an.innerHard() && prefix == "" && suffix == "" {
			continue
		}
		grp := &l.groups[g]
		if grp.extra < 0 {
			grp.extra = int32(len(l.extras))
			l.extras = append(l.extras, extra{})
		}
		x := &l.extras[grp.extra]
		if an.innerHard() && !slices.ContainsFunc(x.punct, func(p []string) bool { return slices.Equal(p, inner) }) {
			x.punct = append(x.punct, inner)
		}
		x.prefixes = addAffix(x.prefixes, prefix)
		x.suffixes = addAffix(x.suffixes, suffix)
	}
	slices.SortFunc(members, func(x, y member) int {
		return cmp.Or(cmp.Compare(x.g, y.g), strings.Compare(x.entity, y.entity))
	})
	members = slices.Compact(members)
	l.entities = make([]string, len(members))
	for i, m := range members {
		l.entities[i] = m.entity
		if grp := &l.groups[m.g]; grp.entLen == 0 {
			grp.entOff = int32(i)
		}
		l.groups[m.g].entLen++
	}
	l.maxSpaces = 2
	for _, grp := range l.groups {
		l.maxSpaces = max(l.maxSpaces, int(grp.spaces))
	}
	l.ringSize = 1
	for l.ringSize <= l.maxSpaces {
		l.ringSize <<= 1
	}
	if len(keys) > 0 {
		l.auto = newAutomaton(keys)
	}
	l.scans.New = func() any { return &scan{ring: make([]sepEntry, l.ringSize)} }
	return l
}

// addAffix adds a name's leading or trailing punctuation, longest first.
func addAffix(list []string, s string) []string {
	if s == "" || !utf8.ValidString(s) || slices.Contains(list, s) {
		return list
	}
	list = append(list, s)
	slices.SortStableFunc(list, func(x, y string) int { return cmp.Compare(len(y), len(x)) })
	return list
}

// analysis is a string folded as a whole, for names and for checking a match's
// punctuation.
type analysis struct {
	// key is the folded text between two separators: " volodymyr zelensky ". Empty when
	// there is no letter or digit.
	key string
	// seps is the content of each separator in key, the outer two included, and hard
	// whether it has any hard punctuation.
	seps []string
	hard []bool
	// first and last are the byte offsets of the first letter and after the last.
	first, last int
}

func (an analysis) innerHard() bool {
	return len(an.hard) > 2 && slices.Contains(an.hard[1:len(an.hard)-1], true)
}

func (f *folder) analyze(s string) analysis {
	var an analysis
	var key strings.Builder
	var sep strings.Builder
	pending, hard, letters := true, false, false
	for i, r := range s {
		e := f.lookup(r)
		for j := 0; j < len(e.key); j++ {
			if c := e.key[j]; c != ' ' {
				if pending {
					an.seps = append(an.seps, sep.String())
					an.hard = append(an.hard, hard)
					sep.Reset()
					key.WriteByte(' ')
					pending, hard = false, false
				}
				if !letters {
					an.first, letters = i, true
				}
				key.WriteByte(c)
				an.last = i + utf8.RuneLen(r)
				if r == utf8.RuneError {
					an.last = i + 1 // one byte of invalid UTF-8, as ranging reads it
				}
				continue
			}
			pending = true
			sep.WriteString(e.content)
			hard = hard || e.hard
		}
	}
	if !letters {
		return analysis{}
	}
	an.seps = append(an.seps, sep.String())
	an.hard = append(an.hard, hard)
	key.WriteByte(' ')
	an.key = key.String()
	return an
}

// sepEntry records one separator of the text: where it starts (the end of a match
// before it) and where the letters after it start (the start of a match after it).
type sepEntry struct {
	endRune, endOff     int // code point where the separator starts
	startRune, startOff int // code point of the first letter after the separator
	// hardCount counts the hard separators so far, this one included.
	hardCount int32
	// straddle: one code point has letters on both sides ("½" folds to "1 2"), so no
	// match may start or end here.
	straddle bool
	// The longest key found so far that starts here: it ends at separator longest, or
	// longest is -1.
	longest      int
	longestGroup int32
}

// candidate is a match taken, between separators s and e.
type candidate struct {
	s, e       int
	g          int32
	start, end int
	startOff   int
	endOff     int
}

// scan is the scratch space of one Link call.
type scan struct {
	ring  []sepEntry
	taken []candidate
	// The next separator whose longest match is to be decided, and where the last match
	// taken ends.
	decide, lastEnd int
}

// Link returns the names in text, left to right, not overlapping.
func (l *Linker) Link(text string) []Match {
	if l.auto == nil {
		return nil
	}
	sc := l.scans.Get().(*scan)
	defer l.scans.Put(sc)
	sc.taken, sc.decide, sc.lastEnd = sc.taken[:0], 0, 0
	l.scan(text, sc)
	taken := sc.taken
	if len(taken) == 0 {
		return nil
	}
	matches := make([]Match, len(taken))
	n := 0
	for _, c := range taken {
		n += int(l.groups[c.g].entLen)
	}
	entities := make([]string, 0, n) // one copy for all matches: callers may change theirs
	for i, c := range taken {
		grp := &l.groups[c.g]
		var x extra
		if grp.extra >= 0 {
			x = l.extras[grp.extra]
		}
		lo, hi := 0, len(text)
		if i > 0 {
			lo = taken[i-1].endOff
		}
		if i+1 < len(taken) {
			hi = taken[i+1].startOff
		}
		for _, p := range x.prefixes {
			if c.startOff-len(p) >= lo && strings.HasSuffix(text[:c.startOff], p) {
				c.startOff -= len(p)
				c.start -= utf8.RuneCountInString(p)
				break
			}
		}
		for _, p := range x.suffixes {
			if c.endOff+len(p) <= hi && strings.HasPrefix(text[c.endOff:], p) {
				c.endOff += len(p)
				c.end += utf8.RuneCountInString(p)
				break
			}
		}
		taken[i] = c
		from := len(entities)
		entities = append(entities, l.entities[grp.entOff:grp.entOff+grp.entLen]...)
		matches[i] = Match{
			Entities: entities[from:len(entities):len(entities)],
			Text:     text[c.startOff:c.endOff],
			Start:    c.start,
			End:      c.end,
		}
	}
	return matches
}

// scanner is the state of one pass over a text.
type scanner struct {
	l     *Linker
	text  string
	sc    *scan
	state int32
	// The separator being read, if pending: the text starts with one.
	pending, hard   bool
	sepRune, sepOff int
	hardCount       int32
	sepIdx          int
	letterRune      int // code point of the last letter
}

// scan runs the automaton over the folded text and collects every occurrence of a key
// that passes the boundary and punctuation checks.
func (l *Linker) scan(text string, sc *scan) {
	a := l.auto
	ascii := &l.fold.ascii
	s := scanner{l: l, text: text, sc: sc, pending: true, sepIdx: -1, letterRune: -1}
	runeIdx := 0
	for i := 0; i < len(text); {
		if b := text[i]; b < utf8.RuneSelf {
			switch e := &ascii[b]; {
			case e.letter:
				if s.pending {
					s.separator(runeIdx, i)
				}
				// The root's only child is the separator: a letter leaves it where it is.
				if s.state != 0 {
					s.state = a.next(s.state, e.b)
				}
				s.letterRune = runeIdx
			case !s.pending:
				s.pending, s.hard, s.sepRune, s.sepOff = true, e.hard, runeIdx, i
			default:
				s.hard = s.hard || e.hard
			}
			i++
			runeIdx++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		e := l.fold.lookup(r)
		letters := false
		for j := 0; j < len(e.key); j++ {
			c := e.key[j]
			switch {
			case c != ' ':
				if s.pending {
					s.separator(runeIdx, i)
				}
				if s.state != 0 {
					s.state = a.next(s.state, c)
				}
				s.letterRune, letters = runeIdx, true
			case !s.pending:
				s.pending, s.hard, s.sepRune, s.sepOff = true, e.hard, runeIdx, i
				if letters { // "⒜" folds to " a ": a match of "a" ends after it
					s.sepRune, s.sepOff = runeIdx+1, i+size
				}
			default:
				s.hard = s.hard || e.hard
			}
		}
		i += size
		runeIdx++
	}
	if !s.pending {
		s.pending, s.hard, s.sepRune, s.sepOff = true, false, runeIdx, len(text)
	}
	s.separator(runeIdx, len(text))
	l.decide(sc, s.sepIdx)
}

// separator ends the pending separator, where the letter at nextRune (byte nextOff)
// begins: it feeds the separator to the automaton and checks the keys that end with it.
func (s *scanner) separator(nextRune, nextOff int) {
	a := s.l.auto
	s.sepIdx++
	if s.hard {
		s.hardCount++
	}
	s.sc.ring[s.sepIdx&(len(s.sc.ring)-1)] = sepEntry{
		endRune: s.sepRune, endOff: s.sepOff,
		startRune: nextRune, startOff: nextOff,
		hardCount: s.hardCount,
		straddle:  s.letterRune == nextRune,
		longest:   -1,
	}
	s.pending = false
	s.state = a.step(s.state, ' ')
	u := s.state
	if a.nodes[u].out < 0 {
		u = a.nodes[u].dict
	}
	for ; u >= 0; u = a.nodes[u].dict {
		s.l.candidate(s.text, s.sc, a.nodes[u].out, s.sepIdx)
	}
	// No key starting at sepIdx-(maxSpaces-1) or earlier can end later than here.
	s.l.decide(s.sc, s.sepIdx-(s.l.maxSpaces-1))
}

// decide takes, left to right, the longest match starting at each separator up to last,
// unless it overlaps the match taken before: leftmost, then longest.
func (l *Linker) decide(sc *scan, last int) {
	mask := len(sc.ring) - 1
	for ; sc.decide <= last; sc.decide++ {
		rs := &sc.ring[sc.decide&mask]
		if rs.longest < 0 || sc.decide < sc.lastEnd {
			continue
		}
		re := &sc.ring[rs.longest&mask]
		sc.taken = append(sc.taken, candidate{
			s: sc.decide, e: rs.longest, g: rs.longestGroup,
			start: rs.startRune, startOff: rs.startOff, end: re.endRune, endOff: re.endOff,
		})
		sc.lastEnd = rs.longest
	}
}

// candidate checks an occurrence of group g's key that ends at separator e, and keeps it
// if it is the longest yet that starts where it starts.
func (l *Linker) candidate(text string, sc *scan, g int32, e int) {
	grp := &l.groups[g]
	s := e - int(grp.spaces-1)
	if s < 0 {
		return
	}
	mask := len(sc.ring) - 1
	rs, re := &sc.ring[s&mask], &sc.ring[e&mask]
	if rs.straddle || re.straddle || rs.longest >= e {
		return
	}
	if sc.ring[(e-1)&mask].hardCount > rs.hardCount && (grp.extra < 0 || !l.punctuationFits(grp, text[rs.startOff:re.endOff])) {
		return
	}
	rs.longest, rs.longestGroup = e, g
}

// punctuationFits reports whether the hard punctuation between the words of the matched
// text is what some name of the group has there.
func (l *Linker) punctuationFits(grp *group, matched string) bool {
	an := l.fold.analyze(matched)
	if len(an.seps) != int(grp.spaces) {
		return false
	}
	inner, hard := an.seps[1:len(an.seps)-1], an.hard[1:len(an.hard)-1]
	return slices.ContainsFunc(l.extras[grp.extra].punct, func(p []string) bool {
		for i := range inner {
			if hard[i] && inner[i] != p[i] {
				return false
			}
		}
		return true
	})
}
