package dedupe_test

import (
	"slices"
	"testing"

	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
)

const talks = "The second round of negotiations between the two delegations ended after barely an hour in Istanbul, " +
	"having started almost two hours late with no explanation given for the delay, officials in Ankara said."

const exchange = "The delegations agreed to a new exchange of prisoners of war focusing on the severely wounded and on young soldiers, the defence minister said after the talks."

func TestRepeats(t *testing.T) {
	tests := map[string]struct {
		headlineA, a, headlineB, b string
		exact, near                bool
	}{
		"identical":                      {"Talks end", talks, "Talks end", talks, true, true},
		"case and spacing":               {"Talks end", talks, "TALKS  END", "THE SECOND   round of negotiations between the two delegations ended after barely an hour in Istanbul, having started almost two hours late with no explanation given for the delay, officials in Ankara said.", true, true},
		"accents":                        {"Erdoğan hosts the talks", "", "Erdogan hosts the talks", "", true, true},
		"new headline":                   {"Talks end", talks, "Turkish officials: talks are over", talks, false, true},
		"one word changed":               {"Talks end", talks, "Talks end early", "The second round of negotiations between the two delegations ended after barely an hour in Istanbul, having started nearly two hours late with no explanation given for the delay, officials in Ankara said.", false, true},
		"repeated within a longer entry": {"Recap", talks + "\n\n" + exchange, "Talks end", talks, false, true},
		"different news":                 {"Talks end", talks, "Sirens", "Air raid sirens sounded across the capital overnight as drones were shot down over the eastern districts, the mayor said on Telegram.", false, false},
		"same story, new fact":           {"Talks end", talks, "Swap agreed", exchange, false, false},
		"recap is not a repeat":          {"Talks end", talks, "Recap", talks + "\n\n" + exchange, false, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			older, text := dedupe.Of(tc.headlineA, tc.a), dedupe.Of(tc.headlineB, tc.b)
			if got := older.Exact == text.Exact; got != tc.exact {
				t.Errorf("exact = %v, want %v", got, tc.exact)
			}
			if got := dedupe.NearRepeat(text, older); got != tc.near {
				t.Errorf("near = %v (containment %.2f), want %v", got, dedupe.Containment(text, older), tc.near)
			}
			if tc.near && !shareBand(text, older) {
				t.Error("near repeats share no band key: the index would not find them")
			}
		})
	}
}

func shareBand(a, b dedupe.Fingerprint) bool {
	kb := dedupe.BandKeys(b)
	return slices.ContainsFunc(dedupe.BandKeys(a), func(k int64) bool { return slices.Contains(kb, k) })
}

func FuzzOf(f *testing.F) {
	f.Add("Talks end", talks)
	f.Add("", "")
	f.Add("\xff", "a b")
	f.Fuzz(func(t *testing.T, headline, body string) {
		a, b := dedupe.Of(headline, body), dedupe.Of(headline, body)
		if a.Exact != b.Exact || !slices.Equal(a.Signature, b.Signature) {
			t.Fatal("fingerprint is not deterministic")
		}
		if a.Signature != nil && !dedupe.NearRepeat(a, b) {
			t.Fatal("a text is not a near repeat of itself")
		}
		if c := dedupe.Containment(a, b); c < 0 || c > 1 {
			t.Fatalf("containment %v out of [0, 1]", c)
		}
	})
}

// In the live-blog fixture, exactly one entry nearly repeats an earlier one.
func TestFixtureNearRepeat(t *testing.T) {
	posts := fixture.Posts()
	repeat, original := fixture.NearRepeat()
	var found []string
	for i, p := range posts {
		fp := dedupe.Of(p.Entry.GetHeadline(), p.Entry.GetBody())
		for _, older := range posts[:i] {
			if dedupe.NearRepeat(fp, dedupe.Of(older.Entry.GetHeadline(), older.Entry.GetBody())) {
				found = append(found, p.ID+" repeats "+older.ID)
			}
		}
	}
	if want := []string{repeat + " repeats " + original}; !slices.Equal(found, want) {
		t.Fatalf("near repeats in the fixture: %q, want %q", found, want)
	}
}
