package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/auth/authtest"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
)

// The guard is tested in front of real services' descriptors on a real server: the
// services themselves are left unimplemented, so that a call the guard lets through
// answers UNIMPLEMENTED, and one it stops UNAUTHENTICATED or PERMISSION_DENIED.
func serveGuarded(t *testing.T, g *auth.Guard) string {
	t.Helper()
	var target string
	conn := grpctest.ServeGuarded(t, slog.New(slog.DiscardHandler), g, func(s *grpc.Server) {
		timelinev1.RegisterTimelineServiceServer(s, timelinev1.UnimplementedTimelineServiceServer{})
		entityv1.RegisterEntityServiceServer(s, entityv1.UnimplementedEntityServiceServer{})
	})
	target = conn.Target()
	return target
}

// createEntity calls a method that needs a credential (CREATE_ENTITIES) with cred.
func createEntity(t *testing.T, target, cred string) codes.Code {
	t.Helper()
	conn := grpctest.Dial(t, target, cred)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := entityv1.NewEntityServiceClient(conn).CreateEntity(ctx, &entityv1.CreateEntityRequest{
		Entity: &entityv1.Entity{Kind: entityv1.Entity_PERSON, DisplayName: "Jane Doe"}})
	return status.Code(err)
}

// TestTokenAttacks presents forged, stale and misdirected tokens: each is refused with
// UNAUTHENTICATED, while the well-formed token passes.
func TestTokenAttacks(t *testing.T) {
	p := authtest.New(t)
	g, err := auth.New(context.Background(), auth.Options{OIDC: auth.OIDC{Issuer: authtest.Issuer, Audience: authtest.Audience, JWKSFile: p.JWKSFile}})
	if err != nil {
		t.Fatal(err)
	}
	target := serveGuarded(t, g)
	if got := createEntity(t, target, p.Token(t, authtest.Claims("jane", "editor"))); got != codes.Unimplemented {
		t.Fatalf("a valid editor's token: %v, want it let through (UNIMPLEMENTED)", got)
	}
	for name, tok := range p.Attacks(t, "jane", "editor") {
		t.Run(name, func(t *testing.T) {
			if got := createEntity(t, target, tok); got != codes.Unauthenticated {
				t.Fatalf("%s: %v, want UNAUTHENTICATED", name, got)
			}
		})
	}

	t.Run("key rotated in by kid", func(t *testing.T) {
		// The new key is added to the file; a token signed with it is let through once the
		// guard reads the file again for the unknown kid.
		next, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p.WriteJWKS(t,
			jose.JSONWebKey{Key: &p.Key.PublicKey, KeyID: p.KID, Algorithm: "RS256", Use: "sig"},
			jose.JSONWebKey{Key: &next.PublicKey, KeyID: "k3", Algorithm: "ES256", Use: "sig"})
		tok := authtest.Sign(t, next, jose.ES256, "k3", authtest.Claims("jane", "editor"))
		deadline := time.Now().Add(10 * time.Second)
		for createEntity(t, target, tok) != codes.Unimplemented {
			if time.Now().After(deadline) {
				t.Fatal("a token of the rotated-in key is still refused")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestTokenClaims checks how roles and timelines are read from a token.
func TestTokenClaims(t *testing.T) {
	p := authtest.New(t)
	g, err := auth.New(context.Background(), auth.Options{OIDC: auth.OIDC{Issuer: authtest.Issuer, Audience: authtest.Audience, JWKSFile: p.JWKSFile, RolesClaim: "realm_access.roles"}})
	if err != nil {
		t.Fatal(err)
	}
	target := serveGuarded(t, g)
	tests := map[string]struct {
		claims map[string]any
		want   codes.Code
	}{
		"nested roles":         {map[string]any{"realm_access": map[string]any{"roles": []string{"importer"}}}, codes.Unimplemented},
		"roles as one string":  {map[string]any{"realm_access": map[string]any{"roles": "reader editor"}}, codes.Unimplemented},
		"unknown roles only":   {map[string]any{"realm_access": map[string]any{"roles": []string{"superuser"}}}, codes.PermissionDenied},
		"no roles":             {map[string]any{}, codes.PermissionDenied},
		"scoped to a timeline": {map[string]any{"realm_access": map[string]any{"roles": []string{"editor"}}, "timelines": []string{"a"}}, codes.PermissionDenied},
		"roles of a bad type":  {map[string]any{"realm_access": map[string]any{"roles": 3}}, codes.Unauthenticated},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := authtest.Claims("jane")
			delete(c, "roles")
			for k, v := range tc.claims {
				c[k] = v
			}
			// Entities are not about one timeline: creating one needs the role on every timeline.
			if got := createEntity(t, target, p.Token(t, c)); got != tc.want {
				t.Fatalf("%v, want %v", got, tc.want)
			}
		})
	}
}

// TestKeysFileChanges revokes and adds keys by rewriting the file, with no restart.
func TestKeysFileChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-keys.json")
	first, firstEntry, err := auth.NewKey("first", []auth.Role{auth.Editor}, []string{auth.AllTimelines})
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.WriteKeysFile(path, &auth.KeysFile{Keys: []auth.KeyEntry{firstEntry}}); err != nil {
		t.Fatal(err)
	}
	g, err := auth.New(context.Background(), auth.Options{KeysFile: path, KeysCheckEvery: 10 * time.Millisecond, AnonymousReads: true})
	if err != nil {
		t.Fatal(err)
	}
	target := serveGuarded(t, g)
	if got := createEntity(t, target, first); got != codes.Unimplemented {
		t.Fatalf("a key of the file: %v", got)
	}
	eventually := func(key string, want codes.Code) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := createEntity(t, target, key)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%v, want %v", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// Revoked: the entry is removed; a second key is added.
	second, secondEntry, err := auth.NewKey("second", []auth.Role{auth.Importer}, []string{auth.AllTimelines})
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.WriteKeysFile(path, &auth.KeysFile{Keys: []auth.KeyEntry{secondEntry}}); err != nil {
		t.Fatal(err)
	}
	eventually(first, codes.Unauthenticated)
	eventually(second, codes.Unimplemented)

	// A broken file keeps the keys read before.
	if err := os.WriteFile(path, []byte(`{"keys": [{"name": "x"`), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // past KeysCheckEvery: the broken file has been looked at
	if got := createEntity(t, target, second); got != codes.Unimplemented {
		t.Fatalf("after a broken file: %v, want the earlier keys kept", got)
	}
	// A file that is gone revokes every key.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	eventually(second, codes.Unauthenticated)
}

// TestKeysFileRefused holds the keys file to its rules.
func TestKeysFileRefused(t *testing.T) {
	hash := auth.HashKey("nrk_x")
	tests := map[string]string{
		"unknown role":  `{"keys": [{"name": "a", "sha256": "` + hash + `", "roles": ["root"], "timelines": ["*"]}]}`,
		"no timelines":  `{"keys": [{"name": "a", "sha256": "` + hash + `", "roles": ["reader"]}]}`,
		"bad timeline":  `{"keys": [{"name": "a", "sha256": "` + hash + `", "roles": ["reader"], "timelines": ["A B"]}]}`,
		"bad hash":      `{"keys": [{"name": "a", "sha256": "abc", "roles": ["reader"], "timelines": ["*"]}]}`,
		"twice":         `{"keys": [{"name": "a", "sha256": "` + hash + `", "roles": ["reader"], "timelines": ["*"]}, {"name": "a", "sha256": "` + auth.HashKey("nrk_y") + `", "roles": ["reader"], "timelines": ["*"]}]}`,
		"unknown field": `{"keys": [{"name": "a", "sha256": "` + hash + `", "roles": ["reader"], "timelines": ["*"], "admin": true}]}`,
		"no name":       `{"keys": [{"sha256": "` + hash + `", "roles": ["reader"], "timelines": ["*"]}]}`,
		"not json":      `keys`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := auth.ParseKeysFile([]byte(data)); err == nil {
				t.Fatalf("accepted %s", data)
			}
		})
	}
}

// TestAuthorization are the rules of one call: a header, a key, a scope.
func TestAuthorization(t *testing.T) {
	g, err := auth.New(context.Background(), auth.Options{AnonymousReads: true})
	if err != nil {
		t.Fatal(err)
	}
	g.AddKey("admin", "nrk_admin", auth.Admin)
	g.AddKeyOn("editor-a", "nrk_editor_a", []auth.Role{auth.Editor}, []string{"a"})
	target := serveGuarded(t, g)
	call := func(md []string, do func(context.Context, timelinev1.TimelineServiceClient) error) codes.Code {
		conn := grpctest.Dial(t, target, "")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for i := 0; i+1 < len(md); i += 2 {
			ctx = metadataAppend(ctx, md[i], md[i+1])
		}
		return status.Code(do(ctx, timelinev1.NewTimelineServiceClient(conn)))
	}
	createIn := func(parent string) func(context.Context, timelinev1.TimelineServiceClient) error {
		return func(ctx context.Context, c timelinev1.TimelineServiceClient) error {
			_, err := c.CreateEntry(ctx, &timelinev1.CreateEntryRequest{Parent: parent, Entry: &timelinev1.Entry{Headline: "A draft"}})
			return err
		}
	}
	read := func(ctx context.Context, c timelinev1.TimelineServiceClient) error {
		_, err := c.GetTimeline(ctx, &timelinev1.GetTimelineRequest{Name: "timelines/b"})
		return err
	}
	tests := map[string]struct {
		md   []string
		do   func(context.Context, timelinev1.TimelineServiceClient) error
		want codes.Code
	}{
		"anonymous read":                     {nil, read, codes.Unimplemented},
		"anonymous write":                    {nil, createIn("timelines/a"), codes.Unauthenticated},
		"bad credential on a public read":    {[]string{"authorization", "Bearer nrk_nope"}, read, codes.Unauthenticated},
		"basic scheme":                       {[]string{"authorization", "Basic YWRtaW46YWRtaW4="}, read, codes.Unauthenticated},
		"bearer without a credential":        {[]string{"authorization", "Bearer "}, read, codes.Unauthenticated},
		"two credentials":                    {[]string{"authorization", "Bearer nrk_admin", "authorization", "Bearer nrk_admin"}, read, codes.Unauthenticated},
		"lower-case scheme":                  {[]string{"authorization", "bearer nrk_admin"}, createIn("timelines/a"), codes.Unimplemented},
		"token without OIDC":                 {[]string{"authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}, read, codes.Unauthenticated},
		"editor on a, writes a":              {[]string{"authorization", "Bearer nrk_editor_a"}, createIn("timelines/a"), codes.Unimplemented},
		"editor on a, writes b":              {[]string{"authorization", "Bearer nrk_editor_a"}, createIn("timelines/b"), codes.PermissionDenied},
		"editor on a, reads b (public)":      {[]string{"authorization", "Bearer nrk_editor_a"}, read, codes.Unimplemented},
		"editor on a, writes every timeline": {[]string{"authorization", "Bearer nrk_editor_a"}, createIn("timelines/-"), codes.PermissionDenied},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := call(tc.md, tc.do); got != tc.want {
				t.Fatalf("%v, want %v", got, tc.want)
			}
		})
	}
}

// TestEveryMethodDeclaresARule walks every method of every service a server carries: a
// new RPC cannot ship without its access rule.
func TestEveryMethodDeclaresARule(t *testing.T) {
	s := grpc.NewServer()
	timelinev1.RegisterTimelineServiceServer(s, timelinev1.UnimplementedTimelineServiceServer{})
	entityv1.RegisterEntityServiceServer(s, entityv1.UnimplementedEntityServiceServer{})
	if err := auth.CheckServices(s.GetServiceInfo()); err != nil {
		t.Fatal(err)
	}
	methods := 0
	for name, info := range s.GetServiceInfo() {
		for _, m := range info.Methods {
			if _, ok := auth.RuleOf("/" + name + "/" + m.Name); !ok {
				t.Errorf("%s/%s has no rule", name, m.Name)
			}
			methods++
		}
	}
	if methods != 22 {
		t.Errorf("%d methods walked, want the 22 of both services", methods)
	}
	// A method without a rule is reported.
	if err := auth.CheckServices(map[string]grpc.ServiceInfo{"newsroom.test.v1.Unknown": {Methods: []grpc.MethodInfo{{Name: "Open"}}}}); err == nil {
		t.Error("a method without a rule passed")
	}
}

func metadataAppend(ctx context.Context, k, v string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, k, v)
}
