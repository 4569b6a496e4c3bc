package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// idOf names the id of each collection, as the route table writes it.
var idOf = map[string]string{"timelines": "{timeline}", "entries": "{entry}", "entities": "{entity}"}

// template turns a route of the .proto files into the form of api.md:
// "/v1/{name=timelines/*/entries/*}/revisions" is "/v1/timelines/{timeline}/entries/{entry}/revisions".
func template(t *testing.T, path string) string {
	t.Helper()
	return regexp.MustCompile(`\{[a-z_.]+=([^}]+)\}`).ReplaceAllStringFunc(path, func(v string) string {
		pattern := v[strings.Index(v, "=")+1 : len(v)-1]
		parts := strings.Split(pattern, "/")
		for i := 1; i < len(parts); i += 2 {
			id, ok := idOf[parts[i-1]]
			if !ok || parts[i] != "*" {
				t.Fatalf("route %s: no id known for %q", path, pattern)
			}
			parts[i] = id
		}
		return strings.Join(parts, "/")
	})
}

// Every REST route of the API is in the route table of api.md.
func TestRoutesDocumented(t *testing.T) {
	doc, err := os.ReadFile("api.md")
	if err != nil {
		t.Fatal(err)
	}
	routes := 0
	for _, sd := range []protoreflect.ServiceDescriptor{
		timelinev1.File_newsroom_timeline_v1_timeline_service_proto.Services().Get(0),
		entityv1.File_newsroom_entity_v1_entity_service_proto.Services().Get(0),
	} {
		for i := range sd.Methods().Len() {
			m := sd.Methods().Get(i)
			rule, _ := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
			if rule == nil {
				continue // gRPC only
			}
			method, path := "", ""
			switch p := rule.GetPattern().(type) {
			case *annotations.HttpRule_Get:
				method, path = "GET", p.Get
			case *annotations.HttpRule_Post:
				method, path = "POST", p.Post
			case *annotations.HttpRule_Patch:
				method, path = "PATCH", p.Patch
			case *annotations.HttpRule_Delete:
				method, path = "DELETE", p.Delete
			case *annotations.HttpRule_Put:
				method, path = "PUT", p.Put
			}
			routes++
			row := "| " + method + " | `" + template(t, path) + "` |"
			if !strings.Contains(string(doc), row) {
				t.Errorf("%s: no row %s in api.md", m.FullName(), row)
			}
		}
	}
	if routes < 15 {
		t.Fatalf("only %d routes found", routes)
	}
}

// Every ErrorInfo reason is in the error table of api.md.
func TestReasonsDocumented(t *testing.T) {
	doc, err := os.ReadFile("api.md")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "../services/platform/apierror/reasons.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	reasons := 0
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || !strings.HasPrefix(spec.Names[0].Name, "Reason") || len(spec.Values) != 1 {
			return true
		}
		lit, ok := spec.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		reason, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		reasons++
		if !strings.Contains(string(doc), "`"+reason+"`") {
			t.Errorf("reason %s is not in api.md", reason)
		}
		return true
	})
	if reasons < 20 {
		t.Fatalf("only %d reasons found", reasons)
	}
}
