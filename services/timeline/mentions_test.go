package timeline_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

func TestMentions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	if _, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{EntityId: "umerov", Entity: &entityv1.Entity{
		Kind: entityv1.Entity_PERSON, DisplayName: "Rustem Umerov", Aliases: []string{"Umerov"},
	}}); err != nil {
		t.Fatal(err)
	}
	body := "Ukraine's delegation, led by Rustem Umerov, arrived first. Umerov spoke briefly."
	mention := func(entity string, start, end int32) *timelinev1.Mention {
		return &timelinev1.Mention{Entity: entity, Text: string([]rune(body)[start:end]), Field: timelinev1.Mention_BODY, StartOffset: start, EndOffset: end}
	}
	en, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{
		Headline: "Umerov leads the delegation", Body: body,
		Mentions: []*timelinev1.Mention{
			mention("entities/umerov", 29, 42),
			mention("entities/umerov", 59, 65),
			{Entity: "entities/umerov", Text: "Umerov", Field: timelinev1.Mention_HEADLINE, StartOffset: 0, EndOffset: 6},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(en.GetMentions()) != 3 || en.GetMentions()[0].GetText() != "Rustem Umerov" {
		t.Fatalf("mentions = %v", en.GetMentions())
	}

	refused := map[string]struct {
		entry *timelinev1.Entry
		field string
	}{
		"unknown entity": {&timelinev1.Entry{Headline: "h", Body: body, Mentions: []*timelinev1.Mention{
			mention("entities/umerov", 29, 42), mention("entities/nobody", 59, 65)}}, "entry.mentions[1].entity"},
		"text not at offsets": {&timelinev1.Entry{Headline: "h", Body: body, Mentions: []*timelinev1.Mention{
			{Entity: "entities/umerov", Text: "Umerov", Field: timelinev1.Mention_BODY, StartOffset: 0, EndOffset: 6}}}, "entry.mentions[0].text"},
		"past the end": {&timelinev1.Entry{Headline: "h", Mentions: []*timelinev1.Mention{
			{Entity: "entities/umerov", Text: "Umerov", Field: timelinev1.Mention_HEADLINE, StartOffset: 0, EndOffset: 6}}}, "entry.mentions[0].end_offset"},
		"no field": {&timelinev1.Entry{Headline: "Umerov", Mentions: []*timelinev1.Mention{
			{Entity: "entities/umerov", Text: "Umerov", StartOffset: 0, EndOffset: 6}}}, "entry.mentions[0].field"},
		"reversed offsets": {&timelinev1.Entry{Headline: "Umerov", Mentions: []*timelinev1.Mention{
			{Entity: "entities/umerov", Text: "Umerov", Field: timelinev1.Mention_HEADLINE, StartOffset: 6, EndOffset: 0}}}, "entry.mentions[0]"},
		"bad entity name": {&timelinev1.Entry{Headline: "Umerov", Mentions: []*timelinev1.Mention{
			{Entity: "umerov", Text: "Umerov", Field: timelinev1.Mention_HEADLINE, StartOffset: 0, EndOffset: 6}}}, "entry.mentions[0].entity"},
	}
	for name, tc := range refused {
		t.Run(name, func(t *testing.T) {
			_, err := e.tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: tc.entry})
			wantField(t, err, tc.field)
		})
	}

	// Editing the body without sending mentions moves them with their text, and drops
	// those whose text is gone.
	edited, err := e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry:      &timelinev1.Entry{Name: en.GetName(), Body: "Defence minister Rustem Umerov led Ukraine's delegation."},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"body"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var bodyMentions []*timelinev1.Mention
	for _, m := range edited.GetMentions() {
		if m.GetField() == timelinev1.Mention_BODY {
			bodyMentions = append(bodyMentions, m)
		}
	}
	if len(bodyMentions) != 2 || bodyMentions[0].GetStartOffset() != 17 || bodyMentions[0].GetEndOffset() != 30 ||
		bodyMentions[1].GetText() != "Umerov" || bodyMentions[1].GetStartOffset() != 24 {
		t.Fatalf("mentions after edit = %v", bodyMentions)
	}
	// Sending mentions that name a missing entity on update is refused, and changes nothing.
	_, err = e.tl.UpdateEntry(ctx, &timelinev1.UpdateEntryRequest{
		Entry: &timelinev1.Entry{Name: en.GetName(), Mentions: []*timelinev1.Mention{
			{Entity: "entities/ghost", Text: "Umerov", Field: timelinev1.Mention_HEADLINE, StartOffset: 0, EndOffset: 6}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mentions"}},
	})
	wantField(t, err, "entry.mentions[0].entity")
	got, _ := e.tl.GetEntry(ctx, &timelinev1.GetEntryRequest{Name: en.GetName(), View: timelinev1.View_EDITOR})
	if got.GetRevision() != edited.GetRevision() || len(got.GetMentions()) != 3 {
		t.Fatalf("refused update changed the entry: %v", got)
	}
}

func TestEntryValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tl := liveTimeline(t, e)
	tests := map[string]struct {
		req   *timelinev1.CreateEntryRequest
		field string
	}{
		"bad parent":     {&timelinev1.CreateEntryRequest{Parent: "timelines", Entry: &timelinev1.Entry{Headline: "h"}}, "parent"},
		"no entry":       {&timelinev1.CreateEntryRequest{Parent: tl.GetName()}, "entry"},
		"no headline":    {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Body: "b"}}, "entry.headline"},
		"blank headline": {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: " \n"}}, "entry.headline"},
		"long headline":  {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: strings.Repeat("h", 301)}}, "entry.headline"},
		"long body":      {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h", Body: strings.Repeat("b", 50001)}}, "entry.body"},
		"unknown kind":   {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h", Kind: 7}}, "entry.kind"},
		"unknown status": {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h", Status: 7}}, "entry.status"},
		"empty author":   {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h", Authors: []string{""}}}, "entry.authors[0]"},
		"source without name": {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h",
			Sources: []*timelinev1.Source{{Url: "https://example.org"}}}}, "entry.sources[0].name"},
		"source with ftp url": {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h",
			Sources: []*timelinev1.Source{{Name: "x", Url: "ftp://example.org/a"}}}}, "entry.sources[0].url"},
		"source with junk url": {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h",
			Sources: []*timelinev1.Source{{Name: "x", Url: "not a url"}}}}, "entry.sources[0].url"},
		"bad occur_time": {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), Entry: &timelinev1.Entry{Headline: "h",
			OccurTime: &timestamppb.Timestamp{Seconds: -1 << 40}}}, "entry.occur_time"},
		"bad entry id": {&timelinev1.CreateEntryRequest{Parent: tl.GetName(), EntryId: "UPPER", Entry: &timelinev1.Entry{Headline: "h"}}, "entry_id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := e.tl.CreateEntry(ctx, tc.req)
			wantField(t, err, tc.field)
		})
	}
	lists := map[string]struct {
		req   *timelinev1.ListEntriesRequest
		field string
	}{
		"reversed range": {&timelinev1.ListEntriesRequest{Parent: tl.GetName(), StartTime: timestamppb.New(timestamppb.Now().AsTime()), EndTime: &timestamppb.Timestamp{Seconds: 1}}, ""},
		"bad entity":     {&timelinev1.ListEntriesRequest{Parent: tl.GetName(), MentionedEntity: "people/x"}, "mentioned_entity"},
		"bad order":      {&timelinev1.ListEntriesRequest{Parent: tl.GetName(), Order: 5}, "order"},
		"bad kind":       {&timelinev1.ListEntriesRequest{Parent: tl.GetName(), Kinds: []timelinev1.Entry_Kind{0}}, "kinds[0]"},
		"negative size":  {&timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageSize: -3}, "page_size"},
		"foreign token":  {&timelinev1.ListEntriesRequest{Parent: tl.GetName(), PageToken: "eyJ2IjoxLCJpIjoieCIsImYiOjF9"}, "page_token"},
	}
	for name, tc := range lists {
		t.Run("list/"+name, func(t *testing.T) {
			_, err := e.tl.ListEntries(ctx, tc.req)
			wantField(t, err, tc.field)
		})
	}
	resp, err := e.tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: tl.GetName(), View: timelinev1.View_EDITOR})
	if err != nil || len(resp.GetEntries()) != 0 {
		t.Fatalf("refused creates wrote %d entries (%v)", len(resp.GetEntries()), err)
	}
}
