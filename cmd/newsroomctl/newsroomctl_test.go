package main

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/services/ingest/importfmt"
)

func TestUsage(t *testing.T) {
	tests := map[string]struct {
		args   []string
		env    map[string]string
		code   int
		stderr string // in stderr
		stdout string // in stdout
	}{
		"no command":            {code: ExitUsage, stderr: "no command given"},
		"unknown command":       {args: []string{"imprt"}, code: ExitUsage, stderr: `unknown command "imprt"`},
		"help":                  {args: []string{"help"}, code: ExitOK, stdout: "newsroomctl import --timeline SLUG"},
		"command help":          {args: []string{"import", "-h"}, code: ExitOK, stderr: "-link-entities"},
		"entities alone":        {args: []string{"entities"}, code: ExitUsage, stderr: "entities import FILE"},
		"import needs timeline": {args: []string{"import", "x.txt"}, code: ExitUsage, stderr: "--timeline is required"},
		"bad slug":              {args: []string{"import", "--timeline", "Peace Talks"}, code: ExitUsage, stderr: "a slug is lower-case"},
		"bad format":            {args: []string{"import", "--timeline", "t", "--format", "xml"}, code: ExitUsage, stderr: "--format"},
		"bad policy":            {args: []string{"import", "--timeline", "t", "--duplicates", "merge"}, code: ExitUsage, stderr: "--duplicates"},
		"bad status":            {args: []string{"import", "--timeline", "t", "--status", "live"}, code: ExitUsage, stderr: "--status"},
		"batch too large":       {args: []string{"import", "--timeline", "t", "--batch", "501"}, code: ExitUsage, stderr: "--batch 501"},
		"stdin twice":           {args: []string{"import", "--timeline", "t", "-", "-"}, code: ExitUsage, stderr: "only once"},
		"unknown flag":          {args: []string{"export", "--timeline", "t", "--nope"}, code: ExitUsage, stderr: "nope"},
		"export operand":        {args: []string{"export", "--timeline", "t", "file"}, code: ExitUsage, stderr: "unexpected arguments"},
		"export format":         {args: []string{"export", "--timeline", "t", "--format", "csv"}, code: ExitUsage, stderr: "--format"},
		"bad timeout in env":    {args: []string{"export", "--timeline", "t"}, env: map[string]string{"NEWSROOM_TIMEOUT": "soon"}, code: ExitUsage, stderr: "NEWSROOM_TIMEOUT"},
		"missing file":          {args: []string{"import", "--timeline", "t", "testdata/nope.txt"}, code: ExitFailed, stderr: "nope.txt"},
		"not a live blog":       {args: []string{"import", "--timeline", "t", "--format", "liveblog", "testdata/gazetteer.jsonl"}, code: ExitFailed, stderr: "not a live blog page"},
		"missing gazetteer":     {args: []string{"entities", "import", "testdata/nope.jsonl"}, code: ExitFailed, stderr: "nope.jsonl"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := runCtl(t, tc.env, "", tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) || !strings.Contains(r.stdout, tc.stdout) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant %q in stderr, %q in stdout", r.code, tc.code, r.stdout, r.stderr, tc.stderr, tc.stdout)
			}
		})
	}
}

func TestUnreachableNewsroom(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close() // nothing listens there now
	for name, args := range map[string][]string{
		"import":   {"import", "--timeline", "t", liveBlog},
		"entities": {"entities", "import", gazetteer},
		"export":   {"export", "--timeline", "t"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runCtl(t, map[string]string{"NEWSROOM_ADDR": addr, "NEWSROOM_TIMEOUT": "20s"}, "", args...)
			if r.code != ExitFailed || !strings.Contains(r.stderr, "cannot reach the newsroom at "+addr) || r.stdout != "" {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestKeepPageOrder(t *testing.T) {
	day := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	var zero time.Time
	tests := map[string]struct {
		in, want []time.Time // oldest first
	}{
		"no times":          {in: []time.Time{zero, zero, zero}, want: []time.Time{at(0, 0, 0), at(0, 0, 1), at(0, 0, 2)}},
		"after a time":      {in: []time.Time{at(11, 15, 0), zero, zero, at(16, 5, 0), zero}, want: []time.Time{at(11, 15, 0), at(11, 15, 1), at(11, 15, 2), at(16, 5, 0), at(16, 5, 1)}},
		"stated times kept": {in: []time.Time{at(14, 0, 0), at(9, 0, 0), zero}, want: []time.Time{at(14, 0, 0), at(9, 0, 0), at(14, 0, 1)}},
		"next day":          {in: []time.Time{zero, at(23, 50, 0), at(24, 10, 0), zero}, want: []time.Time{at(0, 0, 0), at(23, 50, 0), at(24, 10, 0), at(24, 10, 1)}},
		"empty":             {},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items := make([]importfmt.Item, len(tc.in))
			for i, tm := range tc.in {
				items[i].OccurTime = tm
			}
			keepPageOrder(items, day)
			got := make([]time.Time, len(items))
			for i, it := range items {
				got[i] = it.OccurTime
			}
			if !slices.EqualFunc(got, tc.want, time.Time.Equal) {
				t.Fatalf("times %v, want %v", got, tc.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out, 1200)
	for _, n := range []int{500, 1000, 1200} {
		p.sent(n)
	}
	p.done()
	// Piped: the first line at once, then at most one every few seconds, and the last.
	if got, want := out.String(), "sent 500/1200 items\nsent 1200/1200 items\n"; got != want {
		t.Fatalf("progress %q, want %q", got, want)
	}

	out.Reset()
	p = &progress{w: &out, terminal: true, total: 4}
	p.sent(2)
	p.sent(4)
	p.done()
	if got := out.String(); !strings.Contains(got, "\r[===============               ] 2/4 items") || !strings.HasSuffix(got, "4/4 items\r\x1b[K") {
		t.Fatalf("bar %q", got)
	}
}
