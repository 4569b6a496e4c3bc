package entity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
	"github.com/newsroomhq/newsroom/services/platform/etag"
	"github.com/newsroomhq/newsroom/services/platform/fieldmask"
	"github.com/newsroomhq/newsroom/services/platform/pagetoken"
	"github.com/newsroomhq/newsroom/services/platform/resourceid"
	"github.com/newsroomhq/newsroom/services/platform/retry"
)

var entityFields = fieldmask.FieldsOf((&entityv1.Entity{}).ProtoReflect().Descriptor())

// externalIDPath starts an update mask path that names one external id, for example
// "external_ids.wikidata" (AIP-161 map keys): it sets or, when the patch lacks the key,
// removes only that id, so that editors adding ids of different systems at the same time
// do not undo each other.
const externalIDPath = "external_ids."

// systemPattern is the rule on external id systems in entity.proto.
var systemPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// CreateEntity implements entityv1.EntityServiceServer.
func (s *Server) CreateEntity(ctx context.Context, req *entityv1.CreateEntityRequest) (*entityv1.Entity, error) {
	now := s.now()
	e := &Entity{ID: req.GetEntityId(), CreateTime: now, UpdateTime: now, Revision: 1}
	if e.ID == "" {
		e.ID = resourceid.New(now)
	}
	e.setContent(req.GetEntity())
	if err := s.store.CreateEntity(ctx, e); err != nil {
		return nil, apiError(err, e.Name())
	}
	s.links.changed()
	return e.proto(), nil
}

// GetEntity implements entityv1.EntityServiceServer.
func (s *Server) GetEntity(ctx context.Context, req *entityv1.GetEntityRequest) (*entityv1.Entity, error) {
	id, err := parseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	e, err := s.store.GetEntity(ctx, id)
	if err != nil {
		return nil, apiError(err, req.GetName())
	}
	return e.proto(), nil
}

// BatchGetEntities implements entityv1.EntityServiceServer.
func (s *Server) BatchGetEntities(ctx context.Context, req *entityv1.BatchGetEntitiesRequest) (*entityv1.BatchGetEntitiesResponse, error) {
	ids := make([]string, len(req.GetNames()))
	var distinct []string
	for i, name := range req.GetNames() {
		id, err := parseName(fmt.Sprintf("names[%d]", i), name)
		if err != nil {
			return nil, err
		}
		ids[i] = id
		if !slices.Contains(distinct, id) {
			distinct = append(distinct, id)
		}
	}
	found, err := s.store.GetEntities(ctx, distinct)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Entity, len(found))
	for _, e := range found {
		byID[e.ID] = e
	}
	resp := &entityv1.BatchGetEntitiesResponse{}
	var missing []string
	for i, id := range ids {
		e, ok := byID[id]
		switch {
		case ok:
			resp.Entities = append(resp.Entities, e.proto())
		case !req.GetAllowMissing() && !slices.Contains(missing, req.GetNames()[i]):
			missing = append(missing, req.GetNames()[i])
		}
	}
	if len(missing) > 0 {
		return nil, apiError(ErrNotFound, strings.Join(missing, ", "))
	}
	return resp, nil
}

// ListEntities implements entityv1.EntityServiceServer.
func (s *Server) ListEntities(ctx context.Context, req *entityv1.ListEntitiesRequest) (*entityv1.ListEntitiesResponse, error) {
	q := Query{
		Kind:   req.GetKind(),
		Prefix: textnorm.Fold(req.GetNamePrefix()),
		Limit:  pageSize(req.GetPageSize()),
	}
	fingerprint := pagetoken.Fingerprint(req)
	if tok := req.GetPageToken(); tok != "" {
		after, err := pagetoken.Decode(tok, fingerprint)
		if err != nil {
			return nil, apierror.InvalidPageToken()
		}
		q.After = &after
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	found, err := s.store.ListEntities(ctx, q)
	if err != nil {
		return nil, err
	}
	resp := &entityv1.ListEntitiesResponse{}
	for i, e := range found {
		if i == limit {
			last := found[i-1]
			resp.NextPageToken = pagetoken.Encode(pagetoken.Token{Text: last.SortName(), ID: last.ID}, fingerprint)
			break
		}
		resp.Entities = append(resp.Entities, e.proto())
	}
	return resp, nil
}

// ResolveEntities implements entityv1.EntityServiceServer.
func (s *Server) ResolveEntities(ctx context.Context, req *entityv1.ResolveEntitiesRequest) (*entityv1.ResolveEntitiesResponse, error) {
	keys := make([]string, len(req.GetNames()))
	var distinct []string
	for i, n := range req.GetNames() {
		// A name with no letters or digits folds to "" and matches nothing.
		keys[i] = textnorm.Fold(n)
		if keys[i] != "" && !slices.Contains(distinct, keys[i]) {
			distinct = append(distinct, keys[i])
		}
	}
	var found []*Entity
	if len(distinct) > 0 {
		var err error
		if found, err = s.store.ResolveEntities(ctx, distinct, req.GetKind()); err != nil {
			return nil, err
		}
	}
	// Ambiguous names list their entities in display-name order.
	slices.SortFunc(found, func(a, b *Entity) int {
		return cmp.Or(strings.Compare(a.SortName(), b.SortName()), strings.Compare(a.ID, b.ID))
	})
	byKey := map[string][]*entityv1.Entity{}
	for _, e := range found {
		p := e.proto()
		for _, k := range e.Keys() { // distinct, so each entity once per name
			byKey[k] = append(byKey[k], p)
		}
	}
	resp := &entityv1.ResolveEntitiesResponse{Results: make([]*entityv1.Resolution, len(keys))}
	for i, k := range keys {
		resp.Results[i] = &entityv1.Resolution{Query: req.GetNames()[i], Entities: byKey[k]}
	}
	return resp, nil
}

// UpdateEntity implements entityv1.EntityServiceServer.
func (s *Server) UpdateEntity(ctx context.Context, req *entityv1.UpdateEntityRequest) (*entityv1.Entity, error) {
	patch := req.GetEntity()
	if patch == nil {
		return nil, apierror.InvalidField("entity", "required")
	}
	id, err := parseName("entity.name", patch.GetName())
	if err != nil {
		return nil, err
	}
	paths, systems, err := resolveMask(req.GetUpdateMask(), patch)
	if err != nil {
		return nil, err
	}
	// Without an etag the client asked for its change whatever else changed meanwhile:
	// a lost race is tried again on the new revision.
	again := func(err error) bool { return patch.GetEtag() == "" && errors.Is(err, ErrConflict) }
	var out *entityv1.Entity
	err = retry.Default().Do(ctx, again, func() error {
		cur, err := s.store.GetEntity(ctx, id)
		if err != nil {
			return err
		}
		merged := cur.proto()
		if err := etag.Check(patch.GetEtag(), merged.GetEtag(), merged.GetName()); err != nil {
			return err
		}
		fieldmask.Apply(merged, patch, paths)
		for _, sys := range systems {
			if v, ok := patch.GetExternalIds()[sys]; ok {
				if merged.ExternalIds == nil {
					merged.ExternalIds = map[string]string{}
				}
				merged.ExternalIds[sys] = v
			} else {
				delete(merged.ExternalIds, sys)
			}
		}
		if err := s.validator.Check(merged, "entity"); err != nil {
			return err
		}
		if proto.Equal(merged, cur.proto()) {
			out = merged // nothing to change: keep the etag
			return nil
		}
		next := *cur
		next.setContent(merged)
		next.UpdateTime = s.now()
		next.Revision = cur.Revision + 1
		if err := s.store.UpdateEntity(ctx, cur, &next); err != nil {
			return err
		}
		s.links.changed()
		out = next.proto()
		return nil
	})
	if err != nil {
		return nil, apiError(err, entityName(id))
	}
	return out, nil
}

// resolveMask returns the top-level fields an update changes and the external id
// systems it sets or removes one by one.
func resolveMask(mask *fieldmaskpb.FieldMask, patch *entityv1.Entity) (paths, systems []string, err error) {
	var rest []string
	for _, p := range mask.GetPaths() {
		sys, ok := strings.CutPrefix(p, externalIDPath)
		if !ok {
			rest = append(rest, p)
			continue
		}
		if !systemPattern.MatchString(sys) {
			return nil, nil, apierror.InvalidField("update_mask", fmt.Sprintf("%q does not name an external id system (%s)", p, systemPattern))
		}
		if !slices.Contains(systems, sys) {
			systems = append(systems, sys)
		}
	}
	if len(systems) > 0 && len(rest) == 0 {
		return nil, systems, nil // an empty rest would mean "every field set"
	}
	paths, err = entityFields.Resolve(&fieldmaskpb.FieldMask{Paths: rest}, patch)
	return paths, systems, err
}

// DeleteEntity implements entityv1.EntityServiceServer.
func (s *Server) DeleteEntity(ctx context.Context, req *entityv1.DeleteEntityRequest) (*emptypb.Empty, error) {
	id, err := parseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	var revision int64
	if req.GetEtag() != "" {
		cur, err := s.store.GetEntity(ctx, id)
		if err != nil {
			return nil, apiError(err, req.GetName())
		}
		if err := etag.Check(req.GetEtag(), cur.proto().GetEtag(), req.GetName()); err != nil {
			return nil, err
		}
		revision = cur.Revision
	}
	if err := s.store.DeleteEntity(ctx, id, revision); err != nil {
		return nil, apiError(err, req.GetName())
	}
	s.links.changed()
	return &emptypb.Empty{}, nil
}
