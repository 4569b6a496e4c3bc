package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/command"
)

const exportUsage = `Usage: newsroomctl export --timeline SLUG [--format jsonl|jsonld] [--editor]

Writes the entries of a timeline to stdout, oldest first:
  jsonl   one entry a line, as the API's JSON with the .proto field names (occur_time)
  jsonld  one schema.org LiveBlogPosting, each entry a BlogPosting in liveBlogUpdate, for
          the structured data of a web page
Only what readers see (published entries of a timeline that is not a draft) unless --editor.
`

// exportPage is how many entries a ListEntries call asks for (the most it gives).
const exportPage = 100

func (c *cli) export(ctx context.Context, args []string) error {
	var conn connection
	var slug, format string
	var editor bool
	f, local := c.flags("export", exportUsage, &conn)
	local.String(&slug, "timeline", "", "slug of the timeline; required")
	local.String(&format, "format", "jsonl", "jsonl or jsonld")
	local.Bool(&editor, "editor", false, "export what editors see: drafts and retracted entries too")
	if err := f.ParseFlags(args); err != nil {
		return err
	}
	switch {
	case slug == "":
		return &command.UsageError{Err: errors.New("--timeline is required")}
	case format != "jsonl" && format != "jsonld":
		return &command.UsageError{Err: fmt.Errorf("--format %q: want jsonl or jsonld", format)}
	}
	view := timelinev1.View_PUBLIC
	if editor {
		view = timelinev1.View_EDITOR
	}
	cl, ctx, done, err := conn.dial(ctx)
	if err != nil {
		return err
	}
	defer done()
	tl, err := cl.findTimeline(ctx, slug, view)
	if err != nil {
		return err
	}
	if tl == nil {
		return fmt.Errorf("no timeline has the slug %q", slug)
	}
	out := bufio.NewWriter(c.stdout)
	if format == "jsonl" {
		err = cl.eachEntry(ctx, tl.GetName(), view, func(e *timelinev1.Entry) error {
			data, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(e)
			if err != nil {
				return err
			}
			_, _ = out.Write(data)
			return out.WriteByte('\n')
		})
	} else {
		err = cl.exportJSONLD(ctx, out, tl, view)
	}
	if err != nil {
		return err
	}
	return out.Flush()
}

// eachEntry calls fn with every entry of a timeline that view sees, oldest first.
func (cl *clients) eachEntry(ctx context.Context, parent string, view timelinev1.View, fn func(*timelinev1.Entry) error) error {
	req := &timelinev1.ListEntriesRequest{Parent: parent, View: view, Order: timelinev1.Order_OLDEST_FIRST, PageSize: exportPage}
	for {
		resp, err := cl.timeline.ListEntries(ctx, req)
		if err != nil {
			return cl.describe("list entries of "+parent, err)
		}
		for _, e := range resp.GetEntries() {
			if err := fn(e); err != nil {
				return err
			}
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			return nil
		}
	}
}

// JSON-LD shapes (https://schema.org/LiveBlogPosting).
type (
	liveBlogPosting struct {
		Context           string        `json:"@context"`
		Type              string        `json:"@type"`
		Identifier        string        `json:"identifier"`
		Headline          string        `json:"headline"`
		Description       string        `json:"description,omitempty"`
		Keywords          []string      `json:"keywords,omitempty"`
		CoverageStartTime string        `json:"coverageStartTime,omitempty"`
		CoverageEndTime   string        `json:"coverageEndTime,omitempty"`
		DateModified      string        `json:"dateModified,omitempty"`
		LiveBlogUpdate    []blogPosting `json:"liveBlogUpdate"`
	}
	blogPosting struct {
		Type          string  `json:"@type"`
		Identifier    string  `json:"identifier"`
		Headline      string  `json:"headline"`
		ArticleBody   string  `json:"articleBody,omitempty"`
		DatePublished string  `json:"datePublished,omitempty"`
		DateModified  string  `json:"dateModified,omitempty"`
		Author        []thing `json:"author,omitempty"`
		Citation      []thing `json:"citation,omitempty"`
		Mentions      []thing `json:"mentions,omitempty"`
		Genre         string  `json:"genre,omitempty"`
	}
	thing struct {
		Type   string   `json:"@type"`
		Name   string   `json:"name"`
		URL    string   `json:"url,omitempty"`
		SameAs []string `json:"sameAs,omitempty"`
	}
)

// exportJSONLD writes the timeline as one LiveBlogPosting. Each entry's mentions become
// the things it mentions, typed by the entity's kind, named by its display name, with a
// link to Wikidata when the entity has its id.
func (cl *clients) exportJSONLD(ctx context.Context, w io.Writer, tl *timelinev1.Timeline, view timelinev1.View) error {
	var entries []*timelinev1.Entry
	if err := cl.eachEntry(ctx, tl.GetName(), view, func(e *timelinev1.Entry) error {
		entries = append(entries, e)
		return nil
	}); err != nil {
		return err
	}
	entities, err := cl.mentionedEntities(ctx, entries)
	if err != nil {
		return err
	}
	doc := liveBlogPosting{
		Context:           "https://schema.org",
		Type:              "LiveBlogPosting",
		Identifier:        tl.GetName(),
		Headline:          tl.GetTitle(),
		Description:       tl.GetSummary(),
		Keywords:          tl.GetTags(),
		CoverageStartTime: jsonTime(tl.GetCoverageStartTime()),
		CoverageEndTime:   jsonTime(tl.GetCoverageEndTime()),
		DateModified:      jsonTime(tl.GetUpdateTime()),
		LiveBlogUpdate:    []blogPosting{},
	}
	for _, e := range entries {
		doc.LiveBlogUpdate = append(doc.LiveBlogUpdate, blogUpdate(e, entities))
	}
	if len(entries) > 0 {
		// Without a stated coverage, the entries give it: from the first; to the last once
		// the timeline is no longer live.
		if doc.CoverageStartTime == "" {
			doc.CoverageStartTime = jsonTime(when(entries[0]))
		}
		if st := tl.GetStatus(); doc.CoverageEndTime == "" && (st == timelinev1.Timeline_CLOSED || st == timelinev1.Timeline_ARCHIVED) {
			doc.CoverageEndTime = jsonTime(when(entries[len(entries)-1]))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func blogUpdate(e *timelinev1.Entry, entities map[string]*entityv1.Entity) blogPosting {
	p := blogPosting{
		Type:          "BlogPosting",
		Identifier:    e.GetName(),
		Headline:      e.GetHeadline(),
		ArticleBody:   e.GetBody(),
		DatePublished: jsonTime(cmpTime(e.GetPublishTime(), when(e))),
		DateModified:  jsonTime(e.GetUpdateTime()),
	}
	switch e.GetKind() {
	case timelinev1.Entry_SUMMARY:
		p.Genre = "summary"
	case timelinev1.Entry_CORRECTION:
		p.Genre = "correction"
	case timelinev1.Entry_KEY_EVENT:
		p.Genre = "key event"
	}
	for _, a := range e.GetAuthors() {
		p.Author = append(p.Author, thing{Type: "Person", Name: a})
	}
	for _, s := range e.GetSources() {
		p.Citation = append(p.Citation, thing{Type: "CreativeWork", Name: s.GetName(), URL: s.GetUrl()})
	}
	var seen []string
	for _, m := range e.GetMentions() {
		if slices.Contains(seen, m.GetEntity()) {
			continue
		}
		seen = append(seen, m.GetEntity())
		p.Mentions = append(p.Mentions, mentionOf(m, entities[m.GetEntity()]))
	}
	return p
}

// schemaTypes are the schema.org types of entity kinds.
var schemaTypes = map[entityv1.Entity_Kind]string{
	entityv1.Entity_PERSON:       "Person",
	entityv1.Entity_ORGANIZATION: "Organization",
	entityv1.Entity_PLACE:        "Place",
	entityv1.Entity_EVENT:        "Event",
}

// mentionOf is a mentioned entity as a schema.org thing; an entity that no longer exists
// is named by the text that mentioned it.
func mentionOf(m *timelinev1.Mention, ent *entityv1.Entity) thing {
	if ent == nil {
		return thing{Type: "Thing", Name: m.GetText()}
	}
	t := thing{Type: "Thing", Name: ent.GetDisplayName()}
	if st, ok := schemaTypes[ent.GetKind()]; ok {
		t.Type = st
	}
	if q := ent.GetExternalIds()["wikidata"]; q != "" {
		t.SameAs = []string{"https://www.wikidata.org/wiki/" + q}
	}
	return t
}

// mentionedEntities fetches every entity the entries mention, by name; missing ones are
// left out.
func (cl *clients) mentionedEntities(ctx context.Context, entries []*timelinev1.Entry) (map[string]*entityv1.Entity, error) {
	seen := map[string]bool{}
	var names []string
	for _, e := range entries {
		for _, m := range e.GetMentions() {
			if !seen[m.GetEntity()] {
				seen[m.GetEntity()] = true
				names = append(names, m.GetEntity())
			}
		}
	}
	out := map[string]*entityv1.Entity{}
	for chunk := range slices.Chunk(names, 500) {
		resp, err := cl.entity.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: chunk, AllowMissing: true})
		if err != nil {
			return nil, cl.describe("get the mentioned entities", err)
		}
		for _, ent := range resp.GetEntities() {
			out[ent.GetName()] = ent
		}
	}
	return out, nil
}

// when is the time an entry is about: occur_time, else its creation.
func when(e *timelinev1.Entry) *timestamppb.Timestamp {
	return cmpTime(e.GetOccurTime(), e.GetCreateTime())
}

// cmpTime returns the first time that is set.
func cmpTime(ts ...*timestamppb.Timestamp) *timestamppb.Timestamp {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}

// jsonTime is an ISO 8601 time in UTC, or "" when unset.
func jsonTime(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return t.AsTime().UTC().Format(time.RFC3339)
}
