package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// LastSequences implements timeline.EventLog with one query on the heads, as
// LastSequence reads each.
func (s *Store) LastSequences(ctx context.Context, timelineIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(timelineIDs))
	if len(timelineIDs) == 0 {
		return out, nil
	}
	for _, id := range timelineIDs {
		out[id] = 0
		if v, ok := s.lastSeq.Load(id); ok {
			out[id] = v.(int64)
		}
	}
	cur, err := s.heads.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: timelineIDs}}}})
	if err != nil {
		return nil, fmt.Errorf("read the heads of %d timelines: %w", len(timelineIDs), err)
	}
	var docs []headDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read the heads of %d timelines: %w", len(timelineIDs), err)
	}
	for _, d := range docs {
		out[d.ID] = max(out[d.ID], d.Seq)
	}
	return out, nil
}
