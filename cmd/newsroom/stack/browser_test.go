package stack_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/cmd/newsroom/stack"
	"github.com/newsroomhq/newsroom/gateway"
)

// browser finds a headless-capable Chromium, or skips the test (fails it in CI, which
// installs one: .ci/run).
func browser(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium on PATH: .ci/run installs Debian's chromium")
	}
	t.Skip("no Chromium on PATH (apt-get install chromium)")
	return ""
}

// page is the newsroom's reader and editor page, served from another origin than the
// API. It lists the entries with fetch, follows the stream with EventSource, has an
// editor create an entry with a key (which the stream then shows), tries a write without
// a key, and reports everything back to the origin it came from.
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>Live</title></head><body>
<script>
const api = "API", key = "KEY";
const out = {};
async function run() {
  try {
    const r = await fetch(api + "/v1/timelines/live/entries");
    out.listStatus = r.status;
    out.etag = r.headers.get("ETag");
    out.listed = ((await r.json()).entries || []).map(e => e.headline);
    out.stream = await new Promise(resolve => {
      const got = [];
      const es = new EventSource(api + "/v1/timelines/live/entries:watch?snapshotSize=5");
      es.addEventListener("snapshot", e => {
        got.push("snapshot " + JSON.parse(e.data).entries.length);
        fetch(api + "/v1/timelines/live/entries?entryId=from-a-browser", {
          method: "POST",
          headers: {"Authorization": "Bearer " + key, "Content-Type": "application/json"},
          body: JSON.stringify({headline: "Written in a browser", status: "PUBLISHED"}),
        }).then(r => { out.createStatus = r.status; }).catch(e => { out.createError = String(e); });
      });
      es.addEventListener("entry_created", e => {
        got.push("created " + JSON.parse(e.data).entry.headline);
        es.close();
        resolve(got);
      });
      setTimeout(() => { es.close(); got.push("timed out"); resolve(got); }, 20000);
    });
    const w = await fetch(api + "/v1/timelines/live/entries", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({headline: "Anonymous"}),
    });
    out.anonymousWrite = w.status;
    out.challenge = w.headers.get("WWW-Authenticate");
  } catch (e) {
    out.error = String(e);
  }
  await fetch("/report", {method: "POST", body: JSON.stringify(out)});
}
run();
</script></body></html>`

// report is what the page sends back.
type report struct {
	ListStatus     int      `json:"listStatus"`
	ETag           string   `json:"etag"`
	Listed         []string `json:"listed"`
	Stream         []string `json:"stream"`
	CreateStatus   int      `json:"createStatus"`
	CreateError    string   `json:"createError"`
	AnonymousWrite int      `json:"anonymousWrite"`
	Challenge      string   `json:"challenge"`
	Error          string   `json:"error"`
}

// TestBrowserFromAnotherOrigin runs the page in a real headless Chromium: a page served
// from one origin calls the API on another, as newsroom sites do.
func TestBrowserFromAnotherOrigin(t *testing.T) {
	chromium := browser(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// localhost and 127.0.0.1 with other ports: two origins.
	origin := "http://localhost:" + lis.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
	a := start(t, func(cfg *stack.Config) {
		cfg.Gateway = gateway.Options{CORSOrigins: []string{origin}}
	})
	admin := a.as("admin")
	admin.rest(http.MethodPost, "/v1/timelines?timelineId=live", `{"title": "Live", "slug": "live", "status": "LIVE"}`)
	admin.rest(http.MethodPost, "/v1/timelines/live/entries?entryId=first", `{"headline": "Talks open", "status": "PUBLISHED"}`)
	admin.rest(http.MethodPost, "/v1/timelines/live/entries?entryId=draft", `{"headline": "Not yet"}`)
	editor := a.as("editor")

	reports := make(chan report, 1)
	html := strings.NewReplacer("\"API\"", `"`+a.base+`"`, "\"KEY\"", `"`+editor.key+`"`).Replace(page)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, html)
		case "/report":
			var rep report
			if err := json.NewDecoder(r.Body).Decode(&rep); err != nil {
				t.Errorf("report: %v", err)
			}
			select {
			case reports <- rep:
			default:
			}
		default:
			http.NotFound(w, r)
		}
	})}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir="+t.TempDir(), origin+"/")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	var rep report
	select {
	case rep = <-reports:
	case <-ctx.Done():
		t.Fatalf("no report from the page within a minute; chromium said:\n%s", stderr.String())
	}
	if rep.Error != "" || rep.ListStatus != http.StatusOK || rep.ETag == "" || strings.Join(rep.Listed, "|") != "Talks open" {
		t.Errorf("the list: %+v", rep)
	}
	if strings.Join(rep.Stream, "|") != "snapshot 1|created Written in a browser" || rep.CreateStatus != http.StatusOK {
		t.Errorf("the stream and the editor's entry: %+v", rep)
	}
	if rep.AnonymousWrite != http.StatusUnauthorized || !strings.HasPrefix(rep.Challenge, "Bearer") {
		t.Errorf("a write without a key: %+v", rep)
	}
}
