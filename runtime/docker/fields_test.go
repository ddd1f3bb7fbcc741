package docker

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// listFields renders the field table as `bulwark` lists fields: name,
// type, argument, description.
func listFields(src fields.Source) string {
	var b strings.Builder
	for _, f := range src.Fields() {
		typ := f.Type.String()
		if f.IsList {
			typ = "list of " + typ
		}
		arg := ""
		switch f.Arg {
		case fields.ArgIndex:
			arg = "[N]"
		case fields.ArgKey:
			arg = "[KEY]"
		case fields.ArgIndexOrKey:
			arg = "[N|GLOB]"
		}
		if arg != "" && !f.ArgRequired {
			arg = "(" + arg + ")"
		}
		fmt.Fprintf(&b, "%-30s %-16s %-10s %s\n", f.Name, typ, arg, f.Desc)
	}
	return b.String()
}

// TestFieldsGolden keeps the field table, which rules files depend on,
// from changing unnoticed.
func TestFieldsGolden(t *testing.T) {
	got := listFields(Source{})
	path := filepath.Join("testdata", "fields.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("field table changed (-golden +now); run go test -update if intended:\n%s", d)
	}
}
