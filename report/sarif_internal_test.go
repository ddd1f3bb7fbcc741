package report

import "testing"

func TestArtifact(t *testing.T) {
	for in, want := range map[string]sarifArtifact{
		"svc/Dockerfile":        {URI: "svc/Dockerfile", URIBaseID: "%SRCROOT%"},
		"./my app/Dockerfile":   {URI: "my%20app/Dockerfile", URIBaseID: "%SRCROOT%"},
		"/tmp/a b/Dockerfile":   {URI: "file:///tmp/a%20b/Dockerfile"},
		"C:/src/Dockerfile":     {URI: "file:///C:/src/Dockerfile"},
		`C:\src\x#1\Dockerfile`: {URI: "file:///C:/src/x%231/Dockerfile"},
		"dir/Dockerfile?v=1":    {URI: "dir/Dockerfile%3Fv=1", URIBaseID: "%SRCROOT%"},
	} {
		if got := artifact(in); got != want {
			t.Errorf("artifact(%q) = %+v, want %+v", in, got, want)
		}
	}
}
