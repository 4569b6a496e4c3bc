package timeline

import (
	"context"

	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"google.golang.org/grpc/codes"
	"io"
	"slices"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/auth"
)

// maxImportKey is the longest import key accepted.
const maxImportKey = 200

// StreamingImportEntries implements timelinev1.TimelineServiceServer.
func (s *Server) StreamingImportEntries(stream timelinev1.TimelineService_StreamingImportEntriesServer) (err error) {
	defer returnAPIError(&err)
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	// One batch is written while the next is read, checked, linked and compared: the
	// database and the service work at the same time.
	writes := make(chan []*pending, 1)
	written := make(chan error, 1)
	var imp *importer
	startWriter := func() {
		go func() {
			for batch := range writes {
				if err := imp.finish(ctx, batch); err != nil {
					cancel()
					for range writes { // let the reader finish its send
					}
					written <- err
					return
				}
			}
			written <- nil
		}()
	}
	readErr := func() error {
		for {
			req, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if imp == nil {
				if imp, err = s.newImporter(ctx, req.GetParent(), req.GetOptions()); err != nil {
					return err
				}
				startWriter()
			} else if req.GetParent() != imp.parent {
				return apierror.InvalidField("parent", "must be the same in every message of the stream")
			}
			batch, err := imp.prepare(ctx, req.GetItems())
			if err != nil {
				return err
			}
			select {
			case writes <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}()
	if imp == nil {
		if readErr != nil {
			return readErr
		}
		return apierror.InvalidField("parent", "the stream sent no message")
	}
	close(writes)
	if err := <-written; err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	return stream.SendAndClose(imp.resp)
}

// ImportEntries implements timelinev1.TimelineServiceServer.
func (s *Server) ImportEntries(ctx context.Context, req *timelinev1.ImportEntriesRequest) (_ *timelinev1.ImportEntriesResponse, err error) {
	defer returnAPIError(&err)
	imp, err := s.newImporter(ctx, req.GetParent(), req.GetOptions())
	if err != nil {
		return nil, err
	}
	if err := imp.add(ctx, req.GetItems()); err != nil {
		return nil, err
	}
	return imp.resp, nil
}

// importID is the entry id of an import key: the same key always names the same entry,
// so that storing it twice is a duplicate key, however the two imports interleave.
func importID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "i" + hex.EncodeToString(sum[:15])
}

// importer is one import into one timeline.
type importer struct {
	s        *Server
	parent   string
	timeline *Timeline
	opts     *timelinev1.ImportOptions
	policy   timelinev1.DuplicatePolicy
	resp     *timelinev1.ImportEntriesResponse
	seen     int          // items prepared so far
	repeats  *repeatIndex // nil until needed
	// revisedBy is the importer, recorded on every entry it creates.
	revisedBy string
}

func (s *Server) newImporter(ctx context.Context, parent string, opts *timelinev1.ImportOptions) (*importer, error) {
	timelineID, err := parseTimelineName("parent", parent)
	if err != nil {
		return nil, err
	}
	t, err := s.guardEntries(ctx, timelineID, addingEntries)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &timelinev1.ImportOptions{}
	}
	if opts.GetCreateEntities() && !opts.GetLinkEntities() {
		return nil, apierror.InvalidField("options.create_entities", "needs options.link_entities")
	}
	policy := opts.GetDuplicatePolicy()
	if policy == timelinev1.DuplicatePolicy_DUPLICATE_POLICY_UNSPECIFIED {
		policy = timelinev1.DuplicatePolicy_FLAG
	}
	if opts.GetCreateEntities() && !auth.FromContext(ctx).Holds(auth.CreateEntities) {
		return nil, &apierror.Error{Code: codes.PermissionDenied, Reason: apierror.ReasonPermissionDenied,
			Message: "create_entities needs CREATE_ENTITIES (importer, editor or admin)", Metadata: map[string]string{"permission": auth.CreateEntities.String()}}
	}
	return &importer{s: s, parent: parent, timeline: t, opts: opts, policy: policy, resp: &timelinev1.ImportEntriesResponse{},
		revisedBy: auth.FromContext(ctx).Name}, nil
}

// pending is one item of a batch on its way in.
type pending struct {
	result *timelinev1.ImportResult
	entry  *Entry
}

// add imports one batch: every item is checked, linked, compared with the timeline's
// entries, and the new ones are written with one bulk insert.
func (imp *importer) add(ctx context.Context, items []*timelinev1.ImportItem) error {
	batch, err := imp.prepare(ctx, items)
	if err != nil {
		return err
	}
	return imp.finish(ctx, batch)
}

// prepare checks, links and compares one batch, in order: what decides each item's
// outcome except whether its import key is already taken.
func (imp *importer) prepare(ctx context.Context, items []*timelinev1.ImportItem) ([]*pending, error) {
	s := imp.s
	now := s.now()
	batch := make([]*pending, len(items))
	for i, item := range items {
		r := &timelinev1.ImportResult{Index: int32(imp.seen + i), ImportKey: item.GetImportKey()}
		batch[i] = &pending{result: r}
		e, violations := imp.entryOf(item, now)
		if len(violations) > 0 {
			invalid(r, violations...)
			continue
		}
		batch[i].entry = e
	}
	imp.seen += len(items)
	if err := imp.checkEntities(ctx, batch); err != nil {
		return nil, err
	}
	if imp.opts.GetLinkEntities() {
		if err := imp.link(ctx, batch); err != nil {
			return nil, err
		}
	}
	if err := imp.dedupe(ctx, batch); err != nil {
		return nil, err
	}
	return batch, nil
}

// finish writes a prepared batch and records its results.
func (imp *importer) finish(ctx context.Context, batch []*pending) error {
	if err := imp.write(ctx, batch); err != nil {
		return err
	}
	for _, p := range batch {
		r := p.result
		imp.resp.Results = append(imp.resp.Results, r)
		switch r.GetOutcome() {
		case timelinev1.ImportResult_CREATED:
			imp.resp.Created++
		case timelinev1.ImportResult_DUPLICATE:
			imp.resp.Duplicates++
		case timelinev1.ImportResult_NEAR_DUPLICATE:
			imp.resp.NearDuplicates++
		case timelinev1.ImportResult_INVALID:
			imp.resp.Invalid++
		}
	}
	return nil
}

func invalid(r *timelinev1.ImportResult, violations ...apierror.FieldViolation) {
	r.Outcome = timelinev1.ImportResult_INVALID
	for _, v := range violations {
		r.Violations = append(r.Violations, &timelinev1.FieldViolation{Field: v.Field, Description: v.Description})
	}
}

// entryOf checks an item on its own and makes its entry.
func (imp *importer) entryOf(item *timelinev1.ImportItem, now time.Time) (*Entry, []apierror.FieldViolation) {
	s := imp.s
	key := item.GetImportKey()
	switch {
	case key == "":
		return nil, []apierror.FieldViolation{{Field: "import_key", Description: "required"}}
	case len(key) > maxImportKey:
		return nil, []apierror.FieldViolation{{Field: "import_key", Description: fmt.Sprintf("longer than %d bytes", maxImportKey)}}
	case item.GetEntry() == nil:
		return nil, []apierror.FieldViolation{{Field: "entry", Description: "required"}}
	}
	if err := s.validator.Check(item.GetEntry(), "entry"); err != nil {
		return nil, violationsOf(err)
	}
	if err := checkEntryTimes(item.GetEntry()); err != nil {
		return nil, violationsOf(err)
	}
	e := &Entry{TimelineID: imp.timeline.ID, ID: importID(key), ImportKey: key, Revision: 1, CreateTime: now, UpdateTime: now, RevisedBy: imp.revisedBy}
	e.setContent(item.GetEntry())
	if e.Kind == timelinev1.Entry_KIND_UNSPECIFIED {
		e.Kind = timelinev1.Entry_UPDATE
	}
	if e.Status == timelinev1.Entry_STATUS_UNSPECIFIED {
		e.Status = timelinev1.Entry_DRAFT
	}
	s.stampPublished(e)
	if v := mentionOffsetViolations(e); len(v) > 0 {
		return nil, v
	}
	e.Fingerprint = dedupe.Of(e.Headline, e.Body)
	return e, nil
}

func violationsOf(err error) []apierror.FieldViolation {
	var e *apierror.Error
	if errors.As(err, &e) && len(e.Violations) > 0 {
		return e.Violations
	}
	return []apierror.FieldViolation{{Field: "entry", Description: err.Error()}}
}

// checkEntities marks invalid the items that mention entities that do not exist, with
// one call to the Entity service for the whole batch.
func (imp *importer) checkEntities(ctx context.Context, batch []*pending) error {
	var mentions []Mention
	for _, p := range batch {
		if p.entry != nil {
			mentions = append(mentions, p.entry.Mentions...)
		}
	}
	if len(mentions) == 0 {
		return nil
	}
	missing, err := imp.s.missingEntities(ctx, mentions)
	if err != nil || len(missing) == 0 {
		return err
	}
	for _, p := range batch {
		if p.entry == nil {
			continue
		}
		var violations []apierror.FieldViolation
		for i, m := range p.entry.Mentions {
			if slices.Contains(missing, m.Entity) {
				violations = append(violations, apierror.FieldViolation{
					Field: fmt.Sprintf("entry.mentions[%d].entity", i), Description: m.Entity + " does not exist",
				})
			}
		}
		if len(violations) > 0 {
			invalid(p.result, violations...)
			p.entry = nil
		}
	}
	return nil
}

// link adds the entities each item names to its mentions, creating entities from
// unmatched capitalised names when asked.
func (imp *importer) link(ctx context.Context, batch []*pending) error {
	var entries []*Entry
	for _, p := range batch {
		if p.entry != nil {
			entries = append(entries, p.entry)
		}
	}
	suggestions, err := imp.s.linkEntities(ctx, entries, imp.opts.GetCreateEntities())
	if err != nil {
		return err
	}
	for _, p := range batch {
		if p.entry != nil {
			p.result.SuggestedNames = suggestions[p.entry]
		}
	}
	return nil
}

// dedupe decides, for each valid item in order, whether it repeats an entry of the
// timeline or an earlier item.
func (imp *importer) dedupe(ctx context.Context, batch []*pending) error {
	if imp.policy == timelinev1.DuplicatePolicy_ALLOW {
		return nil
	}
	if imp.repeats == nil {
		// Every entry written leaves an event: a timeline without events has no entries
		// to compare with, and reading its head is cheap where a query may not be.
		var known []Fingerprinted
		last, err := imp.s.store.LastSequence(ctx, imp.timeline.ID)
		if err != nil {
			return err
		}
		if last > 0 {
			if known, err = imp.s.store.Fingerprints(ctx, imp.timeline.ID); err != nil {
				return err
			}
		}
		imp.repeats = newRepeatIndex(known)
	}
	for _, p := range batch {
		e := p.entry
		if e == nil {
			continue
		}
		if same, ok := imp.repeats.exact[e.Fingerprint.Exact]; ok && same != e.ID {
			p.result.Outcome = timelinev1.ImportResult_DUPLICATE
			p.result.Entry = entryName(e.TimelineID, same)
			p.result.DuplicateOf = p.result.Entry
			p.entry = nil
			continue
		}
		if of := imp.repeats.near(e); of != "" {
			if imp.policy == timelinev1.DuplicatePolicy_SKIP {
				p.result.Outcome = timelinev1.ImportResult_NEAR_DUPLICATE
				p.result.DuplicateOf = entryName(e.TimelineID, of)
				p.entry = nil
				continue
			}
			e.NearDuplicateOf = of
			p.result.DuplicateOf = entryName(e.TimelineID, of)
		}
		imp.repeats.add(e.ID, e.Fingerprint)
	}
	return nil
}

// write stores the batch's new entries in bulk and records their events.
func (imp *importer) write(ctx context.Context, batch []*pending) error {
	var entries []*Entry
	var results []*timelinev1.ImportResult
	for _, p := range batch {
		if p.entry != nil {
			entries = append(entries, p.entry)
			results = append(results, p.result)
		}
	}
	if len(entries) == 0 {
		return nil
	}
	if imp.opts.GetValidateOnly() {
		ids := make([]string, len(entries))
		for i, e := range entries {
			ids[i] = e.ID
		}
		found, err := imp.s.store.ExistingEntries(ctx, imp.timeline.ID, ids)
		if err != nil {
			return err
		}
		taken := make(map[string]bool, len(found))
		for _, id := range found {
			taken[id] = true
		}
		for i, e := range entries {
			results[i].Entry = e.Name()
			results[i].Outcome = timelinev1.ImportResult_CREATED
			if taken[e.ID] {
				results[i].Outcome = timelinev1.ImportResult_DUPLICATE
			}
		}
		return nil
	}
	outcomes, err := imp.s.store.CreateEntries(ctx, entries)
	if err != nil {
		return err
	}
	var events []*Event
	for i, e := range entries {
		results[i].Entry = e.Name()
		if outcomes[i] != nil { // the import key was imported before
			results[i].Outcome = timelinev1.ImportResult_DUPLICATE
			results[i].DuplicateOf = ""
			continue
		}
		results[i].Outcome = timelinev1.ImportResult_CREATED
		events = append(events, entryEvent(nil, e))
	}
	imp.s.recordAll(ctx, events)
	return nil
}
