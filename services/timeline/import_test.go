package timeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/fixture"
)

// storyItems are the fixture's posts as import items keyed by their fixture id, with
// their mentions, published.
func storyItems() []*timelinev1.ImportItem {
	var items []*timelinev1.ImportItem
	for _, p := range fixture.Posts() {
		p.Entry.Mentions = p.MentionsIn(func(id string) string { return "entities/" + id })
		p.Entry.Status = timelinev1.Entry_PUBLISHED
		items = append(items, &timelinev1.ImportItem{ImportKey: "wire:" + p.ID, Entry: p.Entry})
	}
	return items
}

func (e *env) createFixtureEntities(t *testing.T) {
	t.Helper()
	for _, f := range fixture.Entities() {
		if _, err := e.ent.CreateEntity(context.Background(), &entityv1.CreateEntityRequest{Entity: f.Entity, EntityId: f.ID}); err != nil {
			t.Fatalf("create entity %s: %v", f.ID, err)
		}
	}
}

// importAll sends items through ImportEntries in messages of at most n.
func importAll(t *testing.T, client timelinev1.TimelineServiceClient, parent string, opts *timelinev1.ImportOptions, items []*timelinev1.ImportItem, n int) *timelinev1.ImportEntriesResponse {
	t.Helper()
	stream, err := client.StreamingImportEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for start := 0; start < len(items); start += n {
		req := &timelinev1.StreamingImportEntriesRequest{Parent: parent, Items: items[start:min(start+n, len(items))]}
		if start == 0 {
			req.Options = opts
		}
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func outcomes(resp *timelinev1.ImportEntriesResponse) map[string]timelinev1.ImportResult_Outcome {
	out := map[string]timelinev1.ImportResult_Outcome{}
	for _, r := range resp.GetResults() {
		out[r.GetImportKey()] = r.GetOutcome()
	}
	return out
}

func TestImportStory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.createFixtureEntities(t)
	tl := liveTimeline(t, e)
	items := storyItems()

	first := importAll(t, e.tl, tl.GetName(), nil, items, 4)
	if first.GetCreated() != int32(len(items)) || len(first.GetResults()) != len(items) {
		t.Fatalf("first import: %d created of %d: %v", first.GetCreated(), len(items), first)
	}
	repeat, original := fixture.NearRepeat()
	for i, r := range first.GetResults() {
		if r.GetIndex() != int32(i) || r.GetImportKey() != items[i].GetImportKey() || r.GetOutcome() != timelinev1.ImportResult_CREATED {
			t.Fatalf("result %d: %v", i, r)
		}
		wantDup := ""
		if r.GetImportKey() == "wire:"+repeat {
			wantDup = "wire:" + original
		}
		got := ""
		for j, other := range first.GetResults() {
			if other.GetEntry() == r.GetDuplicateOf() && r.GetDuplicateOf() != "" {
				got = items[j].GetImportKey()
			}
		}
		if got != wantDup {
			t.Fatalf("%s flagged as repeating %q, want %q", r.GetImportKey(), got, wantDup)
		}
	}

	// The flag is stored on the entry, and entries list by entity.
	list, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageSize: 100})
	if err != nil || len(list.GetEntries()) != len(items) {
		t.Fatalf("listed %d entries (%v)", len(list.GetEntries()), err)
	}
	flagged := 0
	for _, en := range list.GetEntries() {
		if en.GetNearDuplicateOf() != "" {
			flagged++
			if !strings.HasPrefix(en.GetImportKey(), "wire:"+repeat) {
				t.Fatalf("%s (%s) is flagged", en.GetName(), en.GetImportKey())
			}
		}
	}
	if flagged != 1 {
		t.Fatalf("%d entries flagged as near repeats, want 1", flagged)
	}
	umerov, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "entities/umerov", PageSize: 100})
	if err != nil || len(umerov.GetEntries()) == 0 {
		t.Fatalf("entries mentioning Umerov: %d (%v)", len(umerov.GetEntries()), err)
	}

	// Importing again creates nothing.
	second := importAll(t, e.tl, tl.GetName(), nil, items, 100)
	if second.GetCreated() != 0 || second.GetDuplicates() != int32(len(items)) {
		t.Fatalf("second import: %+v", second)
	}
	// Nothing was written twice: one event per entry.
	watchFrom := func() int64 {
		stream, err := e.tl.WatchEntries(ctx, &timelinev1.WatchEntriesRequest{Parent: tl.GetName(), Start: &timelinev1.WatchEntriesRequest_SnapshotSize{SnapshotSize: 1}})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		return snap.GetSequence()
	}
	if seq := watchFrom(); seq != int64(len(items)) {
		t.Fatalf("event log at %d after importing %d entries twice", seq, len(items))
	}
}

func TestImportConcurrentDuplicates(t *testing.T) {
	e := newEnv(t)
	e.createFixtureEntities(t)
	tl := liveTimeline(t, e)
	items := storyItems()
	const imports = 4
	var wg sync.WaitGroup
	created := make([]int32, imports)
	for i := range imports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i] = importAll(t, e.tl, tl.GetName(), &timelinev1.ImportOptions{DuplicatePolicy: timelinev1.DuplicatePolicy_ALLOW}, items, 3).GetCreated()
		}()
	}
	wg.Wait()
	total := int32(0)
	for _, n := range created {
		total += n
	}
	if total != int32(len(items)) {
		t.Fatalf("%d concurrent imports of %d items created %v entries", imports, len(items), created)
	}
	list, err := e.tl.ListEntries(context.Background(), &timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageSize: 100})
	if err != nil || len(list.GetEntries()) != len(items) {
		t.Fatalf("stored %d entries (%v), want %d", len(list.GetEntries()), err, len(items))
	}
}

func TestImportPartialFailure(t *testing.T) {
	e := newEnv(t)
	e.createFixtureEntities(t)
	tl := liveTimeline(t, e)
	good := func(key string) *timelinev1.ImportItem {
		return &timelinev1.ImportItem{ImportKey: key, Entry: &timelinev1.Entry{Headline: "Talks continue " + key, Body: "Delegations met again " + key + ".", Status: timelinev1.Entry_PUBLISHED}}
	}
	items := []*timelinev1.ImportItem{
		good("a"),
		{ImportKey: "no-headline", Entry: &timelinev1.Entry{Body: "text"}},
		good("b"),
		{ImportKey: "", Entry: &timelinev1.Entry{Headline: "no key"}},
		{ImportKey: "ghost", Entry: &timelinev1.Entry{Headline: "Ghost arrives", Mentions: []*timelinev1.Mention{
			{Entity: "entities/ghost", Text: "Ghost", Field: timelinev1.Mention_HEADLINE, EndOffset: 5},
		}}},
		{ImportKey: "bad-offsets", Entry: &timelinev1.Entry{Headline: "Putin speaks", Mentions: []*timelinev1.Mention{
			{Entity: "entities/putin", Text: "Putin", Field: timelinev1.Mention_HEADLINE, StartOffset: 1, EndOffset: 6},
		}}},
		{ImportKey: "no-entry"},
		{ImportKey: strings.Repeat("k", 201), Entry: &timelinev1.Entry{Headline: "long key"}},
		{ImportKey: "bad-url", Entry: &timelinev1.Entry{Headline: "Source", Sources: []*timelinev1.Source{{Name: "x", Url: "ftp://x"}}}},
		good("c"),
	}
	resp, err := e.tl.ImportEntries(context.Background(), &timelinev1.ImportEntriesRequest{Parent: tl.GetName(), Items: items})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		outcome timelinev1.ImportResult_Outcome
		field   string
	}{
		{timelinev1.ImportResult_CREATED, ""},
		{timelinev1.ImportResult_INVALID, "entry.headline"},
		{timelinev1.ImportResult_CREATED, ""},
		{timelinev1.ImportResult_INVALID, "import_key"},
		{timelinev1.ImportResult_INVALID, "entry.mentions[0].entity"},
		{timelinev1.ImportResult_INVALID, "entry.mentions[0].text"},
		{timelinev1.ImportResult_INVALID, "entry"},
		{timelinev1.ImportResult_INVALID, "import_key"},
		{timelinev1.ImportResult_INVALID, "entry.sources[0].url"},
		{timelinev1.ImportResult_CREATED, ""},
	}
	for i, w := range want {
		r := resp.GetResults()[i]
		if r.GetOutcome() != w.outcome || (w.field != "" && (len(r.GetViolations()) == 0 || r.GetViolations()[0].GetField() != w.field)) {
			t.Errorf("item %d: %v, want %v on %q", i, r, w.outcome, w.field)
		}
	}
	if resp.GetCreated() != 3 || resp.GetInvalid() != 7 {
		t.Fatalf("counts: %+v", resp)
	}
	list, _ := e.tl.ListEntries(context.Background(), &timelinev1.ListEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR})
	if len(list.GetEntries()) != 3 {
		t.Fatalf("stored %d entries, want the 3 valid ones", len(list.GetEntries()))
	}
}

func TestImportPolicies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.createFixtureEntities(t)
	tl := liveTimeline(t, e)
	items := storyItems()
	repeat, original := fixture.NearRepeat()

	dry := importAll(t, e.tl, tl.GetName(), &timelinev1.ImportOptions{ValidateOnly: true}, items, 50)
	if dry.GetCreated() != int32(len(items)) {
		t.Fatalf("dry run: %+v", dry)
	}
	list, _ := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR})
	if len(list.GetEntries()) != 0 {
		t.Fatalf("a dry run stored %d entries", len(list.GetEntries()))
	}

	skip := importAll(t, e.tl, tl.GetName(), &timelinev1.ImportOptions{DuplicatePolicy: timelinev1.DuplicatePolicy_SKIP}, items, 50)
	got := outcomes(skip)
	if got["wire:"+repeat] != timelinev1.ImportResult_NEAR_DUPLICATE || got["wire:"+original] != timelinev1.ImportResult_CREATED || skip.GetCreated() != int32(len(items)-1) {
		t.Fatalf("SKIP: %+v", skip)
	}
	// A dry run tells the keys imported before from those that are not.
	dryAgain := importAll(t, e.tl, tl.GetName(), &timelinev1.ImportOptions{ValidateOnly: true, DuplicatePolicy: timelinev1.DuplicatePolicy_ALLOW}, items, 50)
	if got := outcomes(dryAgain); got["wire:"+repeat] != timelinev1.ImportResult_CREATED || dryAgain.GetDuplicates() != int32(len(items)-1) {
		t.Fatalf("dry run after the import: %+v", dryAgain)
	}

	// The same text under another key is a duplicate; on create, policies apply too.
	same := cloneItem(items[0])
	same.ImportKey = "other-wire:1"
	again := importAll(t, e.tl, tl.GetName(), nil, []*timelinev1.ImportItem{same}, 1)
	if again.GetResults()[0].GetOutcome() != timelinev1.ImportResult_DUPLICATE || again.GetResults()[0].GetDuplicateOf() == "" {
		t.Fatalf("same text, new key: %v", again.GetResults()[0])
	}
	var rep *timelinev1.Entry
	for _, it := range items {
		if it.GetImportKey() == "wire:"+repeat {
			rep = cloneItem(it).GetEntry()
		}
	}
	_, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: rep, DuplicatePolicy: timelinev1.DuplicatePolicy_SKIP})
	wantCode(t, err, codes.AlreadyExists)
	if reason(err) != "NEAR_DUPLICATE_ENTRY" {
		t.Fatalf("create of a near repeat with SKIP: %v", err)
	}
	flagged, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: rep, DuplicatePolicy: timelinev1.DuplicatePolicy_FLAG})
	if err != nil || !strings.HasSuffix(flagged.GetNearDuplicateOf(), "/entries/"+fmt.Sprint(importIDOf(skip, "wire:"+original))) {
		t.Fatalf("create of a near repeat with FLAG: %v, %v", flagged.GetNearDuplicateOf(), err)
	}
	if _, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: rep}); err != nil {
		t.Fatalf("create of a repeat with the default policy: %v", err)
	}

	// Requests that cannot be imported at all.
	_, err = e.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{Parent: tl.GetName(), Items: make([]*timelinev1.ImportItem, 501)})
	wantField(t, err, "items")
	_, err = e.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{Parent: "timelines/missing", Items: items[:1]})
	wantCode(t, err, codes.NotFound)
	_, err = e.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{Parent: tl.GetName(), Items: items[:1], Options: &timelinev1.ImportOptions{CreateEntities: true}})
	wantField(t, err, "options.create_entities")
}

// importIDOf is the entry id an import gave to the item with key.
func importIDOf(resp *timelinev1.ImportEntriesResponse, key string) string {
	for _, r := range resp.GetResults() {
		if r.GetImportKey() == key {
			return r.GetEntry()[strings.LastIndex(r.GetEntry(), "/")+1:]
		}
	}
	return ""
}

func TestListEntriesAcrossTimelines(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.createFixtureEntities(t)
	live := liveTimeline(t, e)
	draft := timelineWithSlug(t, e, "draft-desk", timelinev1.Timeline_DRAFT)
	other := timelineWithSlug(t, e, "second-story", timelinev1.Timeline_LIVE)
	mention := func(parent, headline string, status timelinev1.Entry_Status) {
		_, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: parent, Entry: &timelinev1.Entry{
			Headline: headline, Status: status,
			Mentions: []*timelinev1.Mention{{Entity: "entities/erdogan", Text: "Erdoğan", Field: timelinev1.Mention_HEADLINE, StartOffset: 0, EndOffset: 7}},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		mention(live.GetName(), fmt.Sprintf("Erdoğan speaks, %d", i), timelinev1.Entry_PUBLISHED)
		mention(other.GetName(), fmt.Sprintf("Erdoğan travels, %d", i), timelinev1.Entry_PUBLISHED)
	}
	mention(live.GetName(), "Erdoğan draft", timelinev1.Entry_DRAFT)
	mention(draft.GetName(), "Erdoğan in a draft timeline", timelinev1.Entry_PUBLISHED)

	var headlines []string
	req := &timelinev1.ListEntriesRequest{Parent: "timelines/-", MentionedEntity: "entities/erdogan", PageSize: 4}
	for {
		resp, err := e.tl.ListEntries(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range resp.GetEntries() {
			headlines = append(headlines, en.GetHeadline())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	want := "Erdoğan travels, 2|Erdoğan speaks, 2|Erdoğan travels, 1|Erdoğan speaks, 1|Erdoğan travels, 0|Erdoğan speaks, 0"
	if got := strings.Join(headlines, "|"); got != want {
		t.Fatalf("entries mentioning Erdoğan, newest first:\n%s\nwant\n%s", got, want)
	}

	// Pages of one: the entries of the draft timeline and the draft entry, newer than
	// all the others, are skipped without leaving empty pages.
	first, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/-", MentionedEntity: "entities/erdogan", PageSize: 1})
	if err != nil || len(first.GetEntries()) != 1 || first.GetEntries()[0].GetHeadline() != "Erdoğan travels, 2" || first.GetNextPageToken() == "" {
		t.Fatalf("first page of one: %v (%v)", first, err)
	}

	// Editors see drafts, in every timeline, oldest first when asked.
	editor, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{
		Parent: "timelines/-", MentionedEntity: "entities/erdogan", View: timelinev1.View_EDITOR, Order: timelinev1.Order_OLDEST_FIRST,
	})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, en := range editor.GetEntries() {
		all = append(all, en.GetHeadline())
	}
	if len(all) != 8 || all[0] != "Erdoğan speaks, 0" || all[7] != "Erdoğan in a draft timeline" {
		t.Fatalf("editor view, oldest first: %q", all)
	}

	// Across timelines, the mention filter is what keeps the read bounded.
	_, err = e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/-"})
	wantField(t, err, "mentioned_entity")
}

func cloneItem(item *timelinev1.ImportItem) *timelinev1.ImportItem {
	return proto.Clone(item).(*timelinev1.ImportItem)
}

func TestImportLinksEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.createFixtureEntities(t)
	tl := liveTimeline(t, e)
	items := []*timelinev1.ImportItem{
		{ImportKey: "1", Entry: &timelinev1.Entry{Status: timelinev1.Entry_PUBLISHED, Headline: "Zelenskiy lands in Istanbul",
			Body: "Ukraine's president was met by Turkish officials. Zelensky later spoke to Recep Tayyip Erdoğan by phone."}},
		{ImportKey: "2", Entry: &timelinev1.Entry{Status: timelinev1.Entry_PUBLISHED, Headline: "Kremlin-backed proposal",
			Body: "Vladimir Medinsky handed over the memorandum, said Hakan Fidan, the foreign minister."}},
		{ImportKey: "3", Entry: &timelinev1.Entry{Status: timelinev1.Entry_PUBLISHED, Headline: "Nothing to link here", Body: "talks go on."}},
	}
	resp, err := e.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{
		Parent: tl.GetName(), Items: items, Options: &timelinev1.ImportOptions{LinkEntities: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetCreated() != 3 {
		t.Fatalf("import: %+v", resp)
	}
	if got := resp.GetResults()[1].GetSuggestedNames(); !slices.Contains(got, "Hakan Fidan") {
		t.Fatalf("suggested names of item 2: %q, want Hakan Fidan among them", got)
	}
	zel, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "entities/zelensky"})
	if err != nil {
		t.Fatal(err)
	}
	if len(zel.GetEntries()) != 1 {
		t.Fatalf("%d entries mention Zelensky, want 1", len(zel.GetEntries()))
	}
	var texts []string
	for _, m := range zel.GetEntries()[0].GetMentions() {
		texts = append(texts, m.GetEntity()+"="+m.GetText()+"@"+m.GetField().String())
	}
	want := []string{"entities/zelensky=Zelenskiy@HEADLINE", "entities/istanbul=Istanbul@HEADLINE",
		"entities/zelensky=Zelensky@BODY", "entities/erdogan=Recep Tayyip Erdoğan@BODY"}
	if !slices.Equal(texts, want) {
		t.Fatalf("mentions: %q, want %q", texts, want)
	}
	for _, id := range []string{"kremlin", "medinsky"} {
		found, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/-", MentionedEntity: "entities/" + id})
		if err != nil || len(found.GetEntries()) != 1 {
			t.Fatalf("entries mentioning %s: %d (%v)", id, len(found.GetEntries()), err)
		}
	}

	// With create_entities, unmatched names become entities, linked at once.
	more := []*timelinev1.ImportItem{{ImportKey: "4", Entry: &timelinev1.Entry{Status: timelinev1.Entry_PUBLISHED,
		Headline: "Fidan hosts dinner", Body: "Hakan Fidan invited both delegations."}}}
	resp, err = e.tl.ImportEntries(ctx, &timelinev1.ImportEntriesRequest{
		Parent: tl.GetName(), Items: more, Options: &timelinev1.ImportOptions{LinkEntities: true, CreateEntities: true},
	})
	if err != nil || resp.GetCreated() != 1 {
		t.Fatalf("import creating entities: %+v, %v", resp, err)
	}
	fidan, err := e.ent.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/hakan-fidan"})
	if err != nil || fidan.GetKind() != entityv1.Entity_OTHER || fidan.GetDisplayName() != "Hakan Fidan" {
		t.Fatalf("entity made from a suggestion: %v, %v", fidan, err)
	}
	found, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/-", MentionedEntity: "entities/hakan-fidan"})
	if err != nil || len(found.GetEntries()) != 1 {
		t.Fatalf("entries mentioning the new entity: %d (%v)", len(found.GetEntries()), err)
	}
}

func TestCreateAndUpdateLinkEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.createFixtureEntities(t)
	tl := liveTimeline(t, e)
	created, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), LinkEntities: true,
		Entry: &timelinev1.Entry{Headline: "Putin stays in Moscow"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.GetMentions()) != 2 || created.GetMentions()[0].GetEntity() != "entities/putin" {
		t.Fatalf("mentions after create: %v", created.GetMentions())
	}
	updated, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{LinkEntities: true,
		Entry: &timelinev1.Entry{Name: created.GetName(), Body: "Medinsky flew to Istanbul instead."}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range updated.GetMentions() {
		got = append(got, m.GetEntity())
	}
	if want := []string{"entities/putin", "entities/moscow", "entities/medinsky", "entities/istanbul"}; !slices.Equal(got, want) {
		t.Fatalf("mentions after update: %q, want %q", got, want)
	}
}

// Imported entries reach watchers of another replica, which read them from the log.
func TestImportWatchedFromAnotherReplica(t *testing.T) {
	e := newEnv(t, fastFeed)
	e.createFixtureEntities(t)
	other, _ := e.replica(t, fastFeed)
	tl := liveTimeline(t, e)
	events, _ := watch(t, other, &timelinev1.WatchEntriesRequest{Parent: tl.GetName()}, true)
	// A heartbeat comes from a stream that follows the timeline: the import is all after it.
	if ev := next(t, events); ev.GetType() != timelinev1.WatchEntriesResponse_HEARTBEAT {
		t.Fatalf("before the import: %v", ev)
	}
	items := storyItems()
	importAll(t, e.tl, tl.GetName(), nil, items, 4)
	for i, item := range items {
		ev := next(t, events)
		for ev.GetType() == timelinev1.WatchEntriesResponse_HEARTBEAT {
			ev = next(t, events)
		}
		if ev.GetSequence() != int64(i+1) || ev.GetType() != timelinev1.WatchEntriesResponse_ENTRY_CREATED ||
			ev.GetEntry().GetHeadline() != item.GetEntry().GetHeadline() || ev.GetEntry().GetImportKey() != item.GetImportKey() {
			t.Fatalf("event %d: %v", i+1, ev)
		}
	}
}
