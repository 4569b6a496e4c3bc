// Package entity implements newsroom.entity.v1.EntityService.
package entity

import (
	"log/slog"

	"github.com/newsroomhq/newsroom/services/internal/validation"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

// Server implements entityv1.EntityServiceServer.
type Server struct {
	entityv1.UnimplementedEntityServiceServer
	store     Store
	logger    *slog.Logger
	validator *validation.Validator
}

// Store keeps entities.
type Store interface{}

// NewServer returns the Entity service on store.
func NewServer(store Store, logger *slog.Logger) (*Server, error) {
	v, err := validation.New()
	if err != nil {
		return nil, err
	}
	s := &Server{store: store, logger: logger}
	s.validator = v
	return s, nil
}
