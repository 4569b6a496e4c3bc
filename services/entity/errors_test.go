package entity_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// What clients see when a write meets the stored state: code, reason, domain and what
// the message names.
func TestStoreOutcomes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t)
	putin := e.get(t, "entities/putin")
	if _, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
		Entity: &entityv1.Entity{Name: putin.GetName(), Description: "changed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}},
	}); err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		call       func() error
		code       codes.Code
		reason     string
		mentions   []string
		violations []string
	}{
		"get missing": {
			call: func() error {
				_, err := e.ent.GetEntity(ctx, &entityv1.GetEntityRequest{Name: "entities/nobody"})
				return err
			},
			code: codes.NotFound, reason: apierror.ReasonEntityNotFound, mentions: []string{"entities/nobody"},
		},
		"batch get missing": {
			call: func() error {
				_, err := e.ent.BatchGetEntities(ctx, &entityv1.BatchGetEntitiesRequest{Names: []string{"entities/kyiv", "entities/nobody", "entities/gone"}})
				return err
			},
			code: codes.NotFound, reason: apierror.ReasonEntityNotFound, mentions: []string{"entities/nobody", "entities/gone"},
		},
		"update missing": {
			call: func() error {
				_, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: &entityv1.Entity{Name: "entities/nobody", Description: "x"}})
				return err
			},
			code: codes.NotFound, reason: apierror.ReasonEntityNotFound, mentions: []string{"entities/nobody"},
		},
		"delete missing": {
			call: func() error {
				_, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: "entities/nobody"})
				return err
			},
			code: codes.NotFound, reason: apierror.ReasonEntityNotFound, mentions: []string{"entities/nobody"},
		},
		"create taken id": {
			call: func() error {
				_, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: fixtureEntity(t, "kyiv"), EntityId: "kyiv"})
				return err
			},
			code: codes.AlreadyExists, reason: apierror.ReasonEntityAlreadyExists, mentions: []string{"entities/kyiv"},
		},
		"update with stale etag": {
			call: func() error {
				_, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{Entity: &entityv1.Entity{Name: putin.GetName(), Description: "x", Etag: putin.GetEtag()}})
				return err
			},
			code: codes.Aborted, reason: apierror.ReasonEtagMismatch, mentions: []string{"entities/putin"},
		},
		"delete with stale etag": {
			call: func() error {
				_, err := e.ent.DeleteEntity(ctx, &entityv1.DeleteEntityRequest{Name: putin.GetName(), Etag: putin.GetEtag()})
				return err
			},
			code: codes.Aborted, reason: apierror.ReasonEtagMismatch, mentions: []string{"entities/putin"},
		},
		"create with a held external id": {
			call: func() error {
				_, err := e.ent.CreateEntity(ctx, &entityv1.CreateEntityRequest{Entity: &entityv1.Entity{
					Kind: entityv1.Entity_PERSON, DisplayName: "Impostor", ExternalIds: map[string]string{"wikidata": "Q7747"},
				}})
				return err
			},
			code: codes.AlreadyExists, reason: apierror.ReasonExternalIDTaken,
			mentions: []string{"entities/putin", "Q7747"}, violations: []string{wikidataField},
		},
		"update to a held external id": {
			call: func() error {
				_, err := e.ent.UpdateEntity(ctx, &entityv1.UpdateEntityRequest{
					Entity:     &entityv1.Entity{Name: "entities/kyiv", ExternalIds: map[string]string{"wikidata": "Q7747"}},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"external_ids.wikidata"}},
				})
				return err
			},
			code: codes.AlreadyExists, reason: apierror.ReasonExternalIDTaken,
			mentions: []string{"entities/putin", "Q7747"}, violations: []string{wikidataField},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			st := status.Convert(tt.call())
			if st.Code() != tt.code {
				t.Fatalf("error %v, want code %v", st.Err(), tt.code)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(st.Message(), m) {
					t.Errorf("message %q does not name %s", st.Message(), m)
				}
			}
			var reason, domain string
			var violations []string
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.ErrorInfo:
					reason, domain = d.GetReason(), d.GetDomain()
				case *errdetails.BadRequest:
					for _, v := range d.GetFieldViolations() {
						violations = append(violations, v.GetField())
					}
				}
			}
			if reason != tt.reason || domain != apierror.DomainEntity {
				t.Errorf("ErrorInfo %s in %s, want %s in %s", reason, domain, tt.reason, apierror.DomainEntity)
			}
			if strings.Join(violations, ",") != strings.Join(tt.violations, ",") {
				t.Errorf("field violations %v, want %v", violations, tt.violations)
			}
		})
	}
}
