package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsroomhq/newsroom/services/platform/auth"
)

func TestKeysNew(t *testing.T) {
	file := filepath.Join(t.TempDir(), "api-keys.json")
	r := runCtl(t, nil, "", "keys", "new", "--name", "wire-importer", "--roles", "importer", "--timelines", "talks,election", "--file", file).must(t, ExitOK)
	var key, entry string
	for line := range strings.SplitSeq(r.stdout, "\n") {
		if v, ok := strings.CutPrefix(line, "key:"); ok {
			key = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "entry:"); ok {
			entry = strings.TrimSpace(v)
		}
	}
	var e auth.KeyEntry
	if err := json.Unmarshal([]byte(entry), &e); err != nil || !strings.HasPrefix(key, auth.KeyPrefix) || e.SHA256 != auth.HashKey(key) ||
		e.Name != "wire-importer" || len(e.Roles) != 1 || e.Roles[0] != auth.Importer || strings.Join(e.Timelines, ",") != "talks,election" {
		t.Fatalf("key %q, entry %q (%v)", key, entry, err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := auth.ParseKeysFile(data)
	if err != nil || len(kf.Keys) != 1 || kf.Keys[0].SHA256 != e.SHA256 || strings.Contains(string(data), key) {
		t.Fatalf("keys file %s: %v", data, err)
	}
	// A second key is added beside it; the same name again is refused.
	runCtl(t, nil, "", "keys", "new", "--name", "desk", "--roles", "editor", "--file", file).must(t, ExitOK)
	runCtl(t, nil, "", "keys", "new", "--name", "desk", "--roles", "editor", "--file", file).must(t, ExitUsage)
	for _, args := range [][]string{{"keys"}, {"keys", "new", "--roles", "editor"}, {"keys", "new", "--name", "x", "--roles", "root"}, {"keys", "new", "--name", "x"}} {
		runCtl(t, nil, "", args...).must(t, ExitUsage)
	}
}

// The client calls with its key: what the key may not do fails with a message that says
// so, and an export shows what the key may see.
func TestCallsWithTheKey(t *testing.T) {
	n := startNewsroom(t)
	n.ctl("import", "--timeline", "ankara-talks", liveBlog).must(t, ExitOK)
	n.ctl("import", "--timeline", "ankara-talks", "--status", "draft", "--format", "jsonl", "testdata/entries.jsonl").must(t, ExitFailed)
	n.st.Guard.AddKey("reader", "nrk_reader", auth.Reader)
	n.st.Guard.AddKey("importer", "nrk_importer", auth.Importer)
	as := func(key string, args ...string) result {
		return runCtl(t, map[string]string{"NEWSROOM_ADDR": n.addr, "NEWSROOM_KEY": key}, "", args...)
	}

	r := as("", "import", "--timeline", "ankara-talks", liveBlog).must(t, ExitFailed)
	if !strings.Contains(r.stderr, "NEWSROOM_KEY") {
		t.Errorf("without a key: %s", r.stderr)
	}
	r = as("nrk_reader", "import", "--timeline", "ankara-talks", liveBlog).must(t, ExitFailed)
	if !strings.Contains(r.stderr, "PERMISSION_DENIED") {
		t.Errorf("a reader's import: %s", r.stderr)
	}
	// An importer may import into the timeline (it finds it without the editor view),
	// not create one.
	as("nrk_importer", "import", "--timeline", "ankara-talks", liveBlog).must(t, ExitOK)
	r = as("nrk_importer", "import", "--timeline", "new-story", liveBlog).must(t, ExitFailed)
	if !strings.Contains(r.stderr, "PERMISSION_DENIED") {
		t.Errorf("an importer creating a timeline: %s", r.stderr)
	}

	public := as("nrk_reader", "export", "--timeline", "ankara-talks").must(t, ExitOK)
	editor := n.ctl("export", "--timeline", "ankara-talks", "--editor").must(t, ExitOK)
	if strings.Count(editor.stdout, "\n") <= strings.Count(public.stdout, "\n") || strings.Contains(public.stdout, `"DRAFT"`) {
		t.Errorf("a reader's export has drafts, or the admin's has none:\nreader:\n%s\nadmin:\n%s", public.stdout, editor.stdout)
	}
	r = as("nrk_reader", "export", "--timeline", "ankara-talks", "--editor").must(t, ExitFailed)
	if !strings.Contains(r.stderr, "PERMISSION_DENIED") {
		t.Errorf("a reader's editor export: %s", r.stderr)
	}
}
