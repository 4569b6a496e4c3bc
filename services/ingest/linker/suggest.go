package linker

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Suggestion is a capitalised name in the text that no match covers: a candidate for a
// new entity or a new alias.
type Suggestion struct {
	Text       string
	Start, End int // offsets in code points, End exclusive
}

// Suggest returns the capitalised names in text that overlap none of matches, left to
// right. It is a heuristic, meant to be useful rather than complete:
//
//   - A name is a run of capitalised words ("European Commission") joined by spaces or
//     tabs, by a hyphen or an apostrophe ("Jean-Claude", "O'Brien"), or by a dot between
//     single letters ("U.S."). Lowercase connectors may sit inside it: "Bank of England",
//     "Osama bin Laden", "Valéry Giscard d'Estaing". Line breaks and other punctuation end
//     it, and so does a word that a match covers.
//   - Function words are dropped from the start ("The European Commission"). Titles are
//     not part of names and separate them: "Lithuanian President Gitanas Nausėda" gives
//     "Gitanas Nausėda", and so does "Prime Minister"; "Secretary of State" is a title.
//     Modifiers of titles ("General", "Foreign") are dropped before two more words only:
//     "General Motors" stays.
//   - A single word is left out when it is a function word, a title, a month or a day, a
//     single letter, or a nationality ("Turkish", "Ukrainian", "Japanese"). At the start of
//     a sentence, where everything is capitalised, a single word counts only when it is
//     an acronym or the text capitalises it elsewhere too.
func Suggest(text string, matches []Match) []Suggestion {
	words := splitWords(text)
	if len(words) == 0 {
		return nil
	}
	covered := coverage(matches)
	// Words the text capitalises in the middle of a sentence: names, not sentence starts.
	capitalised := make(map[string]bool)
	for _, w := range words {
		if w.cap && !w.sentence {
			capitalised[w.text] = true
		}
	}

	var out []Suggestion
	var run []word
	flush := func() {
		out = appendSuggestions(out, text, run, capitalised, covered)
		run = run[:0]
	}
	ci := 0
	for _, w := range words {
		for ci < len(covered) && covered[ci].end <= w.start {
			ci++
		}
		if ci < len(covered) && covered[ci].start < w.end {
			flush()
			continue
		}
		if len(run) > 0 && w.join != joinNone && (w.cap || isConnector(w)) {
			run = append(run, w)
			continue
		}
		flush()
		if w.cap {
			run = append(run, w)
		}
	}
	flush()
	return out
}

// appendSuggestions appends the names in a run of words. A title separates two
// ("Bank of England Governor Andrew Bailey"); a title with a connector is a title phrase
// ("Secretary of State Antony Blinken").
func appendSuggestions(out []Suggestion, text string, run []word, capitalised map[string]bool, covered []span) []Suggestion {
	for {
		i := slices.IndexFunc(run, func(w word) bool { return titles[strings.ToLower(w.text)] })
		if i < 0 {
			break
		}
		out = appendSuggestion(out, text, run[:i], capitalised, covered)
		if i+1 < len(run) && isConnector(run[i+1]) {
			i += 2
		}
		run = run[min(i+1, len(run)):]
	}
	return appendSuggestion(out, text, run, capitalised, covered)
}

// appendSuggestion trims a run of words to the name it suggests, if any.
func appendSuggestion(out []Suggestion, text string, run []word, capitalised map[string]bool, covered []span) []Suggestion {
	for len(run) > 0 && isConnector(run[len(run)-1]) {
		run = run[:len(run)-1]
	}
	for len(run) > 0 && (isConnector(run[0]) || functionWords[strings.ToLower(run[0].text)] ||
		(len(run) > 2 && modifiers[strings.ToLower(run[0].text)])) {
		run = run[1:]
	}
	switch {
	case len(run) == 0:
		return out
	case len(run) == 1:
		w := run[0]
		key := strings.ToLower(w.text)
		if notNames[key] || utf8.RuneCountInString(w.text) == 1 || isNationality(key) ||
			(w.sentence && !capitalised[w.text] && !isAcronym(w.text)) {
			return out
		}
	}
	first, last := run[0], run[len(run)-1]
	s := Suggestion{Start: first.start, End: last.end}
	startOff, endOff := first.startOff, last.endOff
	// An abbreviation keeps its final dot: "U.S." rather than "U.S".
	if slices.ContainsFunc(run[1:], func(w word) bool { return w.join == joinDot }) &&
		strings.HasPrefix(text[endOff:], ".") && !overlaps(covered, s.End, s.End+1) {
		s.End++
		endOff++
	}
	s.Text = text[startOff:endOff]
	return append(out, s)
}

// isNationality guesses adjectives of nationality by their ending: "Ukrainian",
// "Turkish", "Japanese", "European".
func isNationality(lower string) bool {
	for _, suffix := range []string{"ian", "ish", "ese", "ean"} {
		if len(lower) > len(suffix)+2 && strings.HasSuffix(lower, suffix) {
			return true
		}
	}
	return false
}

// isAcronym: "NATO", "OSCE", "G7".
func isAcronym(w string) bool {
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsLetter(r):
			letters++
		}
	}
	return letters >= 2 || (letters == 1 && utf8.RuneCountInString(w) > 1)
}

type join int

const (
	joinNone  join = iota // punctuation or a line break: a new name
	joinSpace             // spaces or tabs
	joinGlue              // one hyphen or apostrophe: "Jean-Claude", "O'Brien"
	joinDot               // one dot between single letters: "U.S"
)

type word struct {
	text                 string
	start, end           int // code points
	startOff, endOff     int // bytes
	cap                  bool
	join                 join // how it joins the word before it
	sentence             bool // first word of a sentence or line
	prevSingle, isSingle bool
}

// splitWords cuts text into words (letters, digits and the marks on them) and records how
// each is joined to the one before.
func splitWords(text string) []word {
	var words []word
	var cur *word
	gapStart := 0 // byte offset where the current gap began
	ri := 0
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) ||
			(cur != nil && (unicode.In(r, unicode.Mn, unicode.Mc, unicode.Cf)))
		switch {
		case inWord && cur == nil:
			w := word{start: ri, startOff: i, cap: unicode.IsUpper(r) || unicode.IsTitle(r)}
			w.join, w.sentence = classifyGap(text[gapStart:i], len(words) == 0)
			words = append(words, w)
			cur = &words[len(words)-1]
		case !inWord && cur != nil:
			cur.end, cur.endOff = ri, i
			cur.text = text[cur.startOff:i]
			cur = nil
			gapStart = i
		}
		ri++
	}
	if cur != nil {
		cur.end, cur.endOff = ri, len(text)
		cur.text = text[cur.startOff:]
	}
	for i := range words {
		w := &words[i]
		w.isSingle = utf8.RuneCountInString(w.text) == 1
		if i > 0 {
			w.prevSingle = words[i-1].isSingle
		}
		if w.join == joinDot && !(w.isSingle && w.prevSingle) {
			w.join, w.sentence = joinNone, true
		}
	}
	return words
}

// classifyGap says how a word is joined to the previous one across gap, and whether it
// starts a sentence.
func classifyGap(gap string, first bool) (join, bool) {
	if first {
		return joinNone, true
	}
	if r, size := utf8.DecodeRuneInString(gap); size == len(gap) {
		switch {
		case isHyphen(r) || isApostrophe(r):
			return joinGlue, false
		case r == '.':
			return joinDot, false
		}
	}
	sentence := strings.ContainsAny(gap, ".!?…\n\r")
	if strings.Trim(gap, " \t\u00a0") == "" {
		return joinSpace, sentence
	}
	return joinNone, sentence
}

// isConnector reports whether w is a lowercase particle that may sit inside a name.
func isConnector(w word) bool {
	return !w.cap && connectors[w.text]
}

var connectors = setOf("of", "de", "da", "das", "do", "dos", "du", "del", "della", "der",
	"den", "di", "van", "von", "la", "le", "bin", "bint", "ibn", "al", "el", "ben", "y", "d", "l", "zu")

// functionWords are dropped from the start of a name: "The European Commission", "In
// Vilnius".
var functionWords = setOf(
	"the", "a", "an", "in", "on", "at", "but", "and", "or", "nor", "so", "yet", "if", "as",
	"he", "she", "it", "they", "we", "i", "you", "his", "her", "its", "their", "our", "my",
	"this", "that", "these", "those", "there", "here", "then", "when", "while", "where",
	"what", "who", "why", "how", "after", "before", "since", "until", "during", "despite",
	"for", "from", "to", "by", "with", "without", "about", "over", "under", "meanwhile",
	"however", "also", "earlier", "later", "today", "yesterday", "tomorrow", "tonight",
)

// titles stand before names and are not part of them.
var titles = setOf(
	"mr", "mrs", "ms", "dr", "prof", "president", "premier", "minister", "chancellor", "king",
	"queen", "prince", "princess", "pope", "sir", "dame", "lord", "lady", "senator", "sen",
	"rep", "governor", "gov", "mayor", "secretary", "colonel", "col", "lieutenant", "lt",
	"commander", "ambassador", "spokesman", "spokeswoman", "spokesperson", "judge", "envoy",
)

// modifiers go with a title ("Prime Minister", "Secretary General Mark Rutte"), but also
// start names ("General Motors", "Foreign Office"): dropped only before two more words.
var modifiers = setOf(
	"prime", "foreign", "defence", "defense", "deputy", "chief", "former", "acting", "vice",
	"general", "gen",
)

// notNames are never a name on their own.
var notNames = union(functionWords, titles, modifiers, setOf(
	"january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
	"sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday",
	"friday", "saturday", "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
))

func union(sets ...map[string]bool) map[string]bool {
	m := make(map[string]bool)
	for _, s := range sets {
		for w := range s {
			m[w] = true
		}
	}
	return m
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// span is a range of code points.
type span struct{ start, end int }

// coverage merges the matches into sorted, disjoint spans.
func coverage(matches []Match) []span {
	spans := make([]span, 0, len(matches))
	for _, m := range matches {
		if m.End > m.Start {
			spans = append(spans, span{m.Start, m.End})
		}
	}
	slices.SortFunc(spans, func(x, y span) int { return x.start - y.start })
	merged := spans[:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && s.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

func overlaps(spans []span, start, end int) bool {
	i, _ := slices.BinarySearchFunc(spans, start, func(s span, t int) int {
		if s.end <= t {
			return -1
		}
		return 1
	})
	return i < len(spans) && spans[i].start < end
}
