package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// LastSequences implements timeline.Store: the heads of many timelines with one query,
// each raised to what this process wrote, as LastSequence does.
func (s *Store) LastSequences(ctx context.Context, timelineIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(timelineIDs))
	if len(timelineIDs) == 0 {
		return out, nil
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
		out[d.ID] = d.Seq
	}
	for _, id := range timelineIDs {
		if v, ok := s.lastSeq.Load(id); ok && v.(int64) > out[id] {
			out[id] = v.(int64)
		}
	}
	return out, nil
}
