package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/timeline"
)

const (
	talks = "Delegations from Russia and Ukraine met in Istanbul on Friday for the first direct talks " +
		"in three years, with Turkish officials hosting the meeting at the Dolmabahce palace and " +
		"both sides agreeing to exchange a thousand prisoners each before the next round."
	talksAgain = "Delegations from Russia and Ukraine met in Istanbul on Friday for the first direct talks " +
		"in three years, with Turkish officials hosting the meeting at the Dolmabahce palace and " +
		"both sides agreeing to swap a thousand prisoners each before the next round."
	weather = "Heavy rain is expected across the north of the country over the weekend, " +
		"with flood warnings issued for several rivers and travellers told to check before setting out."
)

func testFingerprints(t *testing.T, newStore func(t *testing.T) timeline.Store) {
	s := newStore(t)
	ctx := t.Context()
	createTimeline(t, s, newTimeline("t"))
	createTimeline(t, s, newTimeline("u"))
	texts := map[string]struct{ timeline, headline, body string }{
		"talks":        {"t", "Talks open", talks},
		"same":         {"t", "TALKS OPEN!", talks}, // the same once normalised
		"talks-again":  {"t", "Prisoner swap agreed", talksAgain},
		"weather":      {"t", "Rain", weather},
		"other-talks":  {"u", "Talks open", talks}, // another timeline
		"no-body":      {"t", "Short", ""},
		"unrelated-id": {"t", "Markets", "Shares rose in early trading on hopes of lower rates."},
	}
	fps := map[string]dedupe.Fingerprint{}
	for id, x := range texts {
		e := newEntry(x.timeline, id)
		e.Headline, e.Body = x.headline, x.body
		e.Fingerprint = dedupe.Of(e.Headline, e.Body)
		fps[x.timeline+"/"+id] = e.Fingerprint
		createEntry(t, s, e)
	}
	for _, probe := range []struct{ name, headline, body string }{
		{"the same text", "Talks open", talks},
		{"a near repeat", "Swap", talksAgain},
		{"a new text", "Rain", "Snow fell overnight in the mountains, closing two passes."},
	} {
		t.Run(probe.name, func(t *testing.T) {
			fp := dedupe.Of(probe.headline, probe.body)
			// The contract: the same exact hash, or a shared band key, in this timeline.
			var want []string
			for k, other := range fps {
				if strings.HasPrefix(k, "t/") && (other.Exact == fp.Exact || sharesBand(fp, other)) {
					want = append(want, strings.TrimPrefix(k, "t/"))
				}
			}
			found, err := s.Repeats(ctx, "t", fp)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range found {
				got = append(got, f.ID)
				if !reflect.DeepEqual(f.Fingerprint, fps["t/"+f.ID]) {
					t.Errorf("fingerprint of %s: %+v, want %+v", f.ID, f.Fingerprint, fps["t/"+f.ID])
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("Repeats = %v, want %v", got, want)
			}
		})
	}
	t.Run("a near repeat is among the candidates", func(t *testing.T) {
		found, err := s.Repeats(ctx, "t", dedupe.Of("Swap", talksAgain))
		if err != nil || !slices.ContainsFunc(found, func(f timeline.Fingerprinted) bool { return f.ID == "talks" }) {
			t.Fatalf("Repeats = %v, %v", found, err)
		}
	})
	t.Run("every fingerprint of a timeline", func(t *testing.T) {
		found, err := s.Fingerprints(ctx, "t")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]dedupe.Fingerprint{}
		for _, f := range found {
			got["t/"+f.ID] = f.Fingerprint
		}
		want := map[string]dedupe.Fingerprint{}
		for k, fp := range fps {
			if strings.HasPrefix(k, "t/") {
				want[k] = fp
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Fingerprints: %d of %d, or not as stored", len(got), len(want))
		}
	})
}

func sharesBand(a, b dedupe.Fingerprint) bool {
	bands := dedupe.BandKeys(b)
	return slices.ContainsFunc(dedupe.BandKeys(a), func(k int64) bool { return slices.Contains(bands, k) })
}
