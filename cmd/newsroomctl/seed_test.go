package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/importfmt"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
)

// seedPage is a live blog page as copied from the web, kept beside the repository rather
// than in it: the test runs where it is there.
const seedPage = "seed-liveblog-2025-06-02.txt"

// seedPath finds the page in the folder "shared" next to the module's root.
func seedPath(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the test's directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", seedPage)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s is not there: %v", seedPage, err)
	}
	return path
}

func TestImportSeedLiveBlog(t *testing.T) {
	page := seedPath(t)
	n := startNewsroom(t)
	n.ctl("entities", "import", "testdata/seed-gazetteer.jsonl").must(t, ExitOK)

	first := n.ctl("import", "--timeline", "ukraine-russia-talks", "--link-entities", page).must(t, ExitOK)
	read := first.count(t, "read")
	if read == 0 || first.count(t, "created")+first.count(t, "duplicates") != read {
		t.Fatalf("first import:\n%s", first.stdout)
	}
	t.Logf("first import:\n%s", first.stdout)

	tl := n.timelineBySlug("ukraine-russia-talks")
	if !strings.HasPrefix(tl.GetTitle(), "Ukraine-Russia war latest") {
		t.Errorf("title = %q", tl.GetTitle())
	}
	entries := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName()})
	if len(entries) != first.count(t, "created") {
		t.Fatalf("%d entries, the report says %d created", len(entries), first.count(t, "created"))
	}
	// Newest first, as the page lists them.
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	doc, err := importfmt.ParseLiveBlog(f)
	if err != nil {
		t.Fatal(err)
	}
	var onPage []string
	for _, it := range doc.Items {
		onPage = append(onPage, it.Headline)
	}
	if got := headlines(entries); !slices.Equal(got, onPage) {
		t.Errorf("entries newest first:\n%q\nwant the page's order\n%q", got, onPage)
	}
	for _, e := range entries {
		text := e.GetHeadline() + "\n" + e.GetBody()
		for _, junk := range []string{"Join our commenting forum", "Join thought-provoking conversations", "repliesComments"} {
			if strings.Contains(text, junk) {
				t.Errorf("%q carries site furniture %q", e.GetHeadline(), junk)
			}
		}
	}

	// Every entry that names him, by any spelling, is found by the entity.
	mentioning := headlines(n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "entities/zelensky"}))
	spelledI := 0 // "Zelenskiy", as some agencies write it
	for _, e := range entries {
		folded := textnorm.Fold(e.GetHeadline() + " " + e.GetBody())
		names := strings.Contains(folded, "zelensk")
		if names != slices.Contains(mentioning, e.GetHeadline()) {
			t.Errorf("%q names Zelensky: %v; found by entities/zelensky: %v", e.GetHeadline(), names, !names)
		}
		if strings.Contains(folded, "zelenskiy") {
			spelledI++
		}
	}
	if len(mentioning) == 0 {
		t.Error("no entry mentions entities/zelensky")
	}
	t.Logf("%d entries name Zelensky, %d of them as Zelenskiy", len(mentioning), spelledI)

	again := n.ctl("import", "--timeline", "ukraine-russia-talks", "--link-entities", page).must(t, ExitOK)
	again.counts(t, map[string]int{"read": read, "created": 0, "duplicates": read, "invalid": 0})
}
