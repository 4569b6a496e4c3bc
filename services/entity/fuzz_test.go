package entity_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
)

// FuzzNameLookups sends any text as a name prefix and as a name to resolve: the service
// answers without an internal error, and only with entities that have a matching name.
func FuzzNameLookups(f *testing.F) {
	e := newEnv(f)
	e.load(f)
	for _, s := range []string{"zel", "Zelenskiy", "", " ", "^v", "v.*", "(", "\\", "ERDOĞ", "the k", "ǅ", "ﬁ", "\xff", "[a-z]", "$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) {
			return // proto strings are UTF-8: no client can send this
		}
		ctx := context.Background()
		folded := textnorm.Fold(name)
		list, err := e.ent.ListEntities(ctx, &entityv1.ListEntitiesRequest{NamePrefix: name, PageSize: 100})
		if st, _ := status.FromError(err); err != nil && st.Code() != codes.InvalidArgument {
			t.Fatalf("List(%q): %v", name, err)
		}
		for _, ent := range list.GetEntities() {
			if !hasName(ent, func(k string) bool { return strings.HasPrefix(k, folded) }) {
				t.Fatalf("List(%q) returned %s, which has no name starting with %q", name, ent.GetName(), folded)
			}
		}
		res, err := e.ent.ResolveEntities(ctx, &entityv1.ResolveEntitiesRequest{Names: []string{name}})
		if st, _ := status.FromError(err); err != nil && st.Code() != codes.InvalidArgument {
			t.Fatalf("Resolve(%q): %v", name, err)
		}
		for _, r := range res.GetResults() {
			for _, ent := range r.GetEntities() {
				if !hasName(ent, func(k string) bool { return k == folded }) {
					t.Fatalf("Resolve(%q) returned %s, which has no name folding to %q", name, ent.GetName(), folded)
				}
			}
		}
	})
}

func hasName(ent *entityv1.Entity, match func(folded string) bool) bool {
	for _, n := range append([]string{ent.GetDisplayName()}, ent.GetAliases()...) {
		if match(textnorm.Fold(n)) {
			return true
		}
	}
	return false
}
