// Package entity implements newsroom.entity.v1.EntityService: the people, organisations,
// places and events that timelines mention, found by any of their names.
package entity

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
	"github.com/newsroomhq/newsroom/services/platform/validation"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
	// Attempts at a read-modify-write that has no etag before giving up on a busy entity,
	// and the longest wait between two: entities are edited by several desks at once.
	updateAttempts = 10
	maxBackoff     = 100 * time.Millisecond
)

// Server implements entityv1.EntityServiceServer.
type Server struct {
	entityv1.UnimplementedEntityServiceServer
	store     Store
	logger    *slog.Logger
	validator *validation.Validator
	now       func() time.Time
	links     links
}

// NewServer returns the Entity service on store.
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
	}, nil
}

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

// retryable reports whether a read-modify-write that lost a race should be tried again:
// only when the client gave no etag, so it did not ask to fail on concurrent changes.
func retryable(err error, etag string, attempt int) bool {
	var e *apierror.Error
	return etag == "" && attempt < updateAttempts && errors.As(err, &e) && e.Code == codes.Aborted
}

// backoff waits before another attempt: at random, so that the writers that collided do
// not collide again, and longer after every attempt, so that a crowd thins out.
func backoff(ctx context.Context, attempt int) error {
	limit := min(maxBackoff, time.Millisecond<<attempt)
	t := time.NewTimer(time.Duration(rand.Int64N(int64(limit))) + time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
