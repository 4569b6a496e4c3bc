package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// report is what an import did, printed on stdout.
type report struct {
	in   *batchInput
	cfg  importConfig
	slug string
	// timeline is nil in a dry run when it does not exist yet.
	timeline        *timelinev1.Timeline
	timelineCreated bool
	// resp is nil when nothing was sent.
	resp *timelinev1.ImportEntriesResponse
	// headlines of the entries that items repeat, by name.
	headlines map[string]string
}

// item is the item a result is about.
func (r *report) item(res *timelinev1.ImportResult) (sourced, bool) {
	i := int(res.GetIndex())
	if i < 0 || i >= len(r.in.items) {
		return sourced{}, false
	}
	return r.in.items[i], true
}

// invalid counts the items that could not be read and those the server refused.
func (r *report) invalid() int { return len(r.in.problems) + int(r.resp.GetInvalid()) }

// line is one item in the list of those not simply created.
type line struct {
	file, at int // for sorting: the file's place in the command line, the line in it
	text     string
}

func (r *report) write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	switch {
	case r.timeline == nil:
		fmt.Fprintf(tw, "timeline:\t%s does not exist; the import would create it (%q, LIVE)\n", r.slug, cmp.Or(r.in.title, r.slug))
	case r.timelineCreated:
		fmt.Fprintf(tw, "timeline:\t%s %q (created)\n", r.timeline.GetName(), r.timeline.GetTitle())
	default:
		fmt.Fprintf(tw, "timeline:\t%s %q\n", r.timeline.GetName(), r.timeline.GetTitle())
	}
	fmt.Fprintf(tw, "read:\t%d items from %d %s\n", len(r.in.items)+len(r.in.problems), r.in.files, plural(r.in.files, "file", "files"))
	flagged := 0
	for _, res := range r.resp.GetResults() {
		if res.GetOutcome() == timelinev1.ImportResult_CREATED && res.GetDuplicateOf() != "" {
			flagged++
		}
	}
	fmt.Fprintf(tw, "created:\t%d\n", r.resp.GetCreated())
	fmt.Fprintf(tw, "duplicates:\t%d\n", r.resp.GetDuplicates())
	fmt.Fprintf(tw, "near-duplicates:\t%d\n", r.resp.GetNearDuplicates())
	fmt.Fprintf(tw, "invalid:\t%d\n", r.invalid())
	if flagged > 0 {
		fmt.Fprintf(tw, "flagged:\t%d (created, marked as near duplicates)\n", flagged)
	}
	_ = tw.Flush()
	if r.cfg.DryRun {
		note := "dry run: nothing was written; the counts say what the import would do"
		if r.timeline == nil {
			note = "dry run: nothing was written; the server checks the items only once the timeline exists"
		}
		fmt.Fprintln(w, note)
	}

	lines := r.lines()
	if len(lines) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, l := range lines {
			fmt.Fprintln(tw, l.text)
		}
		_ = tw.Flush()
	}
	r.writeSuggestions(w)
}

// lines lists every item that was not simply created, in file and line order.
func (r *report) lines() []line {
	fileIndex := map[string]int{}
	for _, it := range r.in.items {
		if _, ok := fileIndex[it.file]; !ok {
			fileIndex[it.file] = len(fileIndex)
		}
	}
	for _, p := range r.in.problems {
		if _, ok := fileIndex[p.file]; !ok {
			fileIndex[p.file] = len(fileIndex)
		}
	}
	var out []line
	for _, p := range r.in.problems {
		text := "invalid\t" + p.where() + "\t"
		if p.field != "" {
			text += p.field + ": "
		}
		out = append(out, line{file: fileIndex[p.file], at: p.line, text: text + p.err.Error()})
	}
	for _, res := range r.resp.GetResults() {
		it, ok := r.item(res)
		if !ok {
			continue
		}
		var text string
		switch res.GetOutcome() {
		case timelinev1.ImportResult_CREATED:
			if res.GetDuplicateOf() == "" {
				continue
			}
			text = fmt.Sprintf("flagged\t%s\t%s\t%s nearly repeats %s", it.where(), quote(it.Headline), res.GetEntry(), r.entry(res.GetDuplicateOf()))
		case timelinev1.ImportResult_DUPLICATE:
			if res.GetDuplicateOf() == "" {
				text = fmt.Sprintf("duplicate\t%s\t%s\talready imported as %s", it.where(), quote(it.Headline), res.GetEntry())
			} else {
				text = fmt.Sprintf("duplicate\t%s\t%s\trepeats %s", it.where(), quote(it.Headline), r.entry(res.GetDuplicateOf()))
			}
		case timelinev1.ImportResult_NEAR_DUPLICATE:
			text = fmt.Sprintf("near-duplicate\t%s\t%s\tnearly repeats %s", it.where(), quote(it.Headline), r.entry(res.GetDuplicateOf()))
		case timelinev1.ImportResult_INVALID:
			var why []string
			for _, v := range res.GetViolations() {
				why = append(why, v.GetField()+": "+v.GetDescription())
			}
			text = fmt.Sprintf("invalid\t%s\t%s\t%s", it.where(), quote(it.Headline), strings.Join(why, "; "))
		default:
			continue
		}
		out = append(out, line{file: fileIndex[it.file], at: it.Line, text: text})
	}
	slices.SortStableFunc(out, func(a, b line) int { return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.at, b.at)) })
	return out
}

// entry names an entry, with its headline when known.
func (r *report) entry(name string) string {
	if h, ok := r.headlines[name]; ok {
		return name + " " + quote(h)
	}
	return name
}

// writeSuggestions lists the capitalised names that matched no entity, with the number of
// items that have each, most frequent first.
func (r *report) writeSuggestions(w io.Writer) {
	counts := map[string]int{}
	for _, res := range r.resp.GetResults() {
		for _, name := range res.GetSuggestedNames() {
			counts[name]++
		}
	}
	if len(counts) == 0 {
		return
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(counts[b]-counts[a], strings.Compare(a, b)) })
	fmt.Fprintf(w, "\nsuggested names (matched no entity; add them with \"newsroomctl entities import\" or import with --create-entities):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, n := range names {
		fmt.Fprintf(tw, "%d\t  %s\n", counts[n], n)
	}
	_ = tw.Flush()
}

// quote is a headline as a report shows it: quoted, cut to a readable length.
func quote(s string) string {
	return strconv.Quote(cut(s, 70))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
