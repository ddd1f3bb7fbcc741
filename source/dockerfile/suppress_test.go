package dockerfile

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSuppressionScopes(t *testing.T) {
	src := `FROM alpine:3.20
# bulwark:ignore DF101 -- next instruction
RUN apk add curl
RUN apk add \
    # bulwark:ignore DF107 -- inside the continuation: this RUN only
    jq
RUN apk add wget
COPY <<EOF /etc/motd
# bulwark:ignore DF001 -- heredoc content, not a comment
EOF
RUN make # bulwark:ignore DF118 -- trailing
# hadolint global ignore=DL3018
`
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	type scope struct {
		Names    string
		From, To int
	}
	var got []scope
	for _, d := range f.Suppressions() {
		got = append(got, scope{d.Names[0], d.FromLine, d.ToLine})
	}
	want := []scope{{"DF101", 2, 3}, {"DF107", 4, 6}, {"DL3018", 0, 0}, {"DF118", 11, 11}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
}
