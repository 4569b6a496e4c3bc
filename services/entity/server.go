// Package entity implements newsroom.entity.v1.EntityService: the people, organisations,
// places and events that timelines mention, found by any of their names.
package entity

import (
	"log/slog"
	"strings"
	"time"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
	"github.com/newsroomhq/newsroom/services/platform/validation"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// Server implements entityv1.EntityServiceServer.
type Server struct {
	entityv1.UnimplementedEntityServiceServer
	store     Store
	logger    *slog.Logger
	validator *validation.Validator
	now       func() time.Time
	links     *links
}

// NewServer returns the Entity service on store. It starts building the linker over
// every entity's names at once; Close stops that.
func NewServer(store Store, logger *slog.Logger) (*Server, error) {
	v, err := validation.New()
	if err != nil {
		return nil, err
	}
	return &Server{
		store:     store,
		logger:    logger,
		validator: v,
		now:       func() time.Time { return millis(time.Now()) },
		links:     newLinks(store, logger),
	}, nil
}

// Close stops the linker's builder; LinkEntities calls still waiting for it fail as
// UNAVAILABLE. Call it once the gRPC server has stopped.
func (s *Server) Close() { s.links.close() }

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return int(n)
}

// parseName returns the id in "entities/{entity}". Requests are validated before they
// get here; the check is repeated for names inside resources (updates), whose rules are
// checked later.
func parseName(field, name string) (string, error) {
	id, ok := strings.CutPrefix(name, "entities/")
	if !ok || !resourceid.Valid(id) {
		return "", apierror.InvalidField(field, `must be "entities/{entity}"`)
	}
	return id, nil
}
