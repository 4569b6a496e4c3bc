package timeline

import (
	"slices"
	"testing"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

func FuzzParseNames(f *testing.F) {
	for _, s := range []string{"timelines/peace-talks", "timelines/a/entries/b", "timelines/", "timelines//entries/x",
		"timelines/a/entries/b/c", "entities/x", "timelines/A", "timelines/a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if id, err := parseTimelineName("name", name); err == nil && timelineName(id) != name {
			t.Fatalf("parseTimelineName(%q) = %q, which names %q", name, id, timelineName(id))
		}
		if tl, e, err := parseEntryName("name", name); err == nil && entryName(tl, e) != name {
			t.Fatalf("parseEntryName(%q) = %q, %q, which names %q", name, tl, e, entryName(tl, e))
		}
	})
}

// FuzzReanchor checks that reanchored mentions always point at their text after any edit.
func FuzzReanchor(f *testing.F) {
	f.Add("Zelensky meets Erdogan", "Zelensky", 0, "Later, Zelensky met Erdogan in Istanbul")
	f.Add("Talks in Istanbul", "Istanbul", 9, "Talks moved")
	f.Add("ÉÉ é", "é", 3, "é é é")
	f.Fuzz(func(t *testing.T, before, text string, start int, after string) {
		m := Mention{Entity: "entities/x", Text: text, Field: timelinev1.Mention_BODY, Start: start, End: start + len([]rune(text))}
		got := reanchor([]Mention{m}, &Entry{Headline: "h", Body: after})
		if len(got) > 1 {
			t.Fatalf("one mention became %d", len(got))
		}
		body := []rune(after)
		for _, g := range got {
			if g.Start < 0 || g.End > len(body) || g.Start > g.End || !slices.Equal(body[g.Start:g.End], []rune(text)) {
				t.Fatalf("mention %+v does not point at %q in %q", g, text, after)
			}
		}
	})
}
