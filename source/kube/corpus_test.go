package kube

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// corpusDir holds real manifests from public projects; the test skips
// when it is absent.
const corpusDir = "/work/shared/corpus/kubernetes"

// corpusInvalid lists the corpus files that really are invalid, with the
// error each must give (a substring). Every other file must read without
// an error.
var corpusInvalid = map[string]string{
	// A template with placeholders: "lun: <ADD LUN ID Here>" is not the
	// integer Kubernetes requires (kubectl rejects the file too).
	"kubernetes__examples/_archived/volumes/fibre_channel/fc.yaml": `fc.yaml:17: Pod "fibre-channel-example-pod" does not decode: spec.volumes[0].fc.lun: want an integer (int32), not string (found "<ADD LUN ID Here>")`,
}

// TestCorpus reads every manifest of the corpus: none may panic, and only
// the files known to be invalid may give errors. It logs the objects per
// kind, the time taken and the heap in use.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present")
	}
	var files, objects, typed, specs, maxNodes, notes int
	kinds := map[string]int{}
	errored := map[string]bool{}
	var peak uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	start := time.Now()
	var elapsed time.Duration
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return nil
		}
		rel := strings.TrimPrefix(p, corpusDir+"/")
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		t0 := time.Now()
		f, err := Parse(rel, data)
		elapsed += time.Since(t0)
		maxNodes = max(maxNodes, estimateNodes(data))
		var msgs []string
		if err != nil {
			msgs = append(msgs, err.Error())
		}
		for _, e := range f.Errors {
			msgs = append(msgs, e.Error())
		}
		for _, o := range f.Objects {
			objects++
			key := o.Kind
			if o.Typed != nil {
				typed++
			} else {
				key += " (not decoded)"
			}
			kinds[key]++
		}
		specs += len(f.ContainerFile().Specs)
		for _, n := range f.Notes {
			notes++
			t.Logf("note %s: %s", n.Loc, n.Message)
		}
		if len(msgs) > 0 {
			errored[rel] = true
			want, known := corpusInvalid[rel]
			if !known || !strings.Contains(strings.Join(msgs, "\n"), want) {
				t.Errorf("%s:\n  %s", rel, strings.Join(msgs, "\n  "))
			} else {
				t.Logf("invalid as expected: %s", strings.Join(msgs, "; "))
			}
		}
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range corpusInvalid {
		if !errored[rel] {
			t.Errorf("%s: no error, but the file is listed as invalid", rel)
		}
	}
	var lines []string
	for k, n := range kinds {
		lines = append(lines, fmt.Sprintf("%6d %s", n, k))
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i] > lines[j] })
	t.Logf("objects per kind:\n%s", strings.Join(lines, "\n"))
	t.Logf("%d files, %d objects (%d decoded), %d container specs, %d notes, %d with errors; Parse %v (walk %v); heap peak %d MB above %d MB; largest node estimate %d",
		files, objects, typed, specs, notes, len(errored), elapsed, time.Since(start), (peak-base)>>20, base>>20, maxNodes)
}
