package timeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
	"github.com/newsroomhq/newsroom/services/timeline/mongostore"
)

// benchImportSize is the number of entries each import of BenchmarkImport writes.
const benchImportSize = 10000

// benchItems makes n distinct live-blog entries that name the fixture's people and
// places in their various spellings.
func benchItems(n int) []*timelinev1.ImportItem {
	people := []string{"Zelensky", "Zelenskiy", "Volodymyr Zelensky", "Putin", "Erdoğan", "Rustem Umerov", "Medinsky"}
	places := []string{"Istanbul", "Kyiv", "Moscow", "Kiev"}
	verbs := []string{"met", "called", "criticised", "praised", "wrote to", "spoke about"}
	items := make([]*timelinev1.ImportItem, n)
	for i := range items {
		p, q := people[i%len(people)], people[(i/7+3)%len(people)]
		place := places[(i/3)%len(places)]
		items[i] = &timelinev1.ImportItem{ImportKey: fmt.Sprintf("wire:%d", i), Entry: &timelinev1.Entry{
			Status:   timelinev1.Entry_PUBLISHED,
			Headline: fmt.Sprintf("%s %s %s in %s, update %d", p, verbs[i%len(verbs)], q, place, i),
			Body: fmt.Sprintf("Report %d: %s told reporters in %s that talks with %s would go on for %d more days. "+
				"Negotiators from the NATO side and the Kremlin were said to be studying %d proposals, "+
				"of which %d concern prisoners and %d the front line near sector %d.",
				i, p, place, q, i%9+1, i%13+2, i%5+1, i%4+1, i),
		}}
	}
	return items
}

// BenchmarkImport compares importing 10,000 entries through StreamingImportEntries (duplicate
// detection and entity linking on, in batches of 500) with inserting the same stored
// documents into a collection of the same database with the driver's InsertMany (also
// in batches of 500), in one run. Each iteration imports into a new timeline.
//
//	go test -run '^$' -bench Import -benchtime 3x ./services/timeline/
func BenchmarkImport(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	for _, f := range fixture.Entities() {
		if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: f.Entity, EntityId: f.ID}); err != nil {
			b.Fatal(err)
		}
	}
	items := benchItems(benchImportSize)
	var sample []any // the documents the first import stored, for the baseline
	b.Run("StreamingImportEntries", func(b *testing.B) {
		for i := range b.N {
			tl, err := e.tl.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: &timelinev1.Timeline{
				Title: "Benchmark", Slug: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i), Status: timelinev1.Timeline_LIVE,
			}})
			if err != nil {
				b.Fatal(err)
			}
			stream, err := e.tl.StreamingImportEntries(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for start := 0; start < len(items); start += 500 {
				req := &timelinev1.StreamingImportEntriesRequest{Parent: tl.GetName(), Items: items[start:min(start+500, len(items))]}
				if start == 0 {
					req.Options = &timelinev1.ImportOptions{LinkEntities: true}
				}
				if err := stream.Send(req); err != nil {
					b.Fatal(err)
				}
			}
			resp, err := stream.CloseAndRecv()
			if err != nil {
				b.Fatal(err)
			}
			if resp.GetCreated() != benchImportSize {
				b.Fatalf("created %d of %d", resp.GetCreated(), benchImportSize)
			}
			if sample == nil {
				b.StopTimer()
				cur, err := e.db.Collection("entries").Find(ctx, bson.D{{Key: "timeline", Value: tl.GetName()[len("timelines/"):]}})
				if err != nil {
					b.Fatal(err)
				}
				var docs []bson.Raw
				if err := cur.All(ctx, &docs); err != nil {
					b.Fatal(err)
				}
				for _, d := range docs {
					sample = append(sample, d)
				}
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(b.N*benchImportSize)/b.Elapsed().Seconds(), "entries/s")
	})
	// The baseline, into a bare collection and into one with the entries collection's
	// indexes, which every insert of an entry maintains.
	for _, indexed := range []bool{false, true} {
		name := "InsertMany"
		if indexed {
			name = "InsertMany-indexed"
		}
		b.Run(name, func(b *testing.B) {
			if len(sample) != benchImportSize {
				b.Fatalf("baseline has %d documents", len(sample))
			}
			for i := range b.N {
				b.StopTimer()
				coll := e.db.Collection(fmt.Sprintf("baseline_%d_%d", time.Now().UnixNano(), i))
				if indexed {
					for _, model := range mongostore.Indexes()["entries"] {
						if _, err := coll.Indexes().CreateOne(ctx, model); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StartTimer()
				for start := 0; start < len(sample); start += 500 {
					if _, err := coll.InsertMany(ctx, sample[start:min(start+500, len(sample))], options.InsertMany().SetOrdered(false)); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*benchImportSize)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
