package entity

import (
	"context"
	"sync"
	"time"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/ingest/linker"
)

// linkCheck is how often the linker asks whether another replica changed an entity.
const linkCheck = time.Second

// links holds the linker over every entity's names, rebuilt when they change.
type links struct {
	mu      sync.Mutex
	linker  *linker.Linker
	version string
	checked time.Time
	dirty   bool // this replica changed an entity since the build
}

func (l *links) changed() {
	l.mu.Lock()
	l.dirty = true
	l.mu.Unlock()
}

// current returns a linker that knows every entity written by this replica, and those
// written by others more than linkCheck ago.
func (l *links) current(ctx context.Context, store Store) (*linker.Linker, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.linker != nil && !l.dirty && time.Since(l.checked) < linkCheck {
		return l.linker, nil
	}
	version, err := store.NamesVersion(ctx)
	if err != nil {
		return nil, err
	}
	l.checked = time.Now()
	if l.linker != nil && !l.dirty && version == l.version {
		return l.linker, nil
	}
	sets, err := store.Names(ctx)
	if err != nil {
		return nil, err
	}
	var names []linker.Name
	for _, set := range sets {
		for _, n := range set.Names {
			names = append(names, linker.Name{Entity: entityName(set.ID), Text: n})
		}
	}
	l.linker, l.version, l.dirty = linker.New(names), version, false
	return l.linker, nil
}

// LinkEntities implements entityv1.EntityServiceServer.
func (s *Server) LinkEntities(ctx context.Context, req *entityv1.LinkEntitiesRequest) (*entityv1.LinkEntitiesResponse, error) {
	l, err := s.links.current(ctx, s.store)
	if err != nil {
		return nil, err
	}
	resp := &entityv1.LinkEntitiesResponse{Results: make([]*entityv1.LinkedText, len(req.GetTexts()))}
	for i, text := range req.GetTexts() {
		matches := l.Link(text)
		out := &entityv1.LinkedText{}
		for _, m := range matches {
			out.Mentions = append(out.Mentions, &entityv1.EntityMention{
				Entities: m.Entities, Text: m.Text, StartOffset: int32(m.Start), EndOffset: int32(m.End),
			})
		}
		for _, sg := range linker.Suggest(text, matches) {
			out.Suggestions = append(out.Suggestions, &entityv1.NameSuggestion{
				Text: sg.Text, StartOffset: int32(sg.Start), EndOffset: int32(sg.End),
			})
		}
		resp.Results[i] = out
	}
	return resp, nil
}
