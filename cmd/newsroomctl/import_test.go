package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

const (
	liveBlog  = "testdata/ankara-liveblog.txt"
	gazetteer = "testdata/gazetteer.jsonl"
)

// pageHeadlines are the entries of the live blog fixture as the page lists them, newest
// first, without the "Recap | " label.
var pageHeadlines = []string{
	"Zelenskiy says Ukraine is ready for a leaders' meeting",
	"Ankara talks end with a shipping deal and a promise to meet again",
	"Erdogan offers to host a leaders' summit",
	"Kremlin says the shipping deal is a basis for further work",
	"Ships to sail under Turkish escort, Umerov says",
	"Ukraine and Russia agree to reopen Black Sea shipping lanes",
	"Talks end after two hours",
	"Zelensky: we came to Ankara to end the blockade",
	"Nato allies welcome the talks",
	"Delegations arrive at the presidential complex",
}

func TestImportLiveBlogWithEntities(t *testing.T) {
	n := startNewsroom(t)
	ctx := context.Background()
	n.ctl("entities", "import", gazetteer).must(t, ExitOK).counts(t, map[string]int{"created": 12, "exists": 0, "invalid": 0})

	r := n.ctl("import", "--timeline", "ankara-talks", "--link-entities", liveBlog).must(t, ExitOK)
	r.counts(t, map[string]int{"read": 10, "created": 10, "duplicates": 0, "near-duplicates": 0, "invalid": 0, "flagged": 1})
	for _, want := range []string{
		`timelines/ankara-talks "Black Sea talks in Ankara live: Ukraine and Russia agree to reopen shipping lanes" (created)`,
		`"Ships to sail under Turkish escort, Umerov says"`,
		`nearly repeats timelines/ankara-talks/entries/`,
		`"Ukraine and Russia agree to reopen Black Sea shipping lanes"`,
		"Dmitry Peskov", // a name no entity has
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "sent 10/10 items") {
		t.Errorf("no progress on stderr: %q", r.stderr)
	}

	tl := n.timelineBySlug("ankara-talks")
	if tl.GetStatus() != timelinev1.Timeline_LIVE || !strings.HasPrefix(tl.GetSummary(), "Delegations from Kyiv and Moscow") {
		t.Errorf("timeline = %v, want LIVE with the standfirst as summary", tl)
	}
	// Readers see the page as it was: every entry published, newest first.
	entries := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName()})
	if got := headlines(entries); !slices.Equal(got, pageHeadlines) {
		t.Fatalf("entries newest first:\n%q\nwant\n%q", got, pageHeadlines)
	}
	byHeadline := map[string]*timelinev1.Entry{}
	for _, e := range entries {
		byHeadline[e.GetHeadline()] = e
		for _, junk := range []string{"commenting forum", "Comments", "Sign up", "Share this", "Advertisement"} {
			if strings.Contains(e.GetHeadline()+e.GetBody(), junk) {
				t.Errorf("%s carries site furniture %q", e.GetName(), junk)
			}
		}
	}
	if k := byHeadline[pageHeadlines[1]].GetKind(); k != timelinev1.Entry_SUMMARY {
		t.Errorf("recap kind = %v, want SUMMARY", k)
	}
	repeat, original := byHeadline[pageHeadlines[4]], byHeadline[pageHeadlines[5]]
	if repeat.GetNearDuplicateOf() != original.GetName() || original.GetNearDuplicateOf() != "" {
		t.Errorf("near_duplicate_of = %q and %q, want the repeat to name %s", repeat.GetNearDuplicateOf(), original.GetNearDuplicateOf(), original.GetName())
	}
	if got := byHeadline["Talks end after two hours"].GetOccurTime().AsTime().Format("2006-01-02 15:04"); got != "2025-08-19 14:05" {
		t.Errorf("stated time = %s, want 2025-08-19 14:05", got)
	}

	// Both spellings of the name find the same person.
	mentioning := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "entities/zelensky"})
	got := headlines(mentioning)
	for _, want := range []string{pageHeadlines[0], pageHeadlines[7]} {
		if !slices.Contains(got, want) {
			t.Errorf("entries mentioning entities/zelensky: %q, want %q among them", got, want)
		}
	}
	for _, e := range entries {
		if strings.Contains(e.GetHeadline()+e.GetBody(), "Zelensk") != slices.Contains(got, e.GetHeadline()) {
			t.Errorf("%q: in the list of entries mentioning entities/zelensky: %v", e.GetHeadline(), slices.Contains(got, e.GetHeadline()))
		}
	}
	umerov := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "entities/rustem-umerov"})
	if len(umerov) != 2 {
		t.Errorf("entries mentioning entities/rustem-umerov (an id made from the name): %q, want the two shipping entries", headlines(umerov))
	}

	// Again, in small batches: every item is a duplicate, nothing is written.
	again := n.ctl("import", "--timeline", "ankara-talks", "--link-entities", "--batch", "3", liveBlog).must(t, ExitOK)
	again.counts(t, map[string]int{"created": 0, "duplicates": 10, "invalid": 0})
	if strings.Contains(again.stdout, "(created)") || strings.Count(again.stdout, "already imported as") != 10 {
		t.Errorf("second import report:\n%s", again.stdout)
	}
	if after := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR}); len(after) != 10 {
		t.Errorf("%d entries after the second import, want 10", len(after))
	}
	if _, err := n.timeline.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: tl.GetName()}); err != nil {
		t.Fatal(err)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	n := startNewsroom(t)
	r := n.ctl("import", "--timeline", "ankara-talks", "--dry-run", liveBlog).must(t, ExitOK)
	if !strings.Contains(r.stdout, "ankara-talks does not exist") || !strings.Contains(r.stdout, "dry run: nothing was written") {
		t.Errorf("report:\n%s", r.stdout)
	}
	if tl := n.timelineBySlug("ankara-talks"); tl != nil {
		t.Fatalf("a dry run created %v", tl)
	}

	n.ctl("import", "--timeline", "ankara-talks", "--status", "draft", liveBlog).must(t, ExitOK)
	tl := n.timelineBySlug("ankara-talks")
	r = n.ctl("import", "--timeline", "ankara-talks", "--dry-run", "--format", "jsonl", "testdata/entries.jsonl").must(t, ExitFailed)
	r.counts(t, map[string]int{"created": 3, "invalid": 2})
	editor := &timelinev1.ListEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR}
	if got := n.entries(editor); len(got) != 10 {
		t.Errorf("%d entries after a dry run, want the 10 imported before", len(got))
	}
	// Drafts: editors see them, readers do not.
	if got := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName()}); len(got) != 0 {
		t.Errorf("readers see %d draft entries", len(got))
	}
}

func TestImportJSONLinesWithBadLines(t *testing.T) {
	n := startNewsroom(t)
	r := n.ctl("import", "--timeline", "shipping-wire", "testdata/entries.jsonl").must(t, ExitFailed)
	r.counts(t, map[string]int{"read": 5, "created": 3, "invalid": 2})
	for _, want := range []string{"invalid  testdata/entries.jsonl:3", "invalid  testdata/entries.jsonl:4  headline: required"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	tl := n.timelineBySlug("shipping-wire")
	if tl.GetTitle() != "shipping-wire" {
		t.Errorf("title = %q, want the slug", tl.GetTitle())
	}
	entries := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName(), Order: timelinev1.Order_OLDEST_FIRST})
	want := []string{"Port of Odesa reopens to grain ships", "Insurers cut war-risk premiums", "Convoy size was twelve ships, not twenty"}
	if got := headlines(entries); !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	first := entries[0]
	if first.GetImportKey() != "wire-1" || len(first.GetSources()) != 1 || first.GetSources()[0].GetUrl() != "https://port.example/notices/1" || first.GetAuthors()[0] != "Port correspondent" {
		t.Errorf("first entry = %v", first)
	}
	if entries[2].GetKind() != timelinev1.Entry_CORRECTION {
		t.Errorf("kind = %v, want CORRECTION", entries[2].GetKind())
	}

	// The same lines from standard input, with the fixed line: only it is new.
	fixed := `{"key": "wire-3", "headline": "Mines cleared near Constanta", "body": "Romanian navy divers cleared two drifting mines.", "occur_time": "2025-08-20T10:15:00Z"}` + "\n" +
		`{"key": "wire-1", "headline": "Port of Odesa reopens to grain ships", "body": "The first bulk carrier in four months left Odesa on Wednesday morning."}` + "\n"
	r = n.ctlStdin(fixed, "import", "--timeline", "shipping-wire", "--format", "jsonl").must(t, ExitOK)
	r.counts(t, map[string]int{"read": 2, "created": 1, "duplicates": 1})
	if !strings.Contains(r.stdout, "duplicate  stdin:2") {
		t.Errorf("report:\n%s", r.stdout)
	}
}

func TestImportDuplicatePolicies(t *testing.T) {
	n := startNewsroom(t)
	// Skip: the near repeat is left out and reported.
	r := n.ctl("import", "--timeline", "skip", "--duplicates", "skip", liveBlog).must(t, ExitOK)
	r.counts(t, map[string]int{"created": 9, "near-duplicates": 1})
	if !strings.Contains(r.stdout, `near-duplicate  testdata/ankara-liveblog.txt:`) {
		t.Errorf("report:\n%s", r.stdout)
	}
	// Allow: stored, unmarked.
	n.ctl("import", "--timeline", "allow", "--duplicates", "allow", liveBlog).must(t, ExitOK).
		counts(t, map[string]int{"created": 10, "near-duplicates": 0})
	for _, e := range n.entries(&timelinev1.ListEntriesRequest{Parent: n.timelineBySlug("allow").GetName()}) {
		if e.GetNearDuplicateOf() != "" {
			t.Errorf("%s marked a near duplicate under --duplicates allow", e.GetName())
		}
	}
}

func TestImportCreateEntities(t *testing.T) {
	n := startNewsroom(t)
	r := n.ctl("import", "--timeline", "ankara-talks", "--create-entities", liveBlog).must(t, ExitOK)
	if strings.Contains(r.stdout, "suggested names") {
		t.Errorf("names left unmatched with --create-entities:\n%s", r.stdout)
	}
	tl := n.timelineBySlug("ankara-talks")
	peskov := n.entries(&timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "entities/dmitry-peskov"})
	if len(peskov) != 1 {
		t.Errorf("entries mentioning the entity created for Dmitry Peskov: %q", headlines(peskov))
	}
}

func TestImportNinjs(t *testing.T) {
	n := startNewsroom(t)
	r := n.ctl("import", "--timeline", "wire", "testdata/wire.ninjs").must(t, ExitFailed)
	r.counts(t, map[string]int{"read": 3, "created": 2, "invalid": 1})
	if !strings.Contains(r.stdout, "invalid  testdata/wire.ninjs:19  headline: required") {
		t.Errorf("report:\n%s", r.stdout)
	}
	entries := n.entries(&timelinev1.ListEntriesRequest{Parent: n.timelineBySlug("wire").GetName(), Order: timelinev1.Order_OLDEST_FIRST})
	if got, want := headlines(entries), []string{"Grain convoy clears the Bosphorus", "Convoy had nine ships"}; !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	convoy := entries[0]
	if convoy.GetImportKey() != "urn:newsml:wire.example:20250820:grain-convoy" || convoy.GetBody() != "The first convoy under the Ankara agreement passed Istanbul on Wednesday.\n\nTurkish coastguard boats escorted it." ||
		convoy.GetOccurTime().AsTime().Format("15:04") != "14:45" || !slices.Equal(convoy.GetAuthors(), []string{"Wire Staff"}) {
		t.Errorf("entry = %v", convoy)
	}
	if entries[1].GetKind() != timelinev1.Entry_CORRECTION {
		t.Errorf("kind = %v, want CORRECTION", entries[1].GetKind())
	}
}

func TestImportLongTitleIsCut(t *testing.T) {
	n := startNewsroom(t)
	title := strings.Repeat("Talks go on ", 30) // 360 characters
	page := " date 2025-08-19 " + title + "\nStandfirst\nA headline\nA paragraph.\n"
	n.ctlStdin(page, "import", "--timeline", "long").must(t, ExitOK).counts(t, map[string]int{"created": 1})
	got := []rune(n.timelineBySlug("long").GetTitle())
	if len(got) != 300 || got[299] != '…' {
		t.Errorf("title of %d characters: %q", len(got), string(got))
	}
}
