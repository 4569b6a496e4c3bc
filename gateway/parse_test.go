package gateway

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Rules of the gateway's small parsers, and fuzz tests that they never panic.

func TestNotModified(t *testing.T) {
	tests := map[string]struct {
		header []string
		etag   string
		want   bool
	}{
		"none":            {nil, `"a"`, false},
		"same":            {[]string{`"a"`}, `"a"`, true},
		"weak":            {[]string{`W/"a"`}, `"a"`, true},
		"weak etag":       {[]string{`"a"`}, `W/"a"`, true},
		"list":            {[]string{`"b", "a"`}, `"a"`, true},
		"list no spaces":  {[]string{`"b","a"`}, `"a"`, true},
		"two headers":     {[]string{`"b"`, `"a"`}, `"a"`, true},
		"star":            {[]string{`*`}, `"a"`, true},
		"other":           {[]string{`"b"`}, `"a"`, false},
		"unquoted":        {[]string{`a`}, `"a"`, false},
		"prefix":          {[]string{`"ab"`}, `"a"`, false},
		"no current etag": {[]string{`*`}, "", false},
		"empty entries":   {[]string{`, ,`}, `"a"`, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := notModified(tc.header, tc.etag); got != tc.want {
				t.Fatalf("notModified(%q, %q) = %v, want %v", tc.header, tc.etag, got, tc.want)
			}
		})
	}
}

// wellFormedETag is the form of the gateway's etags.
var wellFormedETag = regexp.MustCompile(`^"[0-9A-Za-z_-]*"$`)

func FuzzNotModified(f *testing.F) {
	for _, s := range []string{`"a"`, `W/"a", "b"`, `*`, `,,`, `W/`, ""} {
		f.Add(s, `"a"`)
	}
	f.Fuzz(func(t *testing.T, header, etag string) {
		got := notModified([]string{header}, etag)
		if etag == "" && got {
			t.Fatal("matched without an etag")
		}
		if wellFormedETag.MatchString(etag) && !notModified([]string{header + "," + etag}, etag) {
			t.Fatalf("a list ending with %q does not match it", etag)
		}
	})
}

func TestTimelineOf(t *testing.T) {
	tests := map[string]string{
		"timelines/talks":                        "timelines/talks",
		"timelines/talks/entries/e1":             "timelines/talks",
		"timelines/talks/entries/e1/revisions/2": "timelines/talks",
		"timelines/-":                            "",
		"timelines/-/entries/e1":                 "",
		"timelines/":                             "",
		"timelines":                              "",
		"entities/talks":                         "",
		"":                                       "",
	}
	for name, want := range tests {
		if got, ok := timelineOf(name); got != want || ok != (want != "") {
			t.Errorf("timelineOf(%q) = %q %v, want %q", name, got, ok, want)
		}
	}
}

// Whatever the name, its timeline is one named timeline that the name starts with.
func FuzzTimelineOf(f *testing.F) {
	for _, s := range []string{"timelines/t", "timelines/t/entries/e", "timelines/-", "timelines//x", "entities/e", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, ok := timelineOf(name)
		if !ok {
			if got != "" {
				t.Fatalf("timelineOf(%q) = %q without a timeline", name, got)
			}
			return
		}
		id, found := strings.CutPrefix(got, "timelines/")
		if !found || id == "" || id == "-" || strings.Contains(id, "/") {
			t.Fatalf("timelineOf(%q) = %q, not one timeline", name, got)
		}
		if name != got && !strings.HasPrefix(name, got+"/") {
			t.Fatalf("timelineOf(%q) = %q, not the start of the name", name, got)
		}
	})
}

func TestPublicView(t *testing.T) {
	tests := map[string]bool{
		"":                         true,
		"pageSize=5":               true,
		"view=PUBLIC":              true,
		"view=1":                   true,
		"view=VIEW_UNSPECIFIED":    true,
		"view=EDITOR":              false,
		"view=2":                   false,
		"vi%65w=EDITOR":            false,
		"view=PUBLIC&view=EDITOR":  false,
		"view=editor":              false,
		"pageSize=5;view=EDITOR":   false,
		"view=PUBLIC&pageSize=100": true,
	}
	for query, want := range tests {
		if got := publicView(query); got != want {
			t.Errorf("publicView(%q) = %v, want %v", query, got, want)
		}
	}
}

func TestWantsEventStream(t *testing.T) {
	tests := map[string]bool{
		"text/event-stream":                         true,
		"Text/Event-Stream":                         true,
		"text/event-stream; charset=utf-8":          true,
		"application/json, text/event-stream;q=0.9": true,
		"application/json":                          false,
		"*/*":                                       false,
		"":                                          false,
		"text/event-streamx":                        false,
	}
	for accept, want := range tests {
		r := &http.Request{Header: http.Header{"Accept": {accept}}}
		if got := wantsEventStream(r); got != want {
			t.Errorf("wantsEventStream(%q) = %v, want %v", accept, got, want)
		}
	}
}

// Whatever the data, an event is "data:" lines without line breaks, then a blank line.
func FuzzSSEData(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "a\nb", "a\r\nb", "a\rb", "\n", "", "\r\r\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &sseWriter{}
		s.appendData(data)
		out := s.buf
		if !bytes.HasSuffix(out, []byte("\n\n")) {
			t.Fatalf("event %q does not end with a blank line", out)
		}
		lines := bytes.Split(out[:len(out)-2], []byte("\n"))
		var joined [][]byte
		for _, l := range lines {
			rest, ok := bytes.CutPrefix(l, []byte("data: "))
			if !ok || bytes.ContainsAny(rest, "\r\n") {
				t.Fatalf("line %q of %q", l, out)
			}
			joined = append(joined, rest)
		}
		want := bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
		if got := bytes.Join(joined, []byte("\n")); !bytes.Equal(got, want) {
			t.Fatalf("data %q comes back as %q", data, got)
		}
	})
}

func FuzzWatchRequest(f *testing.F) {
	for _, s := range [][2]string{{"snapshotSize=5", ""}, {"lastEventId=3", ""}, {"", "7"}, {"afterSequence=x", "-1"}, {"view=EDITOR", "9223372036854775808"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, lastEventID string) {
		u, err := url.Parse("/v1/timelines/t/entries:watch?" + query)
		if err != nil {
			return
		}
		r := &http.Request{URL: u, Header: http.Header{}}
		r.Header.Set("Last-Event-ID", lastEventID)
		req, err := watchRequest(r, "timelines/t")
		if err != nil {
			return
		}
		if req.GetParent() != "timelines/t" {
			t.Fatalf("parent %q", req.GetParent())
		}
		if strings.TrimSpace(lastEventID) != "" && req.GetAfterSequence() < 0 {
			t.Fatalf("after_sequence %d", req.GetAfterSequence())
		}
	})
}
