package timeline

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// repeatIndex finds the entries a new text repeats, in memory.
type repeatIndex struct {
	exact map[string]string // text hash -> entry id
	bands map[int64][]int32 // band key -> entries (indexes into ids), at most maxPostings
	ids   []string
	fps   []dedupe.Fingerprint
}

const (
	// maxPostings bounds the entries kept per band key. A band shared by that many
	// entries comes from boilerplate (a standard sign-off, a repeated phrase), says
	// little, and would make every lookup slow: later entries are not indexed under it.
	maxPostings = 64
	// minBandHits is the number of bands a candidate must share before its containment
	// is computed: near repeats share about a third of them.
	minBandHits = 2
)

func newRepeatIndex(known []Fingerprinted) *repeatIndex {
	x := &repeatIndex{exact: map[string]string{}, bands: map[int64][]int32{}}
	for _, k := range known {
		x.add(k.ID, k.Fingerprint)
	}
	return x
}

func (x *repeatIndex) add(id string, fp dedupe.Fingerprint) {
	if fp.Exact != "" {
		if _, ok := x.exact[fp.Exact]; !ok {
			x.exact[fp.Exact] = id
		}
	}
	n := int32(len(x.ids))
	x.ids = append(x.ids, id)
	x.fps = append(x.fps, fp)
	for _, b := range dedupe.BandKeys(fp) {
		if p := x.bands[b]; len(p) < maxPostings {
			x.bands[b] = append(p, n)
		}
	}
}

// near returns the entry that e nearly repeats, the one that holds most of it.
func (x *repeatIndex) near(e *Entry) string {
	hits := map[int32]int{}
	for _, b := range dedupe.BandKeys(e.Fingerprint) {
		for _, n := range x.bands[b] {
			hits[n]++
		}
	}
	best, bestScore := "", 0.0
	for n, h := range hits {
		if h < minBandHits || x.ids[n] == e.ID {
			continue
		}
		c := dedupe.Containment(e.Fingerprint, x.fps[n])
		if c >= dedupe.MinContainment && (c > bestScore || c == bestScore && x.ids[n] < best) {
			best, bestScore = x.ids[n], c
		}
	}
	return best
}

// checkRepeats applies a duplicate policy to a new entry: SKIP refuses a repeat or near
// repeat with ALREADY_EXISTS, FLAG refuses an exact repeat and flags a near one.
func (s *Server) checkRepeats(ctx context.Context, e *Entry, policy timelinev1.DuplicatePolicy) error {
	if policy == timelinev1.DuplicatePolicy_DUPLICATE_POLICY_UNSPECIFIED || policy == timelinev1.DuplicatePolicy_ALLOW {
		return nil
	}
	candidates, err := s.store.Repeats(ctx, e.TimelineID, e.Fingerprint)
	if err != nil {
		return err
	}
	x := newRepeatIndex(candidates)
	if same, ok := x.exact[e.Fingerprint.Exact]; ok {
		return &apierror.Error{Code: codes.AlreadyExists, Reason: apierror.ReasonDuplicateEntry,
			Message: fmt.Sprintf("the entry repeats %s", entryName(e.TimelineID, same))}
	}
	of := x.near(e)
	switch {
	case of == "":
	case policy == timelinev1.DuplicatePolicy_SKIP:
		return &apierror.Error{Code: codes.AlreadyExists, Reason: apierror.ReasonNearDuplicateEntry,
			Message: fmt.Sprintf("the entry nearly repeats %s", entryName(e.TimelineID, of))}
	default:
		e.NearDuplicateOf = of
	}
	return nil
}
