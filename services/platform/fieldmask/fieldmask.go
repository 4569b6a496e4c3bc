// Package fieldmask applies the update masks of standard Update methods (AIP-134) to
// top-level fields of a resource.
package fieldmask

import (
	"fmt"
	"slices"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// FieldsOf reads which fields of a resource an update may change from its
// google.api.field_behavior annotations: OUTPUT_ONLY and IDENTIFIER fields are output
// only, IMMUTABLE ones cannot be named, and the etag (AIP-154) is sent back by clients
// but never changed by them. Every other field is mutable.
func FieldsOf(m protoreflect.MessageDescriptor) Fields {
	var f Fields
	fields := m.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		name := string(fd.Name())
		behaviors, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
		switch {
		case name == "etag", slices.Contains(behaviors, annotations.FieldBehavior_OUTPUT_ONLY),
			slices.Contains(behaviors, annotations.FieldBehavior_IDENTIFIER):
			f.OutputOnly = append(f.OutputOnly, name)
		case slices.Contains(behaviors, annotations.FieldBehavior_IMMUTABLE):
		default:
			f.Mutable = append(f.Mutable, name)
		}
	}
	return f
}

// Fields describes which fields of a resource an update may change.
type Fields struct {
	// Mutable are the fields a mask may name.
	Mutable []string
	// OutputOnly are ignored when named: clients often send back the whole resource they
	// read, and the gateway puts every field of a PATCH body into the mask (AIP-203).
	OutputOnly []string
}

// Resolve returns the mutable fields to copy from patch: the mask's paths, or every
// mutable field set in patch when the mask is empty, or every mutable field for "*".
// An unknown or nested path is an INVALID_ARGUMENT naming update_mask.
func (f Fields) Resolve(mask *fieldmaskpb.FieldMask, patch proto.Message) ([]string, error) {
	paths := mask.GetPaths()
	if len(paths) == 0 {
		var set []string
		m := patch.ProtoReflect()
		for _, name := range f.Mutable {
			if fd := m.Descriptor().Fields().ByName(protoreflect.Name(name)); fd != nil && m.Has(fd) {
				set = append(set, name)
			}
		}
		return set, nil
	}
	var out []string
	for _, p := range paths {
		switch {
		case p == "*":
			if len(paths) > 1 {
				return nil, apierror.InvalidField("update_mask", `"*" cannot be combined with other paths`)
			}
			return slices.Clone(f.Mutable), nil
		case slices.Contains(f.OutputOnly, p):
			continue
		case slices.Contains(f.Mutable, p):
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		default:
			return nil, apierror.InvalidField("update_mask", fmt.Sprintf("unknown or immutable field %q", p))
		}
	}
	return out, nil
}

// Apply copies the named top-level fields from src to dst (clearing those unset in src).
// dst and src must be the same message type, and paths must come from Resolve.
func Apply(dst, src proto.Message, paths []string) {
	d, s := dst.ProtoReflect(), src.ProtoReflect()
	fields := d.Descriptor().Fields()
	for _, p := range paths {
		fd := fields.ByName(protoreflect.Name(p))
		if fd == nil {
			continue
		}
		if s.Has(fd) {
			d.Set(fd, s.Get(fd))
		} else {
			d.Clear(fd)
		}
	}
}
