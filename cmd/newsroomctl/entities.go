package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

const entitiesUsage = `Usage: newsroomctl entities import [flags] FILE...

Creates the entities of a gazetteer: JSON Lines, one entity a line,
  {"id": "zelensky", "kind": "PERSON", "name": "Volodymyr Zelensky",
   "aliases": ["Zelensky", "Zelenskiy"], "external_ids": {"wikidata": "Q3881622"},
   "description": "President of Ukraine"}
id, aliases, external_ids and description are optional; without an id, the entity's id is
made from its name ("volodymyr-zelensky"). An entity whose id exists is reported "exists"
and left as it is, unless --merge adds the line's name, aliases and external ids to it.
`

// gazetteerLine is one line of a gazetteer. Other properties are ignored.
type gazetteerLine struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	Aliases     []string          `json:"aliases"`
	ExternalIDs map[string]string `json:"external_ids"`
	Description string            `json:"description"`
}

// maxGazetteerLine bounds one line of a gazetteer.
const maxGazetteerLine = 1 << 20

// entityWorkers is how many entities are written at once.
const entityWorkers = 4

// What happened to a gazetteer line.
const (
	outcomeCreated   = "created"
	outcomeExists    = "exists"
	outcomeMerged    = "merged"
	outcomeUnchanged = "unchanged"
	outcomeInvalid   = "invalid"
	outcomeFailed    = "failed"
)

// entityOutcomes is the order outcomes are counted in.
var entityOutcomes = []string{outcomeCreated, outcomeExists, outcomeMerged, outcomeUnchanged, outcomeInvalid, outcomeFailed}

// entityTask is one line of a gazetteer, read, and then what became of it.
type entityTask struct {
	where   string
	entity  *entityv1.Entity
	id      string
	outcome string
	detail  string
	cause   error // of a failure
}

func (c *cli) importEntities(ctx context.Context, args []string) error {
	var conn connection
	var merge bool
	f, local := c.flags("entities import", entitiesUsage, &conn)
	local.Bool(&merge, "merge", false, "add the name, aliases and external ids of a line to the entity that exists with its id")
	files, err := f.ParseOperands(args)
	if err != nil {
		return err
	}
	if files, err = operands(files); err != nil {
		return err
	}
	var tasks []*entityTask
	for _, name := range files {
		read, err := c.readGazetteer(name)
		if err != nil {
			return err
		}
		tasks = append(tasks, read...)
	}
	cl, ctx, done, err := conn.dial(ctx)
	if err != nil {
		return err
	}
	defer done()

	// Without the newsroom every line would fail the same way: stop at the first.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	work := make(chan *entityTask)
	var wg sync.WaitGroup
	for range entityWorkers {
		wg.Go(func() {
			for t := range work {
				if ctx.Err() != nil {
					continue
				}
				cl.createEntity(ctx, t, merge)
				if t.outcome == outcomeFailed && isConnectionError(t.cause) {
					stop(errors.New(t.detail))
				}
			}
		})
	}
	for _, t := range tasks {
		if t.outcome == "" {
			work <- t
		}
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}

	writeEntityReport(c.stdout, tasks, merge)
	for _, t := range tasks {
		if t.outcome == outcomeInvalid || t.outcome == outcomeFailed {
			return errInvalidItems
		}
	}
	return nil
}

// readGazetteer reads the lines of one gazetteer file. Lines that are not entities are
// tasks with the outcome invalid already.
func (c *cli) readGazetteer(name string) ([]*entityTask, error) {
	r, label, err := c.openInput(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxGazetteerLine)
	var tasks []*entityTask
	for n := 1; sc.Scan(); n++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		t := &entityTask{where: fmt.Sprintf("%s:%d", label, n)}
		if t.entity, t.id, err = entityOf(raw); err != nil {
			t.outcome, t.detail = outcomeInvalid, err.Error()
		}
		tasks = append(tasks, t)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: a line longer than %d bytes", label, len(tasks)+1, maxGazetteerLine)
		}
		return nil, fmt.Errorf("read %s: %w", label, err)
	}
	return tasks, nil
}

// entityOf reads one gazetteer line.
func entityOf(raw []byte) (*entityv1.Entity, string, error) {
	var g gazetteerLine
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, "", fmt.Errorf("not a JSON object of an entity: %w", err)
	}
	kind, ok := entityv1.Entity_Kind_value[strings.ToUpper(strings.TrimSpace(g.Kind))]
	if !ok || kind == 0 {
		return nil, "", fmt.Errorf("kind: %q is not one of PERSON, ORGANIZATION, PLACE, EVENT, OTHER", g.Kind)
	}
	name := strings.TrimSpace(g.Name)
	if name == "" {
		return nil, "", errors.New("name: required")
	}
	id := strings.TrimSpace(g.ID)
	if id == "" {
		if id = entityID(name); id == "" {
			return nil, "", fmt.Errorf("name: %q makes no id (letters a-z or digits): give an id", name)
		}
	}
	e := &entityv1.Entity{
		Kind:        entityv1.Entity_Kind(kind),
		DisplayName: name,
		Description: strings.TrimSpace(g.Description),
		ExternalIds: g.ExternalIDs,
	}
	for _, a := range g.Aliases {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(e.Aliases, a) {
			e.Aliases = append(e.Aliases, a)
		}
	}
	return e, id, nil
}

// entityID is the id of an entity named name: its folded words (letters a-z and digits)
// joined with hyphens, at most 63 characters. "Volodymyr Zelensky" is "volodymyr-zelensky".
func entityID(name string) string {
	var words []string
	for _, w := range strings.Fields(textnorm.Fold(name)) {
		w = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, w)
		if w != "" {
			words = append(words, w)
		}
	}
	id := strings.Join(words, "-")
	if len(id) > 63 {
		id = strings.TrimRight(id[:63], "-")
	}
	return id
}

// createEntity creates the task's entity, or, when its id exists, reports it or merges.
func (cl *clients) createEntity(ctx context.Context, t *entityTask, merge bool) {
	name := "entities/" + t.id
	_, err := cl.entity.CreateEntity(ctx, &entityv1.CreateEntityRequest{EntityId: t.id, Entity: t.entity})
	switch {
	case err == nil:
		t.outcome, t.detail = outcomeCreated, name
	case status.Code(err) == codes.AlreadyExists && reason(err) == apierror.ReasonEntityAlreadyExists:
		if !merge {
			t.outcome, t.detail = outcomeExists, name
			return
		}
		cl.mergeEntity(ctx, t, name)
	case status.Code(err) == codes.InvalidArgument || status.Code(err) == codes.AlreadyExists:
		t.outcome, t.detail = outcomeInvalid, cl.describe(name, err).Error()
	default:
		t.outcome, t.detail, t.cause = outcomeFailed, cl.describe("create "+name, err).Error(), err
	}
}

// mergeEntity adds the line's name, aliases and external ids that the entity lacks. An
// external id the entity has with another value is kept, and said.
func (cl *clients) mergeEntity(ctx context.Context, t *entityTask, name string) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		cur, err := cl.entity.GetEntity(ctx, &entityv1.GetEntityRequest{Name: name})
		if err != nil {
			t.outcome, t.detail, t.cause = outcomeFailed, cl.describe("get "+name, err).Error(), err
			return
		}
		patch, mask, notes := mergePatch(cur, t.entity)
		if len(mask) == 0 {
			t.outcome, t.detail = outcomeUnchanged, strings.Join(append([]string{name}, notes...), "; ")
			return
		}
		_, err = cl.entity.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: patch, UpdateMask: &fieldmaskpb.FieldMask{Paths: mask}})
		if status.Code(err) == codes.Aborted && attempt < attempts {
			continue // changed since we read it: merge into the new version
		}
		switch {
		case err == nil:
			t.outcome, t.detail = outcomeMerged, strings.Join(append([]string{name + " (" + strings.Join(mask, ", ") + ")"}, notes...), "; ")
		case status.Code(err) == codes.InvalidArgument || status.Code(err) == codes.AlreadyExists:
			t.outcome, t.detail = outcomeInvalid, cl.describe("merge into "+name, err).Error()
		default:
			t.outcome, t.detail, t.cause = outcomeFailed, cl.describe("merge into "+name, err).Error(), err
		}
		return
	}
}

// mergePatch is the update that adds what line has and cur lacks: names (the display
// name and aliases, compared folded) as aliases, and external ids of other systems. It
// returns the update mask, empty when there is nothing to add, and notes on conflicts.
func mergePatch(cur, line *entityv1.Entity) (*entityv1.Entity, []string, []string) {
	patch := &entityv1.Entity{Name: cur.GetName(), Etag: cur.GetEtag(), Aliases: slices.Clone(cur.GetAliases())}
	known := map[string]bool{textnorm.Fold(cur.GetDisplayName()): true}
	for _, a := range cur.GetAliases() {
		known[textnorm.Fold(a)] = true
	}
	var mask, notes []string
	for _, n := range append([]string{line.GetDisplayName()}, line.GetAliases()...) {
		if k := textnorm.Fold(n); k != "" && !known[k] {
			known[k] = true
			patch.Aliases = append(patch.Aliases, n)
		}
	}
	if len(patch.Aliases) > len(cur.GetAliases()) {
		mask = append(mask, "aliases")
	}
	for _, sys := range slices.Sorted(maps.Keys(line.GetExternalIds())) {
		v := line.GetExternalIds()[sys]
		switch have, ok := cur.GetExternalIds()[sys]; {
		case !ok:
			if patch.ExternalIds == nil {
				patch.ExternalIds = map[string]string{}
			}
			patch.ExternalIds[sys] = v
			mask = append(mask, "external_ids."+sys)
		case have != v:
			notes = append(notes, fmt.Sprintf("kept %s %s (the line says %s)", sys, have, v))
		}
	}
	return patch, mask, notes
}

// isConnectionError tells a failure of the newsroom from one of a line.
func isConnectionError(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		return true
	}
	return false
}

func writeEntityReport(w io.Writer, tasks []*entityTask, merge bool) {
	counts := map[string]int{}
	for _, t := range tasks {
		counts[t.outcome]++
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range entityOutcomes {
		shown := o == outcomeCreated || o == outcomeExists || o == outcomeInvalid ||
			merge && (o == outcomeMerged || o == outcomeUnchanged)
		if shown || counts[o] > 0 {
			fmt.Fprintf(tw, "%s:\t%d\n", o, counts[o])
		}
	}
	_ = tw.Flush()
	first := true
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range tasks {
		if t.outcome == outcomeCreated {
			continue
		}
		if first {
			fmt.Fprintln(w)
			first = false
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.outcome, t.where, t.detail)
	}
	_ = tw.Flush()
}
