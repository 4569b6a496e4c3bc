package timeline

import (
	"context"
	"errors"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/dedupe"
)

// Store keeps timelines, their entries with the revisions of those entries, and each
// timeline's event log. It is made of one interface per role; package storetest holds
// the contract every implementation passes.
//
// Stores report the outcomes a client can act on with the errors of errors.go (ErrNotFound,
// ErrAlreadyExists, ErrConflict, ...), wrapped in a *ResourceError or *SlugTakenError that
// says which resource; any other error is the store's own failure.
type Store interface {
	TimelineStore
	EntryStore
	FingerprintStore
	EventLog
}

// TimelineStore keeps timelines.
type TimelineStore interface {
	// CreateTimeline stores a new timeline: ErrAlreadyExists when its id is taken,
	// ErrSlugTaken when its slug is.
	CreateTimeline(ctx context.Context, t *Timeline) error
	GetTimeline(ctx context.Context, id string) (*Timeline, error)
	// GetTimelines returns those of the timelines with the given ids that exist, in any
	// order.
	GetTimelines(ctx context.Context, ids []string) ([]*Timeline, error)
	ListTimelines(ctx context.Context, q TimelineQuery) ([]*Timeline, error)
	// UpdateTimeline replaces the timeline whose stored revision is t.Revision-1:
	// ErrConflict when it is another, ErrSlugTaken when the new slug is another's.
	UpdateTimeline(ctx context.Context, t *Timeline) error
	// DeleteTimeline deletes the timeline at revision (any revision when 0) with its
	// entries, their revisions and its events. Without force, a timeline that has
	// entries is kept: ErrNotEmpty. However creates and deletes interleave, no entry
	// outlives its timeline: an entry created while its timeline is deleted is deleted
	// with it, or its create fails with ErrNotFound and leaves nothing; a refused delete
	// keeps every entry. A timeline being deleted reads as not found.
	DeleteTimeline(ctx context.Context, id string, revision int64, force bool) error
}

// EntryStore keeps entries and the revisions of each.
type EntryStore interface {
	// CreateEntry stores a new entry: ErrAlreadyExists when its id is taken, ErrNotFound
	// (of the timeline) when its timeline does not exist.
	CreateEntry(ctx context.Context, e *Entry) error
	// CreateEntries stores new entries of one timeline in bulk. It returns, by entry, nil
	// or the ErrAlreadyExists error of an id already taken; the error is for the whole
	// call, ErrNotFound when the timeline does not exist.
	CreateEntries(ctx context.Context, entries []*Entry) ([]error, error)
	GetEntry(ctx context.Context, timelineID, entryID string) (*Entry, error)
	// ExistingEntries returns those of the entry ids that a timeline has, in any order,
	// with one query.
	ExistingEntries(ctx context.Context, timelineID string, entryIDs []string) ([]string, error)
	ListEntries(ctx context.Context, q EntryQuery) ([]*Entry, error)
	// UpdateEntry keeps prev as a revision, then replaces the entry whose stored revision
	// is prev.Revision with next: ErrConflict when it is another.
	UpdateEntry(ctx context.Context, prev, next *Entry) error
	// DeleteEntry deletes the entry at revision (any revision when 0) and its revisions.
	DeleteEntry(ctx context.Context, timelineID, entryID string, revision int64) error
	// ListRevisions lists the kept revisions of an entry older than q.Before, newest first.
	ListRevisions(ctx context.Context, q RevisionQuery) ([]*Entry, error)
}

// FingerprintStore finds the entries a new text may repeat (see package dedupe).
type FingerprintStore interface {
	// Repeats returns the entries of a timeline that may repeat a text with this
	// fingerprint: the same exact hash, or a shared band key.
	Repeats(ctx context.Context, timelineID string, fp dedupe.Fingerprint) ([]Fingerprinted, error)
	// Fingerprints returns the fingerprint of every entry of a timeline.
	Fingerprints(ctx context.Context, timelineID string) ([]Fingerprinted, error)
}

// EventLog keeps each timeline's events, numbered 1, 2, 3... in the order they were
// appended.
type EventLog interface {
	// AppendEvent records ev as its timeline's next event and sets ev.Seq. Sequence
	// numbers are dense, and event n+1 is written only once event n can be read.
	AppendEvent(ctx context.Context, ev *Event) error
	// AppendEvents records events of one timeline in bulk, in order, as AppendEvent
	// does each.
	AppendEvents(ctx context.Context, events []*Event) error
	// ReadEvents returns at most limit of a timeline's events after sequence number
	// after, in order, stopping at the first one missing.
	ReadEvents(ctx context.Context, timelineID string, after int64, limit int) ([]*Event, error)
	// LastSequence returns the timeline's last sequence number, 0 when it has none.
	LastSequence(ctx context.Context, timelineID string) (int64, error)
	// LastSequences returns LastSequence of each timeline, with one query: every id
	// asked is in the map.
	LastSequences(ctx context.Context, timelineIDs []string) (map[string]int64, error)
}

// TimelineQuery selects timelines, newest created first, then by id, descending.
type TimelineQuery struct {
	Statuses []timelinev1.Timeline_Status // never empty
	Tag      string
	Slug     string
	After    *TimelineCursor // where the page starts; nil for the first page
	Limit    int
}

// TimelineCursor is a timeline's place in the order of TimelineQuery.
type TimelineCursor struct {
	CreateTime time.Time
	ID         string
}

// EntryQuery selects entries by SortTime, then "{timeline}/{entry}" (the two ids joined
// by a slash, compared as a string).
type EntryQuery struct {
	// TimelineID is the timeline whose entries are listed; empty for every timeline.
	TimelineID  string
	OldestFirst bool
	Statuses    []timelinev1.Entry_Status // never empty
	Kinds       []timelinev1.Entry_Kind   // all when empty
	Start, End  time.Time                 // [Start, End); zero means unbounded
	Mentions    string                    // entity resource name, or empty
	After       *EntryCursor              // where the page starts; nil for the first page
	Limit       int
}

// EntryCursor is an entry's place in the order of EntryQuery.
type EntryCursor struct {
	SortTime   time.Time
	TimelineID string
	EntryID    string
}

// RevisionQuery selects the kept revisions of an entry.
type RevisionQuery struct {
	TimelineID, EntryID string
	Before              int64                     // only revisions older than this
	Statuses            []timelinev1.Entry_Status // never empty
	Limit               int
}

// ErrNoNotifications is returned by a Notifier whose database cannot push changes.
var ErrNoNotifications = errors.New("the database does not push changes")

// Notifier is a Store that can tell, as they are written, which timelines got events
// (from any replica), so that watchers do not wait for the next poll.
type Notifier interface {
	// Notifications sends timeline ids until ctx ends or the channel closes (the
	// connection was lost: call again).
	Notifications(ctx context.Context) (<-chan string, error)
}

// Fingerprinted is an entry's id and fingerprint.
type Fingerprinted struct {
	ID          string
	Fingerprint dedupe.Fingerprint
}
