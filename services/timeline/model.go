package timeline

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/etag"
)

// Timeline is a stored timeline.
type Timeline struct {
	ID            string
	Title         string
	Slug          string
	Summary       string
	Status        timelinev1.Timeline_Status
	Tags          []string
	CoverageStart time.Time // zero when unset
	CoverageEnd   time.Time // zero when unset
	CreateTime    time.Time
	UpdateTime    time.Time
	Revision      int64
}

// Entry is a stored entry, at one revision.
type Entry struct {
	TimelineID  string
	ID          string
	Headline    string
	Body        string
	Kind        timelinev1.Entry_Kind
	Status      timelinev1.Entry_Status
	Pinned      bool
	OccurTime   time.Time // zero when unknown
	PublishTime time.Time // zero until first published
	Authors     []string
	Sources     []Source
	Mentions    []Mention
	Revision    int64
	CreateTime  time.Time
	UpdateTime  time.Time
	// ImportKey is the client's key of an imported entry; empty otherwise.
	ImportKey string
	// NearDuplicateOf is the id of the entry of the same timeline this one nearly
	// repeats, when it was stored flagged.
	NearDuplicateOf string
	// Fingerprint identifies the text for duplicate detection; the service keeps it
	// in step with the headline and body.
	Fingerprint dedupe.Fingerprint
	// RevisedBy is who made this revision: an API key's name or a token's subject.
	RevisedBy string
}

// Source is where an entry's information comes from.
type Source struct {
	Name string
	URL  string
}

// Mention is a named entity in an entry's headline or body.
type Mention struct {
	Entity string // "entities/{entity}"
	Text   string
	Field  timelinev1.Mention_Field
	Start  int // code points
	End    int
}

// SortTime is the time entries are ordered and filtered by: when it happened if known,
// else when it was written.
func (e *Entry) SortTime() time.Time {
	if !e.OccurTime.IsZero() {
		return e.OccurTime
	}
	return e.CreateTime
}

// Name is the entry's resource name.
func (e *Entry) Name() string { return entryName(e.TimelineID, e.ID) }

func timelineName(id string) string { return "timelines/" + id }

func entryName(timelineID, entryID string) string {
	return "timelines/" + timelineID + "/entries/" + entryID
}

// MongoDB keeps milliseconds: truncate every time on the way in, so that what a client
// reads back and what page tokens hold are exactly what is stored.
func millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func fromTimestamp(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return millis(ts.AsTime())
}

func toTimestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func (t *Timeline) proto() *timelinev1.Timeline {
	return &timelinev1.Timeline{
		Name:              timelineName(t.ID),
		Title:             t.Title,
		Slug:              t.Slug,
		Summary:           t.Summary,
		Status:            t.Status,
		Tags:              t.Tags,
		CoverageStartTime: toTimestamp(t.CoverageStart),
		CoverageEndTime:   toTimestamp(t.CoverageEnd),
		CreateTime:        toTimestamp(t.CreateTime),
		UpdateTime:        toTimestamp(t.UpdateTime),
		Etag:              etag.Of(timelineName(t.ID), t.CreateTime, t.Revision),
	}
}

// setContent copies the client-writable fields of p into t.
func (t *Timeline) setContent(p *timelinev1.Timeline) {
	t.Title = p.GetTitle()
	t.Slug = p.GetSlug()
	t.Summary = p.GetSummary()
	t.Status = p.GetStatus()
	t.Tags = p.GetTags()
	t.CoverageStart = fromTimestamp(p.GetCoverageStartTime())
	t.CoverageEnd = fromTimestamp(p.GetCoverageEndTime())
}

func (e *Entry) proto() *timelinev1.Entry {
	p := &timelinev1.Entry{
		Name:        e.Name(),
		Headline:    e.Headline,
		Body:        e.Body,
		Kind:        e.Kind,
		Status:      e.Status,
		Pinned:      e.Pinned,
		OccurTime:   toTimestamp(e.OccurTime),
		PublishTime: toTimestamp(e.PublishTime),
		Authors:     e.Authors,
		Revision:    e.Revision,
		CreateTime:  toTimestamp(e.CreateTime),
		UpdateTime:  toTimestamp(e.UpdateTime),
		Etag:        etag.Of(e.Name(), e.CreateTime, e.Revision),
		ImportKey:   e.ImportKey,
	}
	if e.NearDuplicateOf != "" {
		p.NearDuplicateOf = entryName(e.TimelineID, e.NearDuplicateOf)
	}
	for _, s := range e.Sources {
		p.Sources = append(p.Sources, &timelinev1.Source{Name: s.Name, Url: s.URL})
	}
	for _, m := range e.Mentions {
		p.Mentions = append(p.Mentions, &timelinev1.Mention{
			Entity: m.Entity, Text: m.Text, Field: m.Field,
			StartOffset: int32(m.Start), EndOffset: int32(m.End),
		})
	}
	return p
}

// setContent copies the client-writable fields of p into e.
func (e *Entry) setContent(p *timelinev1.Entry) {
	e.Headline = p.GetHeadline()
	e.Body = p.GetBody()
	e.Kind = p.GetKind()
	e.Status = p.GetStatus()
	e.Pinned = p.GetPinned()
	e.OccurTime = fromTimestamp(p.GetOccurTime())
	e.PublishTime = fromTimestamp(p.GetPublishTime())
	e.Authors = p.GetAuthors()
	e.Sources = nil
	for _, s := range p.GetSources() {
		e.Sources = append(e.Sources, Source{Name: s.GetName(), URL: s.GetUrl()})
	}
	e.Mentions = nil
	for _, m := range p.GetMentions() {
		e.Mentions = append(e.Mentions, Mention{
			Entity: m.GetEntity(), Text: m.GetText(), Field: m.GetField(),
			Start: int(m.GetStartOffset()), End: int(m.GetEndOffset()),
		})
	}
}

// checkTimes refuses timestamps that cannot be stored or written back as JSON (RFC 3339
// covers years 1 to 9999).
func checkTimes(prefix string, times map[string]*timestamppb.Timestamp) error {
	for field, ts := range times {
		if ts != nil && ts.CheckValid() != nil {
			return apierror.InvalidField(prefix+field, "not a valid timestamp: years 0001 to 9999, nanos below one second")
		}
	}
	return nil
}

// EventType says what an event is about.
type EventType = timelinev1.WatchEntriesResponse_Type

// Event is one change to a timeline or one of its entries, numbered in the order of
// the timeline's events.
type Event struct {
	TimelineID string
	Seq        int64
	Type       EventType
	Time       time.Time
	Entry      *Entry                  // the entry after the change (before it, for a deletion)
	PrevStatus timelinev1.Entry_Status // the entry's status before the change; unset when created
	Timeline   *Timeline               // for TIMELINE_UPDATED
}
