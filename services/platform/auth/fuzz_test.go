package auth_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/newsroomhq/newsroom/services/platform/auth"
)

// FuzzAuthenticate sends any authorization value: it never panics, and only the exact
// key (with its scheme in any case) authenticates.
func FuzzAuthenticate(f *testing.F) {
	const key = "nrk_fuzz-key"
	for _, seed := range []string{"Bearer " + key, "bearer " + key, "Bearer  " + key + " ", "Bearer", "Basic " + key, key,
		"Bearer nrk_", "Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer " + key + "\x00", "Bearer \u00a0" + key, ""} {
		f.Add(seed)
	}
	g, err := auth.New(context.Background(), auth.Options{AnonymousReads: true})
	if err != nil {
		f.Fatal(err)
	}
	g.AddKey("fuzz", key, auth.Reader)
	f.Fuzz(func(t *testing.T, value string) {
		ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", value))
		p, err := g.Authenticate(ctx)
		if err != nil {
			return
		}
		scheme, cred, _ := strings.Cut(strings.TrimSpace(value), " ")
		if p.Anonymous() || !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(cred) != key {
			t.Fatalf("%q authenticated as %v", value, p)
		}
	})
}

// FuzzParseKeysFile reads any bytes as a keys file: it never panics, and what it accepts
// holds only well-formed entries.
func FuzzParseKeysFile(f *testing.F) {
	f.Add([]byte(`{"keys": [{"name": "wire-importer", "sha256": "` + auth.HashKey("nrk_a") + `", "roles": ["importer"], "timelines": ["*"]}]}`))
	f.Add([]byte(`{"keys": []}`))
	f.Add([]byte(`{"keys": [{"name": "a", "sha256": "", "roles": [], "timelines": []}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := auth.ParseKeysFile(data)
		if err != nil {
			return
		}
		for _, e := range kf.Keys {
			if e.Name == "" || len(e.SHA256) != 64 || len(e.Roles) == 0 || len(e.Timelines) == 0 {
				t.Fatalf("accepted %+v", e)
			}
			for _, r := range e.Roles {
				if _, ok := auth.Roles[r]; !ok {
					t.Fatalf("accepted role %q", r)
				}
			}
		}
	})
}
