package timeline

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// linkEntities asks the Entity service which entities each entry's headline and body
// name, and adds them to its mentions (keeping the mentions it has). It returns the
// unmatched capitalised names of each entry, or, with create, creates an entity for
// each and links it too.
func (s *Server) linkEntities(ctx context.Context, entries []*Entry, create bool) (map[*Entry][]string, error) {
	suggested := map[*Entry][]string{}
	if len(entries) == 0 {
		return suggested, nil
	}
	if s.entities == nil {
		return nil, apierror.Unavailable("entities cannot be linked: no entity service is configured", nil)
	}
	texts := make([]string, 0, 2*len(entries))
	for _, e := range entries {
		texts = append(texts, e.Headline, e.Body)
	}
	var results []*entityv1.LinkedText
	for chunk := range slices.Chunk(texts, batchLimit) {
		resp, err := s.entities.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: chunk})
		if err != nil {
			return nil, entityCallError("link entities", err)
		}
		results = append(results, resp.GetResults()...)
	}
	if len(results) != len(texts) {
		return nil, fmt.Errorf("link entities: %d results for %d texts", len(results), len(texts))
	}
	created := map[string]string{} // suggested name -> entity created or found for it
	for i, e := range entries {
		for f, field := range []timelinev1.Mention_Field{timelinev1.Mention_HEADLINE, timelinev1.Mention_BODY} {
			linked := results[2*i+f]
			for _, m := range linked.GetMentions() {
				for _, ent := range m.GetEntities() {
					e.addMention(Mention{Entity: ent, Text: m.GetText(), Field: field, Start: int(m.GetStartOffset()), End: int(m.GetEndOffset())})
				}
			}
			for _, sg := range linked.GetSuggestions() {
				if !create {
					if !slices.Contains(suggested[e], sg.GetText()) {
						suggested[e] = append(suggested[e], sg.GetText())
					}
					continue
				}
				name, ok := created[sg.GetText()]
				if !ok {
					var err error
					if name, err = s.createSuggested(ctx, sg.GetText()); err != nil {
						return nil, err
					}
					created[sg.GetText()] = name
				}
				if name != "" {
					e.addMention(Mention{Entity: name, Text: sg.GetText(), Field: field, Start: int(sg.GetStartOffset()), End: int(sg.GetEndOffset())})
				}
			}
		}
	}
	return suggested, nil
}

func (e *Entry) addMention(m Mention) {
	if !slices.Contains(e.Mentions, m) {
		e.Mentions = append(e.Mentions, m)
	}
}

// createSuggested creates an entity of kind OTHER for a name that matched none, under an
// id made from the name, so that the same name never makes two entities. It returns ""
// for a name that makes no id.
func (s *Server) createSuggested(ctx context.Context, text string) (string, error) {
	id := strings.ReplaceAll(textnorm.Fold(text), " ", "-")
	id = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, id)
	id = strings.Trim(id, "-")
	if len(id) > 63 {
		id = strings.TrimRight(id[:63], "-")
	}
	if id == "" {
		return "", nil
	}
	_, err := s.entities.CreateEntity(ctx, &entityv1.CreateEntityRequest{
		EntityId: id, Entity: &entityv1.Entity{Kind: entityv1.Entity_OTHER, DisplayName: text},
	})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return "", entityCallError("create entity "+id, err)
	}
	return "entities/" + id, nil
}

// entityCallError maps a failed call to the Entity service, made to do what.
func entityCallError(what string, err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		return apierror.Unavailable("the entity service cannot be reached to "+what+"; retry", err)
	case codes.Canceled:
		return context.Canceled
	}
	return fmt.Errorf("%s: %w", what, err)
}
