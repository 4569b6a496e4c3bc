package cmd_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The embedded database is for trying the product and for tests: the binaries that are
// deployed must not carry it.
func TestProductionBinariesDoNotLinkFerretDB(t *testing.T) {
	tests := map[string]bool{ // binary: whether it may link FerretDB
		"entity-server":   false,
		"timeline-server": false,
		"gateway":         false,
		"newsroomctl":     false,
		"newsroom":        true, // checked too, so that the test is known to see FerretDB
	}
	for name, allowed := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", module+"/cmd/"+name).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			var ferret []string
			for _, pkg := range strings.Fields(string(out)) {
				if strings.HasPrefix(pkg, "github.com/FerretDB/") {
					ferret = append(ferret, pkg)
				}
			}
			if got := len(ferret) > 0; got != allowed {
				t.Fatalf("%s links FerretDB: %v, want %v (%d packages: %.3v)", name, got, allowed, len(ferret), ferret)
			}
		})
	}
}
