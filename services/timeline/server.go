// Package timeline implements newsroom.timeline.v1.TimelineService: timelines, their
// entries, and the revisions of those entries.
package timeline

import (
	"log/slog"
	"strings"
	"time"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
	"github.com/newsroomhq/newsroom/services/platform/validation"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// Server implements timelinev1.TimelineServiceServer.
type Server struct {
	timelinev1.UnimplementedTimelineServiceServer
	store     Store
	entities  entityv1.EntityServiceClient
	logger    *slog.Logger
	validator *validation.Validator
	now       func() time.Time
	feed      *feed
}

// Option configures a Server.
type Option func(*options)

type options struct {
	feed FeedOptions
}

// WithFeed tunes live delivery and hot reads.
func WithFeed(o FeedOptions) Option { return func(opts *options) { opts.feed = o } }

// NewServer returns the Timeline service on store. Mentions are checked against entities,
// the Entity service's gRPC client.
func NewServer(store Store, entities entityv1.EntityServiceClient, logger *slog.Logger, opts ...Option) (*Server, error) {
	v, err := validation.New()
	if err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return &Server{
		store:     store,
		entities:  entities,
		logger:    logger,
		validator: v,
		now:       func() time.Time { return millis(time.Now()) },
		feed:      newFeed(store, logger, o.feed),
	}, nil
}

// Close ends every watch stream (clients resume on another replica) and stops following
// timelines. Call it before stopping the gRPC server, which waits for streams to end.
func (s *Server) Close() { s.feed.close() }

// FeedStats tells how many timelines the server follows for live delivery and hot reads,
// and how many watch streams it serves.
func (s *Server) FeedStats() FeedStats { return s.feed.stats() }

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return int(n)
}

// parseTimelineName returns the id in "timelines/{timeline}". Requests are validated
// before they get here; the check is repeated for names inside resources (updates), whose
// rules are checked later.
func parseTimelineName(field, name string) (string, error) {
	id, ok := strings.CutPrefix(name, "timelines/")
	if !ok || !resourceid.Valid(id) {
		return "", apierror.InvalidField(field, `must be "timelines/{timeline}"`)
	}
	return id, nil
}

// parseEntryName returns the ids in "timelines/{timeline}/entries/{entry}".
func parseEntryName(field, name string) (timelineID, entryID string, err error) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "timelines" || parts[2] != "entries" ||
		!resourceid.Valid(parts[1]) || !resourceid.Valid(parts[3]) {
		return "", "", apierror.InvalidField(field, `must be "timelines/{timeline}/entries/{entry}"`)
	}
	return parts[1], parts[3], nil
}
