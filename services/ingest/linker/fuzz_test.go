package linker

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
)

// textnormFold is textnorm.Fold without format characters, which the linker treats as
// invisible where Fold sees a separator.
func textnormFold(s string) string {
	return textnorm.Fold(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s))
}

func FuzzLink(f *testing.F) {
	for _, seed := range [][2]string{
		{"Volodymyr\n Zelensky met Erdoğan in Kyiv's centre", "Kyivstar"},
		{"Russia–Ukraine talks in the U.S.-led Washington. Post", "Washington. Post"},
		{"Zelens\u0301ky\u0301 ½ ⒜ Großbritannien", "½"},
		{"Bosnia-Herzegovina and Bosnia; St.Petersburg", "a.b"},
		{"\xff\xfeKyiv\u00ad’s", "’s"},
		{"The European Commission said on Monday that Osama bin Laden", "European"},
		{"℃ 5℃ ™ TM", "℃"},
	} {
		f.Add(seed[0], seed[1])
	}
	fold := newFolder() // shared, as a Linker shares it between Link calls: it only grows
	f.Fuzz(func(t *testing.T, text, extra string) {
		names := append(slices.Clip(testNames), Name{"entities/fuzz", extra})
		l := newLinker(names, fold)
		matches := l.Link(text)

		// offs[i] is the byte offset of code point i, as ranging over the string counts.
		var offs []int
		for i := range text {
			offs = append(offs, i)
		}
		offs = append(offs, len(text))
		n := len(offs) - 1

		end := 0
		for _, m := range matches {
			if m.Start < end || m.End <= m.Start || m.End > n {
				t.Fatalf("Link(%q): match %+v out of order or bounds (previous end %d, length %d)", text, m, end, n)
			}
			end = m.End
			if want := text[offs[m.Start]:offs[m.End]]; m.Text != want {
				t.Fatalf("Link(%q): match %+v: text is not the input's [%d:%d] %q", text, m, m.Start, m.End, want)
			}
			if len(m.Entities) == 0 || !slices.IsSorted(m.Entities) || len(slices.Compact(slices.Clone(m.Entities))) != len(m.Entities) {
				t.Fatalf("Link(%q): match %+v: entities not sorted and distinct", text, m)
			}
			key, folded := l.fold.analyze(m.Text).key, textnormFold(m.Text)
			for _, e := range m.Entities {
				if !slices.ContainsFunc(names, func(nm Name) bool {
					return nm.Entity == e && l.fold.analyze(nm.Text).key == key && textnormFold(nm.Text) == folded
				}) {
					t.Fatalf("Link(%q): match %+v: no name of %s folds like %q (%q)", text, m, e, m.Text, folded)
				}
			}
		}

		end = 0
		for _, s := range Suggest(text, matches) {
			if s.Start < end || s.End <= s.Start || s.End > n {
				t.Fatalf("Suggest(%q): %+v out of order or bounds (previous end %d, length %d)", text, s, end, n)
			}
			end = s.End
			if want := text[offs[s.Start]:offs[s.End]]; s.Text != want {
				t.Fatalf("Suggest(%q): %+v: text is not the input's [%d:%d] %q", text, s, s.Start, s.End, want)
			}
			for _, m := range matches {
				if s.Start < m.End && m.Start < s.End {
					t.Fatalf("Suggest(%q): %+v overlaps match %+v", text, s, m)
				}
			}
		}
	})
}
