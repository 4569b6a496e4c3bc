package linker

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
)

// How one code point folds. key holds the folded letters and digits, with ' ' where
// textnorm.Fold would see a separator: "É" -> "e", "ß" -> "ss", "." -> " ", "⒜" -> " a ",
// a soft hyphen -> "". Letters never fold to an ASCII space, so ' ' is free to mean
// "separator".
type foldEntry struct {
	key string
	// hard: the code point is a separator that may not appear between the words of a name
	// unless the name has it too (". , ; ( ..."). Whitespace, hyphens and apostrophes are
	// soft: "Jean Claude" finds "Jean-Claude", "Volodymyr\nZelensky" finds "Volodymyr Zelensky".
	hard bool
	// content is what a separator code point contributes when the punctuation of a name is
	// compared with the text: "" for whitespace, "-" for any hyphen, "'" for any apostrophe.
	content string
}

// asciiEntry is the fast path for ASCII: a letter or digit folds to one byte, anything
// else is a separator.
type asciiEntry struct {
	b      byte // folded letter or digit; ' ' for a separator
	hard   bool
	letter bool
}

// folder folds code points with textnorm.Fold semantics, one at a time, so that offsets
// into the text are kept. Non-ASCII code points are computed on first use, 256 at a time,
// and published with a compare-and-swap: Link calls share the work without locks.
type folder struct {
	ascii  [utf8.RuneSelf]asciiEntry
	blocks [(unicode.MaxRune + 1) >> 8]atomic.Pointer[[256]foldEntry]
}

func newFolder() *folder {
	f := &folder{}
	blk := f.block(0)
	for r := range rune(utf8.RuneSelf) {
		e := &blk[r]
		switch {
		case e.key == "" || e.key == " ":
			f.ascii[r] = asciiEntry{b: ' ', hard: e.hard}
		default:
			f.ascii[r] = asciiEntry{b: e.key[0], letter: true}
		}
	}
	return f
}

func (f *folder) lookup(r rune) *foldEntry {
	return &f.block(int(r) >> 8)[r&0xff]
}

func (f *folder) block(i int) *[256]foldEntry {
	if b := f.blocks[i].Load(); b != nil {
		return b
	}
	b := new([256]foldEntry)
	caser := cases.Fold() // a Caser keeps state: one per computation
	for j := range b {
		b[j] = foldRune(rune(i<<8|j), &caser)
	}
	if !f.blocks[i].CompareAndSwap(nil, b) {
		return f.blocks[i].Load()
	}
	return b
}

// foldRune follows textnorm.Fold for one code point: case folding, compatibility
// decomposition, combining marks dropped, letters and digits kept, anything else a
// separator. Two differences, both for text as it is written: format characters (soft
// hyphen, zero-width joiners, direction marks) are invisible and dropped rather than
// splitting a word, and spacing combining marks (Indic vowel signs) belong to their word.
func foldRune(r rune, caser *cases.Caser) foldEntry {
	if r >= 0xd800 && r <= 0xdfff { // surrogates never reach Link
		r = utf8.RuneError
	}
	switch {
	case unicode.Is(unicode.Cf, r):
		return foldEntry{}
	case unicode.Is(unicode.Mc, r):
		return foldEntry{key: string(r)}
	}
	var key strings.Builder
	for _, c := range norm.NFKD.String(caser.String(string(r))) {
		switch {
		case unicode.Is(unicode.Mn, c):
		case unicode.Is(unicode.Mc, c):
			key.WriteRune(c)
		case unicode.IsLetter(c) || unicode.IsDigit(c):
			// textnorm.Fold decides the letter; a letter that case folding left alone is
			// folded again here exactly as Fold would ("ł" -> "l"), while one that only
			// appeared after decomposition ("™" -> "TM") is kept, as Fold keeps it.
			if s := string(c); caser.String(s) == s {
				key.WriteString(textnorm.Fold(s))
			} else {
				key.WriteString(s)
			}
		default:
			if k := key.String(); !strings.HasSuffix(k, " ") {
				key.WriteByte(' ')
			}
		}
	}
	e := foldEntry{key: key.String()}
	if strings.Contains(e.key, " ") {
		e.content, e.hard = separatorContent(r)
	}
	return e
}

// separatorContent is the punctuation a separator code point stands for, and whether it is
// hard (see foldEntry).
func separatorContent(r rune) (string, bool) {
	switch {
	case unicode.IsSpace(r):
		return "", false
	case isHyphen(r):
		return "-", false
	case isApostrophe(r):
		return "'", false
	}
	return norm.NFKC.String(string(r)), true
}

// Hyphens and dashes that join words ("Russia–Ukraine"); the em dash sets off a clause and
// is hard.
func isHyphen(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2212', '\ufe63', '\uff0d', '\u00ad':
		return true
	}
	return false
}

// Apostrophes as typed and as typeset: "Ukraine's", "Ukraine’s", "O‘Brien".
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02bc', '\u2032', '\uff07', '`', '\u00b4':
		return true
	}
	return false
}
