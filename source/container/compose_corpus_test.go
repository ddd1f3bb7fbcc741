package container

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// corpusDir holds real Compose files from public projects; the test skips
// when it is absent.
const corpusDir = "/work/shared/corpus/compose"

// TestComposeCorpus loads every Compose file of the corpus: none may
// panic, and nothing may be printed on compose-go's global logger.
func TestComposeCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present")
	}
	var logged bytes.Buffer
	logrus.SetOutput(&logged)
	defer logrus.SetOutput(os.Stderr)
	var files, rejected, specs int
	start := time.Now()
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		f, err := LoadCompose(p, data)
		if err != nil {
			rejected++
			t.Logf("rejected %s", strings.TrimPrefix(err.Error(), corpusDir+"/"))
			return nil
		}
		specs += len(f.Specs)
		for _, n := range f.Notes {
			t.Logf("note %s: %s", strings.TrimPrefix(p, corpusDir+"/"), n.Message)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files, %d rejected, %d services, in %v", files, rejected, specs, time.Since(start))
	if logged.Len() > 0 {
		t.Errorf("compose-go logged:\n%s", logged.String())
	}
}
