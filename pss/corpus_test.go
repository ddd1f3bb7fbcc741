package pss

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// corpusDir holds real manifests shared by the project's tests.
const corpusDir = "../../shared/corpus/kubernetes"

// workload is a pod or pod template found in a manifest.
type workload struct {
	where  string // file, document and object
	kind   string
	object map[string]any // the whole object, as JSON
	meta   *metav1.ObjectMeta
	spec   *corev1.PodSpec
}

// TestCorpus runs every workload of the corpus through this package and
// the upstream evaluator at both levels and several versions, requiring the
// same violations with the same reasons and details (so the same verdict),
// and paths proven by checkPaths. It logs how many workloads meet each
// level.
func TestCorpus(t *testing.T) {
	root := corpusDir
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	workloads, skipped := readCorpus(t, root)
	if len(workloads) == 0 {
		t.Fatal("no workloads in the corpus")
	}
	t.Logf("%d workloads; %d documents skipped (not YAML objects, or a workload that does not decode): %q", len(workloads), len(skipped), skipped)
	up := upstream(t)
	for _, version := range []string{Latest, "v1.35", "v1.34", "v1.30", "v1.25", "v1.23", "v1.22", "v1.18", "v1.0"} {
		met := map[Level]int{}
		fired := map[string]int{}
		for _, w := range workloads {
			allowed := map[Level]bool{Privileged: true}
			for _, level := range []Level{Baseline, Restricted} {
				vs := checkAgainst(t, up, w.where, w.meta, w.spec, level, version)
				allowed[level] = len(vs) == 0
				if level == Restricted {
					for _, v := range vs {
						fired[v.Check]++
						checkObjectPaths(t, w, v)
					}
				}
			}
			want := Privileged
			switch {
			case allowed[Restricted]:
				want = Restricted
			case allowed[Baseline]:
				want = Baseline
			}
			got, _ := Highest(w.meta, w.spec, version)
			if got != want {
				t.Errorf("%s at %s: Highest = %s, evaluations say %s", w.where, version, got, want)
			}
			met[got]++
		}
		t.Logf("%-7s restricted %d, baseline only %d, privileged only %d; restricted violations by check: %s",
			version, met[Restricted], met[Baseline], met[Privileged], counts(fired))
	}
}

// checkObjectPaths requires every path of v that exists in the pod to
// exist, through ObjectPath, in the object as written.
func checkObjectPaths(t *testing.T, w workload, v Violation) {
	t.Helper()
	doc := toDoc(t, w.meta, w.spec)
	for _, p := range v.Paths {
		if _, ok := lookup(doc, p); !ok {
			continue
		}
		op, ok := ObjectPath(w.kind, p)
		if !ok {
			t.Errorf("%s: ObjectPath does not know the kind", w.where)
			return
		}
		if _, ok := lookupDoc(w.object, op); !ok {
			t.Errorf("%s: %s path %q is not in the object at %q", w.where, v.Check, p, op)
		}
	}
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%d", k, m[k])
	}
	return b.String()
}

// readCorpus decodes every workload in the YAML and JSON files under root.
func readCorpus(t *testing.T, root string) ([]workload, []string) {
	t.Helper()
	var (
		out     []workload
		skipped []string
	)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for doc := 1; ; doc++ {
			raw, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("%s#%d: %v", rel, doc, err))
				break
			}
			where := fmt.Sprintf("%s#%d", rel, doc)
			js, err := yaml.YAMLToJSON(raw)
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: %v", where, err))
				continue
			}
			ws, ok := decodeWorkloads(where, js)
			if !ok {
				skipped = append(skipped, where+": does not decode")
			}
			out = append(out, ws...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the corpus: %v", err)
	}
	return out, skipped
}

// decodeWorkloads returns the workloads of one JSON object, recursing into
// lists; ok is false when a known kind does not decode.
func decodeWorkloads(where string, js []byte) (ws []workload, ok bool) {
	var head struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return nil, bytes.Equal(bytes.TrimSpace(js), []byte("null"))
	}
	gv, err := schema.ParseGroupVersion(head.APIVersion)
	if err != nil {
		return nil, true
	}
	switch gv.Group {
	case "", "apps", "batch", "extensions":
	default:
		return nil, true
	}
	if strings.HasSuffix(head.Kind, "List") {
		ok = true
		for i, item := range head.Items {
			w, itemOK := decodeWorkloads(fmt.Sprintf("%s items[%d]", where, i), item)
			ws = append(ws, w...)
			ok = ok && itemOK
		}
		return ws, ok
	}
	var object map[string]any
	if err := json.Unmarshal(js, &object); err != nil {
		return nil, false
	}
	one := func(meta *metav1.ObjectMeta, spec *corev1.PodSpec, name string) []workload {
		return []workload{{where: fmt.Sprintf("%s %s/%s", where, head.Kind, name), kind: head.Kind, object: object, meta: meta, spec: spec}}
	}
	switch head.Kind {
	case "Pod":
		var o corev1.Pod
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.ObjectMeta, &o.Spec, o.Name), true
	case "PodTemplate":
		var o corev1.PodTemplate
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.Template.ObjectMeta, &o.Template.Spec, o.Name), true
	case "ReplicationController":
		var o corev1.ReplicationController
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		if o.Spec.Template == nil {
			return nil, true
		}
		return one(&o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, o.Name), true
	case "Deployment":
		var o appsv1.Deployment
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, o.Name), true
	case "StatefulSet":
		var o appsv1.StatefulSet
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, o.Name), true
	case "DaemonSet":
		var o appsv1.DaemonSet
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, o.Name), true
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, o.Name), true
	case "Job":
		var o batchv1.Job
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.Spec.Template.ObjectMeta, &o.Spec.Template.Spec, o.Name), true
	case "CronJob":
		var o batchv1.CronJob
		if json.Unmarshal(js, &o) != nil {
			return nil, false
		}
		return one(&o.Spec.JobTemplate.Spec.Template.ObjectMeta, &o.Spec.JobTemplate.Spec.Template.Spec, o.Name), true
	}
	return nil, true
}
