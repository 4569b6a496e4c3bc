package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/importfmt"
	"github.com/newsroomhq/newsroom/services/platform/command"
)

const importUsage = `Usage: newsroomctl import --timeline SLUG [flags] [FILE...]

Imports the entries of each FILE ("-" or none: standard input) into the timeline with
this slug, creating the timeline when there is none (status LIVE; a live blog page gives
its title and summary). Importing the same files again creates nothing: every item has a
key, and the timeline keeps one entry per key.
`

// maxBatch is the most items one ImportEntries message may carry.
const maxBatch = 500

// maxMessageBytes keeps a message under the 4 MiB a gRPC server accepts by default,
// whatever the size of the entries.
const maxMessageBytes = 3 << 20

// slugPattern is the rule on timeline slugs in timeline.proto.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

type importConfig struct {
	connection
	Format, Timeline, Duplicates, Status string
	DryRun, Link, Create                 bool
	Batch                                int
}

var duplicatePolicies = map[string]timelinev1.DuplicatePolicy{
	"allow": timelinev1.DuplicatePolicy_ALLOW,
	"flag":  timelinev1.DuplicatePolicy_FLAG,
	"skip":  timelinev1.DuplicatePolicy_SKIP,
}

var entryStatuses = map[string]timelinev1.Entry_Status{
	"published": timelinev1.Entry_PUBLISHED,
	"draft":     timelinev1.Entry_DRAFT,
}

func (c *cli) importEntries(ctx context.Context, args []string) error {
	var cfg importConfig
	f, local := c.flags("import", importUsage, &cfg.connection)
	local.String(&cfg.Timeline, "timeline", "", "slug of the timeline to import into; required")
	local.String(&cfg.Format, "format", "auto", "auto, liveblog, jsonl or ninjs; auto tells each file's format from its name and content")
	local.Bool(&cfg.DryRun, "dry-run", false, "check and report every item, write nothing")
	local.String(&cfg.Duplicates, "duplicates", "flag", "entries that repeat one of the timeline's: allow (store), flag (store, marked as a near duplicate) or skip")
	local.Bool(&cfg.Link, "link-entities", false, "link the entities each entry names (from the Entity service) as its mentions")
	local.Bool(&cfg.Create, "create-entities", false, "also create an entity for each capitalised name that matches none (implies --link-entities)")
	local.String(&cfg.Status, "status", "published", "status of the entries: published or draft")
	local.Int(&cfg.Batch, "batch", maxBatch, fmt.Sprintf("items per message, 1 to %d", maxBatch))
	files, err := f.ParseOperands(args)
	if err != nil {
		return err
	}
	if err := cfg.check(); err != nil {
		return &command.UsageError{Err: err}
	}
	if files, err = operands(files); err != nil {
		return err
	}
	in, err := c.readAll(files, cfg.Format)
	if err != nil {
		return err
	}
	cl, ctx, done, err := cfg.dial(ctx)
	if err != nil {
		return err
	}
	defer done()

	tl, created, err := cl.ensureTimeline(ctx, cfg.Timeline, in, cfg.DryRun)
	if err != nil {
		return err
	}
	rep := &report{in: in, cfg: cfg, timeline: tl, timelineCreated: created, slug: cfg.Timeline}
	if tl != nil && len(in.items) > 0 {
		if rep.resp, err = cl.send(ctx, tl.GetName(), cfg, in.items, newProgress(c.stderr, len(in.items))); err != nil {
			return err
		}
		rep.headlines = cl.headlines(ctx, rep)
	}
	rep.write(c.stdout)
	if rep.invalid() > 0 {
		return errInvalidItems
	}
	return nil
}

func (cfg *importConfig) check() error {
	switch {
	case cfg.Timeline == "":
		return errors.New("--timeline is required")
	case !slugPattern.MatchString(cfg.Timeline) || len(cfg.Timeline) > 100:
		return fmt.Errorf("--timeline %q: a slug is lower-case letters, digits and single hyphens, at most 100 characters", cfg.Timeline)
	case cfg.Format != "auto" && formats[cfg.Format] == 0:
		return fmt.Errorf("--format %q: want auto, liveblog, jsonl or ninjs", cfg.Format)
	case duplicatePolicies[cfg.Duplicates] == 0:
		return fmt.Errorf("--duplicates %q: want allow, flag or skip", cfg.Duplicates)
	case entryStatuses[cfg.Status] == 0:
		return fmt.Errorf("--status %q: want published or draft", cfg.Status)
	case cfg.Batch < 1 || cfg.Batch > maxBatch:
		return fmt.Errorf("--batch %d: want 1 to %d", cfg.Batch, maxBatch)
	}
	if cfg.Create {
		cfg.Link = true
	}
	return nil
}

// findTimeline returns the timeline with this slug, or nil when there is none that view
// sees.
func (cl *clients) findTimeline(ctx context.Context, slug string, view timelinev1.View) (*timelinev1.Timeline, error) {
	resp, err := cl.timeline.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{Slug: slug, View: view, PageSize: 1})
	if status.Code(err) == codes.PermissionDenied && view == timelinev1.View_EDITOR {
		// An importer may not see drafts: it finds the timelines readers see.
		resp, err = cl.timeline.ListTimelines(ctx, &timelinev1.ListTimelinesRequest{Slug: slug, PageSize: 1})
	}
	if err != nil {
		return nil, cl.describe("find timeline "+slug, err)
	}
	if len(resp.GetTimelines()) == 0 {
		return nil, nil
	}
	return resp.GetTimelines()[0], nil
}

// ensureTimeline finds the timeline by slug or creates it, LIVE, named after the slug when
// that can be its id. A dry run creates nothing and returns nil for a missing timeline.
func (cl *clients) ensureTimeline(ctx context.Context, slug string, in *batchInput, dryRun bool) (*timelinev1.Timeline, bool, error) {
	tl, err := cl.findTimeline(ctx, slug, timelinev1.View_EDITOR)
	if err != nil || tl != nil || dryRun {
		return tl, false, err
	}
	// A page's title and standfirst may be longer than a timeline's: cut, not refused.
	want := &timelinev1.Timeline{Title: cut(in.title, 300), Slug: slug, Summary: cut(in.summary, 5000), Status: timelinev1.Timeline_LIVE}
	if want.Title == "" {
		want.Title = slug
	}
	id := ""
	if len(slug) <= 63 {
		id = slug
	}
	for {
		tl, err = cl.timeline.CreateTimeline(ctx, &timelinev1.CreateTimelineRequest{Timeline: want, TimelineId: id})
		if status.Code(err) != codes.AlreadyExists {
			break
		}
		// Another import created it meanwhile, or another timeline has the slug as its
		// id: take the one with the slug, else let the server choose an id.
		if tl, err := cl.findTimeline(ctx, slug, timelinev1.View_EDITOR); err != nil || tl != nil {
			return tl, false, err
		}
		if id == "" {
			break
		}
		id = ""
	}
	if err != nil {
		return nil, false, cl.describe("create timeline "+slug, err)
	}
	return tl, true, nil
}

// cut shortens s to at most n characters, ending it with "…" when it was longer.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// send streams the items to ImportEntries in batches and returns the server's report.
func (cl *clients) send(ctx context.Context, parent string, cfg importConfig, items []sourced, prog *progress) (*timelinev1.ImportEntriesResponse, error) {
	stream, err := cl.timeline.StreamingImportEntries(ctx)
	if err != nil {
		return nil, cl.describe("import", err)
	}
	opts := &timelinev1.ImportOptions{
		DuplicatePolicy: duplicatePolicies[cfg.Duplicates],
		LinkEntities:    cfg.Link,
		CreateEntities:  cfg.Create,
		ValidateOnly:    cfg.DryRun,
	}
	st := entryStatuses[cfg.Status]
	req := &timelinev1.StreamingImportEntriesRequest{Parent: parent, Options: opts}
	sent, size := 0, 0
	flush := func() error {
		if len(req.Items) == 0 && req.Options == nil {
			return nil
		}
		if err := stream.Send(req); err != nil {
			// The server ended the stream: its status says why.
			_, err = stream.CloseAndRecv()
			return err
		}
		sent += len(req.Items)
		prog.sent(sent)
		req = &timelinev1.StreamingImportEntriesRequest{Parent: parent}
		size = 0
		return nil
	}
	for _, it := range items {
		item := importItem(it.Item, st)
		n := proto.Size(item)
		if len(req.Items) == cfg.Batch || (len(req.Items) > 0 && size+n > maxMessageBytes) {
			if err := flush(); err != nil {
				prog.done()
				return nil, cl.describe("import", err)
			}
		}
		req.Items = append(req.Items, item)
		size += n
	}
	if err := flush(); err != nil {
		prog.done()
		return nil, cl.describe("import", err)
	}
	resp, err := stream.CloseAndRecv()
	prog.done()
	if err != nil {
		return nil, cl.describe("import", err)
	}
	return resp, nil
}

// importItem is the item as the API takes it.
func importItem(it importfmt.Item, st timelinev1.Entry_Status) *timelinev1.ImportItem {
	e := &timelinev1.Entry{
		Headline: it.Headline,
		Body:     it.Body,
		Kind:     it.Kind,
		Status:   st,
		Authors:  slices.Clone(it.Authors),
	}
	if !it.OccurTime.IsZero() {
		e.OccurTime = timestamppb.New(it.OccurTime)
	}
	for _, s := range it.Sources {
		e.Sources = append(e.Sources, &timelinev1.Source{Name: s.Name, Url: s.URL})
	}
	return &timelinev1.ImportItem{ImportKey: it.Key, Entry: e}
}

// headlines returns the headline of every entry the report names as the one an item
// repeats: from this import's items when they created it, else from the timeline.
func (cl *clients) headlines(ctx context.Context, rep *report) map[string]string {
	out := map[string]string{}
	for _, r := range rep.resp.GetResults() {
		if r.GetOutcome() == timelinev1.ImportResult_CREATED && r.GetDuplicateOf() == "" {
			if it, ok := rep.item(r); ok {
				out[r.GetEntry()] = it.Headline
			}
		}
	}
	const maxLookups = 100 // a report, not a crawl
	lookups := 0
	for _, r := range rep.resp.GetResults() {
		name := r.GetDuplicateOf()
		if _, ok := out[name]; ok || name == "" || lookups == maxLookups {
			continue
		}
		lookups++
		e, err := cl.timeline.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: name, View: timelinev1.View_EDITOR})
		if err == nil {
			out[name] = e.GetHeadline()
		}
	}
	return out
}
