package entity

import (
	"context"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
)

// Store keeps entities: every role the service needs of its database.
//
// Failures are reported with the errors of errors.go (wrapped, so test them with
// errors.Is and errors.As); storetest.Run checks a Store against this contract.
type Store interface {
	EntityReader
	EntityWriter
	NameSource
}

// EntityReader finds entities.
type EntityReader interface {
	// GetEntity returns the entity, or ErrNotFound.
	GetEntity(ctx context.Context, id string) (*Entity, error)
	// GetEntities returns those of the entities with the given ids that exist, in any
	// order, each once.
	GetEntities(ctx context.Context, ids []string) ([]*Entity, error)
	ListEntities(ctx context.Context, q Query) ([]*Entity, error)
	// ResolveEntities returns the entities that have any of keys among their Keys, of
	// kind unless it is KIND_UNSPECIFIED, in any order, each once.
	ResolveEntities(ctx context.Context, keys []string, kind entityv1.Entity_Kind) ([]*Entity, error)
}

// EntityWriter changes entities, one at a time, each write all or nothing.
//
// Every external id ("wikidata" -> "Q7747") belongs to at most one entity: a write that
// would give an entity an external id another entity holds fails with an
// *ExternalIDTakenError and writes nothing.
type EntityWriter interface {
	// CreateEntity stores a new entity; a taken id is ErrAlreadyExists.
	CreateEntity(ctx context.Context, e *Entity) error
	// UpdateEntity replaces prev, whose stored revision must still be prev.Revision, with
	// next (at prev.Revision+1); a moved revision is ErrConflict, a missing entity
	// ErrNotFound.
	UpdateEntity(ctx context.Context, prev, next *Entity) error
	// DeleteEntity deletes the entity at revision (any revision when 0) and gives up its
	// external ids; another revision is ErrConflict, a missing entity ErrNotFound.
	DeleteEntity(ctx context.Context, id string, revision int64) error
}

// NameSource gives the linker every entity's names, and tells it when they change.
type NameSource interface {
	// NamesVersion returns a token that changes whenever an entity is created, changed
	// or deleted, by any replica.
	NamesVersion(ctx context.Context) (string, error)
	// Names returns the display name and aliases of every entity.
	Names(ctx context.Context) ([]NameSet, error)
}

// NameSet is an entity's id and names, display name first.
type NameSet struct {
	ID    string
	Names []string
}

// Query selects entities in SortName order, then by id.
type Query struct {
	Kind   entityv1.Entity_Kind // every kind when KIND_UNSPECIFIED
	Prefix string               // folded; only entities with a key that starts with it
	After  *pagetoken.Token     // Text is the SortName of the last entity of the previous page
	Limit  int
}
