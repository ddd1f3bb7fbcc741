package kube

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
)

// editPod is a Pod whose container list is flush with its key.
const editPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app # the app
    image: app:1.0
    # trailing comment
`

const editDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
          command:
            - sh
            - -c
            - |
              echo one
              # not a comment: part of the script

      containers:
        - name: app
          image: app:1.0
          securityContext:
            runAsUser: 1000 # uid
            capabilities:
              drop:
                - NET_RAW
      # the pod's own settings
      restartPolicy: Always
`

func TestEdit(t *testing.T) {
	cntr := []string{"spec", "containers", "0"}
	dep := []string{"spec", "template", "spec", "containers", "0"}
	depInit := []string{"spec", "template", "spec", "initContainers", "0"}
	p := func(base []string, rest ...string) []string { return append(append([]string(nil), base...), rest...) }
	for _, tc := range []struct {
		name  string
		src   string
		obj   int // index of the object in the file
		add   bool
		path  []string
		value any
		want  string // the whole file after the edit; "" when the edit is refused
	}{
		{
			name: "no securityContext, flush list", src: editPod,
			path: p(cntr, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: strings.Replace(editPod, "    image: app:1.0\n", "    image: app:1.0\n    securityContext:\n      allowPrivilegeEscalation: false\n", 1),
		},
		{
			name: "drop ALL, creating capabilities", src: editPod, add: true,
			path: p(cntr, "securityContext", "capabilities", "drop"), value: "ALL",
			want: strings.Replace(editPod, "    image: app:1.0\n", "    image: app:1.0\n    securityContext:\n      capabilities:\n        drop:\n        - ALL\n", 1),
		},
		{
			name: "indented lists and a block scalar in an init container", src: editDeployment,
			path: p(depInit, "securityContext", "readOnlyRootFilesystem"), value: true,
			want: strings.Replace(editDeployment, "              # not a comment: part of the script\n",
				"              # not a comment: part of the script\n          securityContext:\n            readOnlyRootFilesystem: true\n", 1),
		},
		{
			name: "key added to an existing securityContext", src: editDeployment,
			path: p(dep, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: strings.Replace(editDeployment, "                - NET_RAW\n", "                - NET_RAW\n            allowPrivilegeEscalation: false\n", 1),
		},
		{
			name: "item appended to an indented block list", src: editDeployment, add: true,
			path: p(dep, "securityContext", "capabilities", "drop"), value: "ALL",
			want: strings.Replace(editDeployment, "                - NET_RAW\n", "                - NET_RAW\n                - ALL\n", 1),
		},
		{
			name: "pod-level field after the container list, before a comment", src: editDeployment,
			path: []string{"spec", "template", "spec", "securityContext", "seccompProfile", "type"}, value: "RuntimeDefault",
			want: strings.Replace(editDeployment, "      restartPolicy: Always\n", "      restartPolicy: Always\n      securityContext:\n        seccompProfile:\n          type: RuntimeDefault\n", 1),
		},
		{
			name: "pod spec field", src: editPod,
			path: []string{"spec", "automountServiceAccountToken"}, value: false,
			want: editPod + "  automountServiceAccountToken: false\n",
		},
		{
			name: "empty flow securityContext",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: {}\n",
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: {capabilities: {drop: [ALL]}}\n",
		},
		{
			name: "flow securityContext with a key",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: {runAsUser: 1000} # c\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: {runAsUser: 1000, runAsNonRoot: true} # c\n",
		},
		{
			name: "flow drop list",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {drop: [NET_RAW]}\n",
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {drop: [NET_RAW, ALL]}\n",
		},
		{
			name: "whole container in flow style",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers: [{name: a, image: 'x:1'}]\n",
			path: p(cntr, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers: [{name: a, image: 'x:1', securityContext: {allowPrivilegeEscalation: false}}]\n",
		},
		{
			name: "empty securityContext key with a comment",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: # to do\n    image: x\n",
			path: p(cntr, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: # to do\n      allowPrivilegeEscalation: false\n    image: x\n",
		},
		{
			name: "securityContext: null",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: null\n",
			path: p(cntr, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false}\n",
		},
		{
			name: "empty drop key",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        drop:\n",
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        drop:\n        - ALL\n",
		},
		{
			name: "empty scalar value",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      allowPrivilegeEscalation: # unset\n",
			path: p(cntr, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      allowPrivilegeEscalation: false # unset\n",
		},
		{
			name: "existing value replaced, comment kept",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      allowPrivilegeEscalation: true # needs sudo\n",
			path: p(cntr, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      allowPrivilegeEscalation: false # needs sudo\n",
		},
		{
			name: "quoted value replaced",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      seccompProfile:\n        type: \"Unconfined\"\n",
			path: p(cntr, "securityContext", "seccompProfile", "type"), value: "RuntimeDefault",
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      seccompProfile:\n        type: RuntimeDefault\n",
		},
		{
			name: "a string YAML would read as a bool is quoted",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n",
			path: p(cntr, "name"), value: "yes",
			want: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: \"yes\"\n",
		},
		{
			name: "four-space indentation, indented lists",
			src:  "apiVersion: v1\nkind: Pod\nspec:\n    containers:\n        -   name: a\n            ports:\n                - containerPort: 80\n",
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
			want: "apiVersion: v1\nkind: Pod\nspec:\n    containers:\n        -   name: a\n            ports:\n                - containerPort: 80\n" +
				"            securityContext:\n                capabilities:\n                    drop:\n                        - ALL\n",
		},
		{
			name: "second document of a stream, no final newline",
			src:  "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n# the pod\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: x",
			obj:  1, path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
			want: "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n# the pod\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: x\n    securityContext:\n      runAsNonRoot: true",
		},
		{
			name: "document followed by another",
			src:  "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n\n# next\n---\napiVersion: v1\nkind: Service\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
			want: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n      runAsNonRoot: true\n\n# next\n---\napiVersion: v1\nkind: Service\n",
		},
		{
			name: "CRLF line ends",
			src:  "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: x\r\n",
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
			want: "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: x\r\n    securityContext:\r\n      capabilities:\r\n        drop:\r\n        - ALL\r\n",
		},
		{
			name: "item of a List",
			src:  "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: a\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: b\n",
			obj:  1, path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
			want: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: a\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: b\n      securityContext:\n        runAsNonRoot: true\n",
		},
		{
			name: "item of an indented List, comment after it",
			src:  "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    spec:\n      containers:\n        - name: a\n  # between items\n  - apiVersion: v1\n    kind: Service\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
			want: "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    spec:\n      containers:\n        - name: a\n          securityContext:\n            runAsNonRoot: true\n  # between items\n  - apiVersion: v1\n    kind: Service\n",
		},
		{
			name: "item of a JSON List",
			src:  `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Service"}, {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a"}]}}]}`,
			obj:  1, path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
			want: `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Service"}, {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}]}}]}`,
		},
		{
			name: "item of a List that uses an anchor from outside it",
			src:  "apiVersion: v1\nkind: List\nx: &img app:1.0\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: a\n      image: *img\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
		},
		{
			name: "pretty-printed JSON",
			src:  "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"spec\": {\n    \"containers\": [\n      {\n        \"name\": \"a\",\n        \"image\": \"x\"\n      }\n    ]\n  }\n}\n",
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
			want: "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"spec\": {\n    \"containers\": [\n      {\n        \"name\": \"a\",\n        \"image\": \"x\",\n        \"securityContext\": {\"capabilities\": {\"drop\": [\"ALL\"]}}\n      }\n    ]\n  }\n}\n",
		},
		{
			name: "JSON empty object",
			src:  `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {}}]}}`,
			path: p(cntr, "securityContext", "allowPrivilegeEscalation"), value: false,
			want: `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false}}]}}`,
		},
		{
			name: "JSON list appended",
			src:  `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}]}}`,
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
			want: `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW", "ALL"]}}}]}}`,
		},
		{
			name: "item already in the list", src: "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        drop: [ALL]\n",
			path: p(cntr, "securityContext", "capabilities", "drop"), add: true, value: "ALL",
		},
		{
			name: "alias on the path",
			src:  "kind: Pod\napiVersion: v1\nx: &sc {runAsUser: 1}\nspec:\n  containers:\n  - name: a\n    securityContext: *sc\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
		},
		{
			name: "anchor on the path",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: &sc\n      runAsUser: 1\n  initContainers:\n  - name: b\n    securityContext: *sc\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
		},
		{
			name: "merge key on the path",
			src:  "kind: Pod\napiVersion: v1\nbase: &b {image: x}\nspec:\n  containers:\n  - <<: *b\n    name: a\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
		},
		{
			name: "duplicate key on the path",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    securityContext: {}\n    securityContext: {}\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
		},
		{
			name: "missing list entry", src: editPod,
			path: []string{"spec", "containers", "3", "securityContext", "runAsNonRoot"}, value: true,
		},
		{
			name: "field on the path is a scalar", src: editPod,
			path: p(cntr, "image", "tag"), value: "x",
		},
		{
			name: "kept trailing lines of a block scalar would change",
			src:  "kind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    args:\n    - |+\n      x\n\n",
			path: p(cntr, "securityContext", "runAsNonRoot"), value: true,
		},
		{
			name: "unsupported value type", src: editPod,
			path: p(cntr, "securityContext", "runAsUser"), value: 1.5,
		},
		{
			name: "int value", src: editPod,
			path: p(cntr, "securityContext", "runAsUser"), value: 10001,
			want: strings.Replace(editPod, "    image: app:1.0\n", "    image: app:1.0\n    securityContext:\n      runAsUser: 10001\n", 1),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("m.yaml", []byte(tc.src))
			if err != nil || len(f.Errors) > 0 || tc.obj >= len(f.Objects) {
				t.Fatalf("parse: %v %v (%d objects)", err, f.Errors, len(f.Objects))
			}
			o := f.Objects[tc.obj]
			var e finding.Edit
			var ok bool
			if tc.add {
				e, ok = o.AddItem(tc.value, tc.path...)
			} else {
				e, ok = o.SetScalar(tc.value, tc.path...)
			}
			if tc.want == "" {
				if ok {
					t.Fatalf("edit offered where it must be refused: %+v", e)
				}
				return
			}
			if !ok {
				t.Fatal("edit refused")
			}
			got := tc.src[:e.Start] + e.NewText + tc.src[e.End:]
			if got != tc.want {
				t.Fatalf("edited:\n%s\nwant:\n%s", got, tc.want)
			}
			checkEditPositions(t, f, e)
			// The edited file reads back with the field set.
			g, err := Parse("m.yaml", []byte(got))
			if err != nil || len(g.Errors) > 0 || len(g.Objects) != len(f.Objects) {
				t.Fatalf("re-parse: %v %v", err, g.Errors)
			}
			n := editValueAt(g.Objects[tc.obj].Node, tc.path)
			if n == nil {
				t.Fatalf("re-parsed object has no %v", tc.path)
			}
			want := editNormal(tc.value)
			if tc.add {
				if n.Kind != yaml.SequenceNode || len(n.Content) == 0 || !reflect.DeepEqual(resolveScalar(n.Content[len(n.Content)-1]), want) {
					t.Errorf("re-parsed list %v does not end with %v", tc.path, tc.value)
				}
			} else if n.Kind != yaml.ScalarNode || !reflect.DeepEqual(resolveScalar(n), want) {
				t.Errorf("re-parsed %v = %v, want %v", tc.path, resolveScalar(n), want)
			}
			if g.Objects[tc.obj].Typed == nil && f.Objects[tc.obj].Typed != nil {
				t.Error("the edited object no longer decodes")
			}
		})
	}
}

// checkEditPositions requires an edit's positions to agree with its
// offsets as the reader computes positions.
func checkEditPositions(t *testing.T, f *File, e finding.Edit) {
	t.Helper()
	for _, p := range []finding.Position{e.From, e.To} {
		if at := f.src.at(p.Line, p.Column); at.Offset != p.Offset {
			t.Errorf("position %+v: line and column give offset %d", p, at.Offset)
		}
	}
	if e.From.Offset != e.Start || e.To.Offset != e.End {
		t.Errorf("edit %+v: positions disagree with offsets", e)
	}
}

// editValueAt returns the node at path under n, or nil.
func editValueAt(n *yaml.Node, path []string) *yaml.Node {
	for _, seg := range path {
		n = resolve(n)
		if n == nil {
			return nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			_, n = mapGet(n, seg)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(seg)
			if err != nil || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
	}
	return resolve(n)
}

func TestOffsetPos(t *testing.T) {
	s := newSource("x", []byte("a: é\r\nbé: c\nlast"))
	for _, tc := range []struct {
		off       int
		line, col int
	}{{0, 1, 1}, {3, 1, 4}, {5, 1, 5}, {7, 2, 1}, {8, 2, 2}, {10, 2, 3}, {14, 3, 1}, {18, 3, 5}, {99, 3, 5}} {
		p := s.offsetPos(tc.off)
		if p.Line != tc.line || p.Column != tc.col {
			t.Errorf("offset %d: %d:%d, want %d:%d", tc.off, p.Line, p.Column, tc.line, tc.col)
		}
	}
}

// FuzzEdit edits every container of whatever manifest the fuzzer makes:
// no panic, and every edit offered reads back with the value in place.
func FuzzEdit(f *testing.F) {
	f.Add(editPod)
	f.Add(editDeployment)
	f.Add("kind: Pod\napiVersion: v1\nspec:\n  containers: [{name: a, securityContext: {capabilities: {drop: [X]}}}]\n")
	f.Add("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": {\"containers\": [{\"name\": \"a\"}]}}]}")
	f.Add("apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  containers:\r\n  - name: a\r\n    securityContext:\r\n")
	f.Fuzz(func(t *testing.T, src string) {
		fl, err := Parse("f.yaml", []byte(src))
		if err != nil || fl == nil {
			return
		}
		for i, o := range fl.Objects {
			for _, c := range Containers(o) {
				for _, tc := range []struct {
					add   bool
					value any
					field []string
				}{
					{false, false, []string{"securityContext", "allowPrivilegeEscalation"}},
					{true, "ALL", []string{"securityContext", "capabilities", "drop"}},
					{false, "RuntimeDefault", []string{"securityContext", "seccompProfile", "type"}},
				} {
					path := append(append([]string(nil), c.Path...), tc.field...)
					var e finding.Edit
					var ok bool
					if tc.add {
						e, ok = o.AddItem(tc.value, path...)
					} else {
						e, ok = o.SetScalar(tc.value, path...)
					}
					if !ok {
						continue
					}
					got := src[:e.Start] + e.NewText + src[e.End:]
					g, err := Parse("f.yaml", []byte(got))
					if err != nil || len(g.Objects) != len(fl.Objects) {
						t.Fatalf("edited file does not read back: %v\n%q", err, got)
					}
					n := editValueAt(g.Objects[i].Node, path)
					if n == nil {
						t.Fatalf("edited file lacks %v:\n%q", path, got)
					}
					if tc.add {
						n = n.Content[len(n.Content)-1]
					}
					if !reflect.DeepEqual(resolveScalar(n), tc.value) {
						t.Fatalf("edited %v = %v:\n%q", path, resolveScalar(n), got)
					}
				}
			}
		}
	})
}
