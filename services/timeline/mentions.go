package timeline

import (
	"context"
	"fmt"
	"slices"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// batchLimit is BatchGetEntities' maximum number of names per call.
const batchLimit = 500

// entryText holds an entry's headline and body as code points, the unit of mention offsets.
type entryText struct {
	headline, body []rune
}

func textOf(e *Entry) entryText {
	return entryText{headline: []rune(e.Headline), body: []rune(e.Body)}
}

func (t entryText) field(f timelinev1.Mention_Field) (string, []rune) {
	if f == timelinev1.Mention_HEADLINE {
		return "headline", t.headline
	}
	return "body", t.body
}

// checkMentions verifies that every mention's text is at its offsets and that every
// mentioned entity exists in the Entity service.
func (s *Server) checkMentions(ctx context.Context, e *Entry) error {
	if violations := mentionOffsetViolations(e); len(violations) > 0 {
		return apierror.InvalidArgument(violations...)
	}
	missing, err := s.missingEntities(ctx, e.Mentions)
	if err != nil {
		return err
	}
	var violations []apierror.FieldViolation
	for i, m := range e.Mentions {
		if slices.Contains(missing, m.Entity) {
			violations = append(violations, apierror.FieldViolation{
				Field:       fmt.Sprintf("entry.mentions[%d].entity", i),
				Description: fmt.Sprintf("%s does not exist", m.Entity),
			})
		}
	}
	if len(violations) > 0 {
		return apierror.InvalidArgument(violations...)
	}
	return nil
}

// mentionOffsetViolations checks that every mention's text is at its offsets.
func mentionOffsetViolations(e *Entry) []apierror.FieldViolation {
	text := textOf(e)
	var violations []apierror.FieldViolation
	for i, m := range e.Mentions {
		fieldName, runes := text.field(m.Field)
		prefix := fmt.Sprintf("entry.mentions[%d].", i)
		switch {
		case m.Start < 0 || m.End <= m.Start: // refused by the proto rules already; never slice with them
			violations = append(violations, apierror.FieldViolation{
				Field: prefix + "end_offset", Description: "must be greater than start_offset",
			})
		case m.End > len(runes):
			violations = append(violations, apierror.FieldViolation{
				Field:       prefix + "end_offset",
				Description: fmt.Sprintf("past the end of the %s (%d characters)", fieldName, len(runes)),
			})
		case string(runes[m.Start:m.End]) != m.Text:
			violations = append(violations, apierror.FieldViolation{
				Field: prefix + "text",
				Description: fmt.Sprintf("%q is not at [%d, %d) of the %s, which holds %q there",
					m.Text, m.Start, m.End, fieldName, string(runes[m.Start:m.End])),
			})
		}
	}
	return violations
}

// missingEntities asks the Entity service which of the mentioned entities do not exist.
func (s *Server) missingEntities(ctx context.Context, mentions []Mention) ([]string, error) {
	var names []string
	for _, m := range mentions {
		if !slices.Contains(names, m.Entity) {
			names = append(names, m.Entity)
		}
	}
	var missing []string
	for chunk := range slices.Chunk(names, batchLimit) {
		if s.entities == nil {
			return nil, apierror.Unavailable("mentions cannot be checked: no entity service is configured", nil)
		}
		resp, err := s.entities.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: chunk, AllowMissing: true})
		if err != nil {
			return nil, entityCallError("check mentions", err)
		}
		found := make(map[string]bool, len(resp.GetEntities()))
		for _, ent := range resp.GetEntities() {
			found[ent.GetName()] = true
		}
		for _, n := range chunk {
			if !found[n] {
				missing = append(missing, n)
			}
		}
	}
	return missing, nil
}

// reanchor keeps mentions pointing at their text after the headline or body changed
// without the client sending new mentions: each mention moves to the occurrence of its
// text nearest its old place, and is dropped when its text is gone.
func reanchor(mentions []Mention, e *Entry) []Mention {
	text := textOf(e)
	out := mentions[:0:0]
	for _, m := range mentions {
		_, runes := text.field(m.Field)
		target := []rune(m.Text)
		best := -1
		for i := 0; i+len(target) <= len(runes); i++ {
			if slices.Equal(runes[i:i+len(target)], target) && (best < 0 || abs(i-m.Start) < abs(best-m.Start)) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		m.Start, m.End = best, best+len(target)
		out = append(out, m)
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
