// Package entity implements newsroom.entity.v1.EntityService.
package entity

import (
	"log/slog"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

// Server implements entityv1.EntityServiceServer.
type Server struct {
	entityv1.UnimplementedEntityServiceServer
	store  Store
	logger *slog.Logger
}

// Store keeps entities.
type Store interface{}

// NewServer returns the Entity service on store.
func NewServer(store Store, logger *slog.Logger) *Server {
	return &Server{store: store, logger: logger}
}
