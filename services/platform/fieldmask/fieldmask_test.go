package fieldmask

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

var fields = Fields{
	Mutable:    []string{"title", "slug", "summary", "tags"},
	OutputOnly: []string{"name", "etag"},
}

func TestResolve(t *testing.T) {
	patch := &timelinev1.Timeline{Title: "New title", Tags: []string{"ukraine"}}
	tests := map[string]struct {
		paths   []string
		want    []string
		wantErr bool
	}{
		"empty mask takes set fields": {nil, []string{"title", "tags"}, false},
		"explicit":                    {[]string{"summary"}, []string{"summary"}, false},
		"star":                        {[]string{"*"}, fields.Mutable, false},
		"output only ignored":         {[]string{"name", "title", "etag"}, []string{"title"}, false},
		"duplicates collapse":         {[]string{"title", "title"}, []string{"title"}, false},
		"unknown":                     {[]string{"colour"}, nil, true},
		"nested":                      {[]string{"title.text"}, nil, true},
		"star with others":            {[]string{"*", "title"}, nil, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var mask *fieldmaskpb.FieldMask
			if tc.paths != nil {
				mask = &fieldmaskpb.FieldMask{Paths: tc.paths}
			}
			got, err := fields.Resolve(mask, patch)
			if tc.wantErr {
				e, ok := err.(*apierror.Error)
				if !ok || e.Code != codes.InvalidArgument || e.Violations[0].Field != "update_mask" {
					t.Fatalf("Resolve error = %v, want INVALID_ARGUMENT on update_mask", err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("Resolve = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestApply(t *testing.T) {
	dst := &timelinev1.Timeline{Title: "Old", Summary: "Keep me", Tags: []string{"a"}}
	src := &timelinev1.Timeline{Title: "New", Summary: "ignored"}
	Apply(dst, src, []string{"title", "tags"})
	want := &timelinev1.Timeline{Title: "New", Summary: "Keep me"}
	if !proto.Equal(dst, want) {
		t.Fatalf("Apply = %v, want %v", dst, want)
	}
}

func TestFieldsOf(t *testing.T) {
	got := FieldsOf((&timelinev1.Entry{}).ProtoReflect().Descriptor())
	wantMutable := []string{"headline", "body", "kind", "status", "pinned", "occur_time", "publish_time", "authors", "sources", "mentions"}
	wantOutput := []string{"name", "revision", "create_time", "update_time", "etag", "near_duplicate_of", "import_key", "revised_by"}
	if !slices.Equal(got.Mutable, wantMutable) || !slices.Equal(got.OutputOnly, wantOutput) {
		t.Fatalf("FieldsOf(Entry) = %+v, want mutable %q and output only %q", got, wantMutable, wantOutput)
	}
}
