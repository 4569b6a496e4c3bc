package entity_test

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/entity"
	"github.com/newsroomhq/newsroom/services/entity/mongostore"
	"github.com/newsroomhq/newsroom/services/platform/grpctest"
)

// linked renders a text's mentions as "entity=text@start" and its suggestions as "?text".
func linked(r *entityv1.LinkedText) string {
	var parts []string
	for _, m := range r.GetMentions() {
		parts = append(parts, strings.Join(m.GetEntities(), "+")+"="+m.GetText()+"@"+strconv.Itoa(int(m.GetStartOffset())))
	}
	for _, s := range r.GetSuggestions() {
		parts = append(parts, "?"+s.GetText())
	}
	return strings.Join(parts, " ")
}

func TestLinkEntities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t)
	texts := []string{
		"Zelenskiy met Erdogan in Istanbul.",
		"ZELENSKY: Kyiv's delegation, led by Rustem Umerov, will stay. The Kremlin disagrees.",
		"no names here.",
	}
	resp, err := e.ent.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: texts})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"entities/zelensky=Zelenskiy@0 entities/erdogan=Erdogan@14 entities/istanbul=Istanbul@25",
		"entities/zelensky=ZELENSKY@0 entities/kyiv=Kyiv@10 entities/umerov=Rustem Umerov@36 entities/kremlin=The Kremlin@62",
		"",
	}
	for i, w := range want {
		if got := linked(resp.GetResults()[i]); got != w {
			t.Errorf("text %d:\n got %s\nwant %s", i, got, w)
		}
	}

	// A new alias is used at once by the replica that wrote it, and within a few
	// seconds by another.
	other := otherReplica(t, e)
	if _, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity:     &entityv1.Entity{Name: "entities/erdogan", Aliases: []string{"Erdogan", "Erdoğan", "Tayyip Erdogan", "Turkish president"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"aliases"}},
	}); err != nil {
		t.Fatal(err)
	}
	text := []string{"The Turkish president hosted the talks."}
	for _, client := range []entityv1.EntityServiceClient{e.ent, other} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := client.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{Texts: text})
			if err != nil {
				t.Fatal(err)
			}
			if linked(resp.GetResults()[0]) == "entities/erdogan=Turkish president@4" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("new alias not linked: %s", linked(resp.GetResults()[0]))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	_, err = e.ent.LinkEntities(ctx, &entityv1.LinkEntitiesRequest{})
	wantField(t, err, codes.InvalidArgument, "texts")
}

func otherReplica(t *testing.T, e *env) entityv1.EntityServiceClient {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	store, err := mongostore.New(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := entity.NewServer(store, logger)
	if err != nil {
		t.Fatal(err)
	}
	conn := grpctest.Serve(t, logger, func(s *grpc.Server) { entityv1.RegisterEntityServiceServer(s, srv) })
	return entityv1.NewEntityServiceClient(conn)
}
