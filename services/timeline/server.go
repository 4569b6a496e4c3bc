// Package timeline implements newsroom.timeline.v1.TimelineService.
package timeline

import (
	"log/slog"

	"github.com/newsroomhq/newsroom/services/internal/validation"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// Server implements timelinev1.TimelineServiceServer.
type Server struct {
	timelinev1.UnimplementedTimelineServiceServer
	store     Store
	entities  entityv1.EntityServiceClient
	logger    *slog.Logger
	validator *validation.Validator
}

// Store keeps timelines and entries.
type Store interface{}

// NewServer returns the Timeline service on store. Mentions are checked against entities,
// the Entity service's gRPC client.
func NewServer(store Store, entities entityv1.EntityServiceClient, logger *slog.Logger) (*Server, error) {
	v, err := validation.New()
	if err != nil {
		return nil, err
	}
	s := &Server{store: store, entities: entities, logger: logger}
	s.validator = v
	return s, nil
}
