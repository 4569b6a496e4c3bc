// Package docs holds the product's documentation; its test keeps docs/indexes.md in step
// with the indexes the stores create.
package docs

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	entitystore "github.com/newsroomhq/newsroom/services/entity/mongostore"
	timelinestore "github.com/newsroomhq/newsroom/services/timeline/mongostore"
)

// row matches the first two cells of an index table row: | `collection` | `index` |
var row = regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| `([a-z_]+)` \\|")

func TestIndexesDocumented(t *testing.T) {
	doc, err := os.ReadFile("indexes.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1]+"."+m[2])
	}
	var created []string
	for _, indexes := range []map[string][]mongo.IndexModel{timelinestore.Indexes(), entitystore.Indexes()} {
		for coll, models := range indexes {
			for _, m := range models {
				name := indexName(m)
				if name == "" {
					t.Errorf("an index on %s has no name", coll)
					continue
				}
				created = append(created, coll+"."+name)
			}
		}
	}
	for _, idx := range created {
		if !slices.Contains(documented, idx) {
			t.Errorf("index %s is not in docs/indexes.md", idx)
		}
	}
	for _, idx := range documented {
		if !slices.Contains(created, idx) {
			t.Errorf("docs/indexes.md lists %s, which no store creates", idx)
		}
	}
}

func indexName(m mongo.IndexModel) string {
	if m.Options == nil {
		return ""
	}
	var o options.IndexOptions
	for _, set := range m.Options.Opts {
		if err := set(&o); err != nil {
			return ""
		}
	}
	if o.Name == nil {
		return ""
	}
	return *o.Name
}
