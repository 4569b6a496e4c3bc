// Package timeline implements newsroom.timeline.v1.TimelineService.
package timeline

import (
	"log/slog"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// Server implements timelinev1.TimelineServiceServer.
type Server struct {
	timelinev1.UnimplementedTimelineServiceServer
	store    Store
	entities entityv1.EntityServiceClient
	logger   *slog.Logger
}

// Store keeps timelines and entries.
type Store interface{}

// NewServer returns the Timeline service on store. Mentions are checked against entities,
// the Entity service's gRPC client.
func NewServer(store Store, entities entityv1.EntityServiceClient, logger *slog.Logger) *Server {
	return &Server{store: store, entities: entities, logger: logger}
}
