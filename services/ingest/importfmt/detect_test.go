package importfmt

import (
	"os"
	"testing"
)

func TestDetect(t *testing.T) {
	liveBlog, err := os.ReadFile("testdata/istanbul-liveblog.txt")
	if err != nil {
		t.Fatal(err)
	}
	ninjs, err := os.ReadFile("testdata/ninjs-istanbul.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		name string
		head string
		want Format
	}{
		"live blog":                      {"page.txt", string(liveBlog), LiveBlog},
		"live blog, any name":            {"upload", string(liveBlog[:100]), LiveBlog},
		"live blog named json":           {"page.json", " date 2025-07-14 Talks\n", LiveBlog},
		"ninjs array":                    {"items.json", string(ninjs), Ninjs},
		"ninjs object":                   {"item.json", `{"uri": "urn:x:1", "headline": "h"}`, Ninjs},
		"ninjs lines":                    {"items.jsonl", "{\"headline\": \"h\", \"versioncreated\": \"2025-07-14T10:00:00Z\"}\n{}", Ninjs},
		"ninjs field after nested value": {"x", `{"headline": "h", "x": {"key": 1, "uri": 2}, "bodies": []}`, Ninjs},
		"ninjs cut short":                {"x", `{"type": "text", "headlines": [{"value": "Talks`, Ninjs},
		"json lines":                     {"entries.jsonl", "{\"key\": \"a\", \"headline\": \"h\"}\n{\"key\": \"b\"}\n", JSONLines},
		"json lines, nested uri":         {"x", `{"headline": "h", "sources": [{"uri": "https://x.org"}]}`, JSONLines},
		"json lines, any name":           {"upload", `{"id": 1, "headline": "h", "body": "b"}`, JSONLines},
		"no clue, ninjs name":            {"feed.ninjs", `{"headline": "h"}`, Ninjs},
		"no clue, ninjs in the name":     {"ninjs-export.json", `{"headline": "h"}`, Ninjs},
		"no clue":                        {"entries.json", `{"headline": "h"}`, JSONLines},
		"byte order mark and space":      {"x", "\ufeff\n  [", Ninjs},
		"empty jsonl":                    {"a.jsonl", "", JSONLines},
		"empty ndjson":                   {"a.NDJSON", "  \n", JSONLines},
		"empty json":                     {"a.json", "", Ninjs},
		"empty text":                     {`C:\exports\page.txt`, "", LiveBlog},
		"empty, no name":                 {"", "", Unknown},
		"binary":                         {"page.txt", "\x89PNG\r\n\x1a\n\x00\x00", Unknown},
		"latin-1":                        {"page.txt", "Kyiv \xe9t\xe9", Unknown},
		"rune cut at the end":            {"page.txt", "date 2025-07-14 Kyïv"[:len("date 2025-07-14 Kyïv")-2], LiveBlog},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Detect(tc.name, []byte(tc.head)); got != tc.want {
				t.Errorf("Detect(%q, %.40q) = %v, want %v", tc.name, tc.head, got, tc.want)
			}
		})
	}
}

func TestFormatString(t *testing.T) {
	for f, want := range map[Format]string{Unknown: "unknown", LiveBlog: "live blog text", JSONLines: "JSON lines", Ninjs: "ninjs", Format(42): "unknown"} {
		if got := f.String(); got != want {
			t.Errorf("Format(%d).String() = %q, want %q", int(f), got, want)
		}
	}
}
