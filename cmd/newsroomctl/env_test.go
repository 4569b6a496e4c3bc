package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack/stacktest"
	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
	"github.com/newsroomhq/newsroom/services/platform/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newsroom is the whole product on a fresh database, with gRPC clients to check what the
// commands did.
type newsroom struct {
	t        *testing.T
	addr     string
	timeline timelinev1.TimelineServiceClient
	entity   entityv1.EntityServiceClient
	st       *stacktest.Newsroom
}

func startNewsroom(t *testing.T) *newsroom {
	t.Helper()
	st := stacktest.Start(t)
	conn := grpctest.Dial(t, st.GRPCAddr, st.AdminKey)
	return &newsroom{
		t: t, addr: st.GRPCAddr, st: st,
		timeline: timelinev1.NewTimelineServiceClient(conn),
		entity:   entityv1.NewEntityServiceClient(conn),
	}
}

// result is what one run of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// ctl runs newsroomctl against the newsroom, found through NEWSROOM_ADDR.
func (n *newsroom) ctl(args ...string) result {
	n.t.Helper()
	return n.ctlStdin("", args...)
}

func (n *newsroom) ctlStdin(stdin string, args ...string) result {
	n.t.Helper()
	return runCtl(n.t, map[string]string{"NEWSROOM_ADDR": n.addr, "NEWSROOM_KEY": stacktest.AdminKey}, stdin, args...)
}

func runCtl(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }}
	code := c.run(context.Background(), args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// must fails the test unless the command exited with code.
func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// count reads a "label: N" line of a report.
func (r result) count(t *testing.T, label string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `:\s+(\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no %q count in the report:\n%s", label, r.stdout)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// counts checks the counts of a report.
func (r result) counts(t *testing.T, want map[string]int) {
	t.Helper()
	for label, n := range want {
		if got := r.count(t, label); got != n {
			t.Errorf("%s: %d, want %d\nreport:\n%s", label, got, n, r.stdout)
		}
	}
}

// timelineBySlug returns the timeline with the slug, or nil.
func (n *newsroom) timelineBySlug(slug string) *timelinev1.Timeline {
	n.t.Helper()
	resp, err := n.timeline.ListTimelines(context.Background(), &timelinev1.ListTimelinesRequest{Slug: slug, View: timelinev1.View_EDITOR})
	if err != nil {
		n.t.Fatal(err)
	}
	if len(resp.GetTimelines()) == 0 {
		return nil
	}
	return resp.GetTimelines()[0]
}

// entries lists every entry of a timeline as the request asks, all pages.
func (n *newsroom) entries(req *timelinev1.ListEntriesRequest) []*timelinev1.Entry {
	n.t.Helper()
	var out []*timelinev1.Entry
	for {
		resp, err := n.timeline.ListEntries(context.Background(), req)
		if err != nil {
			n.t.Fatal(err)
		}
		out = append(out, resp.GetEntries()...)
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			return out
		}
	}
}

func headlines(entries []*timelinev1.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.GetHeadline()
	}
	return out
}
