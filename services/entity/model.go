package entity

import (
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
	"github.com/newsroomhq/newsroom/services/platform/etag"
)

// Entity is a stored entity.
type Entity struct {
	ID          string
	Kind        entityv1.Entity_Kind
	DisplayName string
	Aliases     []string
	Description string
	ExternalIDs map[string]string // system -> id in that system
	CreateTime  time.Time
	UpdateTime  time.Time
	Revision    int64
}

// Name is the entity's resource name.
func (e *Entity) Name() string { return entityName(e.ID) }

func entityName(id string) string { return "entities/" + id }

// Keys are the distinct textnorm.Fold keys of the display name and the aliases: the
// entity is found by any name that folds to one of them.
func (e *Entity) Keys() []string {
	keys := make([]string, 0, 1+len(e.Aliases))
	for _, n := range append([]string{e.DisplayName}, e.Aliases...) {
		if k := textnorm.Fold(n); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// SortName is what entities are listed by: the folded display name, so that "Édouard"
// sorts with "Edouard" and "de Gaulle" with "De Gaulle".
func (e *Entity) SortName() string { return textnorm.Fold(e.DisplayName) }

// MongoDB keeps milliseconds: truncate every time on the way in, so that what a client
// reads back is exactly what is stored.
func millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// proto returns the entity as the API shows it. It shares nothing with e, so that
// changing it (applying an update mask) leaves e as it was.
func (e *Entity) proto() *entityv1.Entity {
	return &entityv1.Entity{
		Name:        e.Name(),
		Kind:        e.Kind,
		DisplayName: e.DisplayName,
		Aliases:     slices.Clone(e.Aliases),
		Description: e.Description,
		ExternalIds: maps.Clone(e.ExternalIDs),
		CreateTime:  timestamppb.New(e.CreateTime),
		UpdateTime:  timestamppb.New(e.UpdateTime),
		Etag:        etag.Of(e.Name(), e.CreateTime, e.Revision),
	}
}

// setContent copies the client-writable fields of p into e.
func (e *Entity) setContent(p *entityv1.Entity) {
	e.Kind = p.GetKind()
	e.DisplayName = p.GetDisplayName()
	e.Aliases = slices.Clone(p.GetAliases())
	e.Description = p.GetDescription()
	e.ExternalIDs = maps.Clone(p.GetExternalIds())
	if len(e.ExternalIDs) == 0 {
		e.ExternalIDs = nil
	}
}
