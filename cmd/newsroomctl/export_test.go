package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	n := startNewsroom(t)
	n.ctl("entities", "import", gazetteer).must(t, ExitOK)
	n.ctl("import", "--timeline", "ankara-talks", "--link-entities", liveBlog).must(t, ExitOK)
	n.ctl("import", "--timeline", "ankara-talks", "--status", "draft", "--format", "jsonl", "testdata/entries.jsonl").must(t, ExitFailed)
	oldestFirst := slices.Clone(pageHeadlines)
	slices.Reverse(oldestFirst)

	t.Run("jsonld", func(t *testing.T) {
		r := n.ctl("export", "--timeline", "ankara-talks", "--format", "jsonld").must(t, ExitOK)
		var doc struct {
			Context           string `json:"@context"`
			Type              string `json:"@type"`
			Headline          string `json:"headline"`
			Description       string `json:"description"`
			CoverageStartTime string `json:"coverageStartTime"`
			LiveBlogUpdate    []struct {
				Type          string `json:"@type"`
				Headline      string `json:"headline"`
				ArticleBody   string `json:"articleBody"`
				DatePublished string `json:"datePublished"`
				Mentions      []struct {
					Type   string   `json:"@type"`
					Name   string   `json:"name"`
					SameAs []string `json:"sameAs"`
				} `json:"mentions"`
			} `json:"liveBlogUpdate"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, r.stdout)
		}
		if doc.Context != "https://schema.org" || doc.Type != "LiveBlogPosting" || !strings.HasPrefix(doc.Headline, "Black Sea talks") ||
			doc.Description == "" || doc.CoverageStartTime != "2025-08-19T00:00:00Z" {
			t.Errorf("posting = %+v", doc)
		}
		if len(doc.LiveBlogUpdate) != len(pageHeadlines) {
			t.Fatalf("%d updates, want the %d published entries", len(doc.LiveBlogUpdate), len(pageHeadlines))
		}
		var got []string
		for _, u := range doc.LiveBlogUpdate {
			got = append(got, u.Headline)
			if u.Type != "BlogPosting" || u.ArticleBody == "" || u.DatePublished == "" {
				t.Errorf("update = %+v", u)
			}
		}
		if !slices.Equal(got, oldestFirst) {
			t.Errorf("updates %q, want oldest first %q", got, oldestFirst)
		}
		first := doc.LiveBlogUpdate[len(doc.LiveBlogUpdate)-1] // "Zelenskiy says..."
		found := false
		for _, m := range first.Mentions {
			if m.Name == "Volodymyr Zelensky" {
				found = m.Type == "Person" && slices.Equal(m.SameAs, []string{"https://www.wikidata.org/wiki/Q3881622"})
			}
		}
		if !found {
			t.Errorf("mentions of %q: %+v, want the Person Volodymyr Zelensky with his Wikidata link", first.Headline, first.Mentions)
		}
	})

	t.Run("jsonl", func(t *testing.T) {
		r := n.ctl("export", "--timeline", "ankara-talks").must(t, ExitOK)
		var got []string
		for line := range strings.Lines(r.stdout) {
			var e struct {
				Name      string `json:"name"`
				Headline  string `json:"headline"`
				OccurTime string `json:"occur_time"`
				ImportKey string `json:"import_key"`
			}
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if e.Name == "" || e.OccurTime == "" || !strings.HasPrefix(e.ImportKey, "sha256:") {
				t.Errorf("entry = %+v", e)
			}
			got = append(got, e.Headline)
		}
		if !slices.Equal(got, oldestFirst) {
			t.Errorf("entries %q, want oldest first %q", got, oldestFirst)
		}
	})

	t.Run("editor", func(t *testing.T) {
		r := n.ctl("export", "--timeline", "ankara-talks", "--editor").must(t, ExitOK)
		if got := strings.Count(r.stdout, "\n"); got != len(pageHeadlines)+3 {
			t.Errorf("%d entries for editors, want the drafts too (%d)", got, len(pageHeadlines)+3)
		}
	})

	t.Run("no such timeline", func(t *testing.T) {
		r := n.ctl("export", "--timeline", "nowhere").must(t, ExitFailed)
		if !strings.Contains(r.stderr, `no timeline has the slug "nowhere"`) {
			t.Errorf("stderr = %q", r.stderr)
		}
	})
}
