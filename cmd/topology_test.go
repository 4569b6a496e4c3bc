package cmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
)

// apiKey is a new key and its entry for a keys file.
type apiKey struct {
	key   string
	entry auth.KeyEntry
}

func newKey(t *testing.T, name string, role auth.Role) apiKey {
	t.Helper()
	key, entry, err := auth.NewKey(name, []auth.Role{role}, []string{auth.AllTimelines})
	if err != nil {
		t.Fatal(err)
	}
	return apiKey{key, entry}
}

// The deployed topology: the embedded database served on its own, each service and the
// gateway as separate processes on it, configured through flags and environment.
func TestSeparateProcesses(t *testing.T) {
	db := run(t, "newsroom", nil, "--db-only", "--db-addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	uri := db.addr("Database")
	// One keys file for both services: an admin for the test, and the Timeline service's
	// own key, with which it checks mentions with the Entity service.
	keys, admin, service := filepath.Join(t.TempDir(), "api-keys.json"), newKey(t, "admin", auth.Admin), newKey(t, "timeline-service", auth.Editor)
	if err := auth.WriteKeysFile(keys, &auth.KeysFile{Keys: []auth.KeyEntry{admin.entry, service.entry}}); err != nil {
		t.Fatal(err)
	}

	entity := run(t, "entity-server", []string{"MONGODB_URI=" + uri, "API_KEYS_FILE=" + keys, "ANONYMOUS=none"}, "--grpc-addr", "127.0.0.1:0")
	entityAddr := entity.addr("gRPC API")
	timeline := run(t, "timeline-server", []string{"MONGODB_URI=" + uri, "ENTITY_ADDR=" + entityAddr, "LOG_FORMAT=json", "API_KEYS_FILE=" + keys, "ENTITY_API_KEY=" + service.key}, "--grpc-addr", "127.0.0.1:0")
	timelineAddr := timeline.addr("gRPC API")
	gw := run(t, "gateway", []string{"HTTP_ADDR=127.0.0.1:0"}, "--timeline-addr", timelineAddr, "--entity-addr", entityAddr)
	base := gw.addr("REST API")

	waitHealthy(t, base)
	rest(t, http.StatusUnauthorized, http.MethodPost, base+"/v1/entities?entityId=umerov", map[string]any{"kind": "PERSON", "displayName": "Rustem Umerov"})
	restAs(t, admin.key, http.StatusOK, http.MethodPost, base+"/v1/entities?entityId=umerov", map[string]any{"kind": "PERSON", "displayName": "Rustem Umerov", "aliases": []string{"Umerov"}})
	restAs(t, admin.key, http.StatusOK, http.MethodPost, base+"/v1/timelines?timelineId=talks", map[string]any{"title": "Talks", "slug": "talks", "status": "LIVE"})

	// The entry goes in over gRPC; its mention is checked by the timeline server against
	// the entity server.
	conn, err := grpc.NewClient(timelineAddr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(auth.Bearer(admin.key)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	tl := timelinev1.NewTimelineServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = tl.CreateEntry(ctx, &timelinev1.CreateEntryRequest{
		Parent:  "timelines/talks",
		EntryId: "exchange",
		Entry: &timelinev1.Entry{
			Headline: "Umerov announces a prisoner exchange",
			Status:   timelinev1.Entry_PUBLISHED,
			Mentions: []*timelinev1.Mention{{Entity: "entities/umerov", Text: "Umerov", Field: timelinev1.Mention_HEADLINE, StartOffset: 0, EndOffset: 6}},
		},
	})
	if err != nil {
		t.Fatalf("CreateEntry over gRPC: %v", err)
	}

	got := rest(t, http.StatusOK, http.MethodGet, base+"/v1/timelines/talks/entries?mentionedEntity=entities/umerov", nil)
	entries, _ := got["entries"].([]any)
	if len(entries) != 1 || entries[0].(map[string]any)["name"] != "timelines/talks/entries/exchange" {
		t.Fatalf("entries over REST = %v", got)
	}
	list, err := tl.ListEntries(ctx, &timelinev1.ListEntriesRequest{Parent: "timelines/talks", MentionedEntity: "entities/umerov"})
	if err != nil || len(list.GetEntries()) != 1 {
		t.Fatalf("ListEntries over gRPC = %v, %v", list, err)
	}

	// Callers first, so that every process drains with its dependencies still up.
	gw.stop()
	timeline.stop()
	entity.stop()
	db.stop()
}

// The all-in-one binary keeps its data in --data-dir across restarts.
func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"}

	first := run(t, "newsroom", nil, args...)
	base := first.addr("REST API")
	// The first start makes the keys file with an admin key, and prints the key once.
	key := first.addr("Admin key")
	rest(t, http.StatusUnauthorized, http.MethodPost, base+"/v1/timelines?timelineId=kept", map[string]any{"title": "Kept", "slug": "kept", "status": "LIVE"})
	restAs(t, key, http.StatusOK, http.MethodPost, base+"/v1/timelines?timelineId=kept", map[string]any{"title": "Kept", "slug": "kept", "status": "LIVE"})
	first.stop()

	second := run(t, "newsroom", nil, args...)
	base = second.addr("REST API")
	if file := second.addr("API keys"); file != filepath.Join(dir, "api-keys.json") {
		t.Errorf("second start: API keys in %q", file)
	}
	if _, printed := second.seen["Admin key"]; printed {
		t.Error("the second start printed an admin key again")
	}
	if got := rest(t, http.StatusOK, http.MethodGet, base+"/v1/timelines/kept", nil); got["title"] != "Kept" {
		t.Fatalf("after restart: %v", got)
	}
	restAs(t, key, http.StatusOK, http.MethodPatch, base+"/v1/timelines/kept", map[string]any{"title": "Still kept"})
	second.stop()
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz not healthy after 30s: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rest sends body as JSON and fails the test unless the answer has status want.
func rest(t *testing.T, want int, method, url string, body any) map[string]any {
	t.Helper()
	return restAs(t, "", want, method, url, body)
}

// restAs is rest with the credential key, when it is not empty.
func restAs(t *testing.T, key string, want int, method, url string, body any) map[string]any {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %d, decode: %v", method, url, resp.StatusCode, err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d %v, want %d", method, url, resp.StatusCode, out, want)
	}
	return out
}
