package timeline

import (
	"strings"
	"time"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
)

// Page tokens hold a store cursor: the sort key in Unix milliseconds and the id of the
// last item of the page, an entry's as "{timeline}/{entry}" across timelines.

func decodeToken(s string, fingerprint uint64) (*pagetoken.Token, error) {
	if s == "" {
		return nil, nil
	}
	tok, err := pagetoken.Decode(s, fingerprint)
	if err != nil {
		return nil, apierror.InvalidPageToken()
	}
	return &tok, nil
}

// timelineCursor is where the page of a ListTimelines token starts; nil for none.
func timelineCursor(token string, fingerprint uint64) (*TimelineCursor, error) {
	tok, err := decodeToken(token, fingerprint)
	if tok == nil {
		return nil, err
	}
	return &TimelineCursor{CreateTime: time.UnixMilli(tok.Time).UTC(), ID: tok.ID}, nil
}

func timelineToken(last *Timeline, fingerprint uint64) string {
	return pagetoken.Encode(pagetoken.Token{Time: last.CreateTime.UnixMilli(), ID: last.ID}, fingerprint)
}

// entryCursor is where the page of a ListEntries token starts; nil for none. timelineID
// is the timeline listed, empty across timelines.
func entryCursor(token string, fingerprint uint64, timelineID string) (*EntryCursor, error) {
	tok, err := decodeToken(token, fingerprint)
	if tok == nil {
		return nil, err
	}
	c := &EntryCursor{SortTime: time.UnixMilli(tok.Time).UTC(), TimelineID: timelineID, EntryID: tok.ID}
	if timelineID == "" {
		var ok bool
		if c.TimelineID, c.EntryID, ok = strings.Cut(tok.ID, "/"); !ok {
			return nil, apierror.InvalidPageToken()
		}
	}
	return c, nil
}

// cursorAt is the place of e.
func cursorAt(e *Entry) *EntryCursor {
	return &EntryCursor{SortTime: e.SortTime(), TimelineID: e.TimelineID, EntryID: e.ID}
}

// entryToken is the token of a page that starts after c: across timelines or within one.
func entryToken(c *EntryCursor, across bool, fingerprint uint64) string {
	id := c.EntryID
	if across {
		id = c.TimelineID + "/" + c.EntryID
	}
	return pagetoken.Encode(pagetoken.Token{Time: c.SortTime.UnixMilli(), ID: id}, fingerprint)
}
