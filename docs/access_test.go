package docs

import (
	"os"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	authv1 "github.com/newsroomhq/newsroom/proto/newsroom/auth/v1"
	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/platform/auth"
)

// tableRow returns the cells of the row of api.md whose first cell is first.
func tableRow(t *testing.T, doc, first string) []string {
	t.Helper()
	for line := range strings.SplitSeq(doc, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) > 2 && strings.TrimSpace(cells[1]) == first {
			out := make([]string, 0, len(cells)-2)
			for _, c := range cells[1 : len(cells)-1] {
				out = append(out, strings.TrimSpace(c))
			}
			return out
		}
	}
	t.Errorf("api.md has no row %s", first)
	return nil
}

// The permissions of each role in api.md are those of the code.
func TestRolesDocumented(t *testing.T) {
	data, err := os.ReadFile("api.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	roles := []auth.Role{auth.Reader, auth.Contributor, auth.Editor, auth.Importer, auth.Admin}
	if len(roles) != len(auth.Roles) {
		t.Fatalf("the code has %d roles, the table %d", len(auth.Roles), len(roles))
	}
	for v := range authv1.Permission_name {
		perm := authv1.Permission(v)
		if perm == authv1.Permission_PERMISSION_UNSPECIFIED {
			continue
		}
		row := tableRow(t, doc, "`"+perm.String()+"`")
		if len(row) != 1+len(roles) {
			continue
		}
		for i, r := range roles {
			if has := slices.Contains(auth.Roles[r], perm); has != (row[1+i] == "✓") {
				t.Errorf("api.md: %s of %s is %q, the code says %v", perm, r, row[1+i], has)
			}
		}
	}
}

// Every method's permission, and the field naming its timeline, are in api.md as the
// .proto files declare them.
func TestMethodRulesDocumented(t *testing.T) {
	data, err := os.ReadFile("api.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, sd := range []protoreflect.ServiceDescriptor{
		timelinev1.File_newsroom_timeline_v1_timeline_service_proto.Services().Get(0),
		entityv1.File_newsroom_entity_v1_entity_service_proto.Services().Get(0),
	} {
		for i := range sd.Methods().Len() {
			m := sd.Methods().Get(i)
			rule, ok := auth.RuleOf("/" + string(sd.FullName()) + "/" + string(m.Name()))
			if !ok {
				t.Errorf("%s has no rule", m.FullName())
				continue
			}
			row := tableRow(t, doc, "`"+string(sd.Name())+"."+string(m.Name())+"`")
			if len(row) != 3 {
				continue
			}
			if row[1] != "`"+rule.GetPermission().String()+"`" {
				t.Errorf("api.md: %s needs %s, the .proto says %s", m.Name(), row[1], rule.GetPermission())
			}
			for _, field := range []string{rule.GetTimelineField(), rule.GetTimelineIdField()} {
				if field != "" && !strings.Contains(row[2], "`"+field+"`") {
					t.Errorf("api.md: %s is about the timeline in %q, the .proto says %s", m.Name(), row[2], field)
				}
			}
		}
	}
}
