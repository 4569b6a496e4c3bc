// Package textnorm folds names for matching: "Zelenskiy", "ZELENSKIY" and "Zelenskíy"
// fold to the same key.
package textnorm

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Letters that carry their mark in the letter itself, so that decomposition does not
// separate it.
var undecomposable = map[rune]string{
	'ł': "l", 'Ł': "l", 'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ħ': "h", 'Ħ': "h",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ı': "i", 'þ': "th", 'Þ': "th",
}

// Fold returns the matching key of s: case-folded, without diacritics, with every run of
// characters other than letters and digits (spaces, hyphens, apostrophes, dots) turned into
// one space, and trimmed. "Jean-Claude" and "jean claude" fold alike.
func Fold(s string) string {
	folder := cases.Fold()
	s = norm.NFKD.String(folder.String(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			if repl, ok := undecomposable[r]; ok {
				b.WriteString(repl)
			} else {
				b.WriteRune(r)
			}
		default:
			space = true
		}
	}
	return b.String()
}
