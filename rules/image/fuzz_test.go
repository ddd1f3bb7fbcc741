package image

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	imgsrc "github.com/bulwark-sec/bulwark/source/image"
)

// FuzzHistory runs every rule over an image whose history, user, ports
// and env come from the fuzzer: created_by is text a hostile image
// chooses. No rule may fail or panic, and no message may show a build
// argument's value.
func FuzzHistory(f *testing.F) {
	for _, s := range []string{
		"RUN |2 A=1 NPM_TOKEN=npm_Jr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIx /bin/sh -c npm ci # buildkit",
		"|1 DB_PASSWORD=Kx8vP2qLm9Rt /bin/sh -c ./migrate", "/bin/sh -c #(nop)  ENV A=1 B=2", "ENV LEGACY value with spaces",
		"ADD https://u:p@example.com/x.tgz?sig=1 /opt/ # buildkit", "|", "RUN |x", "|99999999999999999999 a", "LABEL a=\"b c\"",
		`RUN /bin/sh -c curl -H "Authorization: Bearer q8Zk3LmX9vR2tY7wP4nB6cJd" https://api/ # buildkit`,
	} {
		f.Add(s, "0:0", "22/tcp")
	}
	rules := Rules()
	f.Fuzz(func(t *testing.T, createdBy, user, port string) {
		facts := &imgsrc.Facts{
			Ref: "r",
			Config: &v1.ConfigFile{
				History: []v1.History{{CreatedBy: createdBy}},
				Config: v1.Config{User: user, Cmd: []string{"x"}, ExposedPorts: map[string]struct{}{port: {}},
					Env: []string{createdBy}, Labels: map[string]string{user: createdBy}},
			},
			Layers:   []imgsrc.Layer{{CreatedBy: createdBy}},
			Secrets:  []imgsrc.Secret{{Path: user, Layer: 0, RemovedBy: 7, Redacted: "x********"}},
			Special:  []imgsrc.FileFact{{Path: port, Mode: 1 << 23}},
			Programs: []imgsrc.FileFact{{Path: user}},
		}
		args, _ := buildArgs(strings.TrimPrefix(strings.TrimSpace(createdBy), "RUN "))
		for _, r := range rules {
			err := r.Check(rule.NewPass(r, facts, func(fd finding.Finding) {
				if r.ID != "IM004" && r.ID != "IM011" {
					return
				}
				for _, kv := range args {
					if len(kv[1]) >= 12 && credential(kv[0], kv[1]) != "" && strings.Contains(fd.Message, kv[1]) {
						t.Fatalf("%s shows the value of %s: %s", r.ID, kv[0], fd.Message)
					}
				}
			}))
			if err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
		}
	})
}
