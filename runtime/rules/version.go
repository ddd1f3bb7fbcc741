package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// DefaultEngineVersion is the Falco engine version Bulwark claims for
// required_engine_version (runtime.md 1.2). 0.57.0 is the level the
// falcosecurity/rules files of our corpus require, and the grammar of
// runtime.md section 2 (transformers tolower/toupper/b64/basename/len,
// val(), field arguments, the exceptions syntax) is that engine's.
// A file requiring a newer engine (or engine 1.x) is refused, as Falco
// would; Options.EngineVersion overrides the claim.
const DefaultEngineVersion = "0.57.0"

// BuiltinPlugins are the Falco plugins whose capability Bulwark provides
// itself, with the version it claims for required_plugin_versions
// (runtime.md 1.3): the k8saudit family (our k8s_audit source), json (the
// jevt.* fields) and container (the container.* fields of our docker
// source). Any other plugin is a warning, not an error.
func BuiltinPlugins() map[string]string {
	return map[string]string{
		"k8saudit":     "0.18.0",
		"k8saudit-eks": "0.18.0",
		"k8saudit-gke": "0.18.0",
		"k8saudit-aks": "0.18.0",
		"k8saudit-ovh": "0.18.0",
		"json":         "0.7.0",
		"container":    "0.4.0",
	}
}

// parseEngineVersion reads a required_engine_version value: an integer N
// means 0.N.0, otherwise a semver x.y.z string.
func parseEngineVersion(s string) (*semver.Version, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return semver.New(0, n, 0, "", ""), nil
	}
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		//lint:ignore ST1005 Falco's own words, as rules lint reports them
		return nil, fmt.Errorf("Unable to parse engine version '%s' as a semver string. Expected \"x.y.z\" semver format.", s)
	}
	return v, nil
}

// compatible reports whether have satisfies want: same major, have >= want.
func compatible(have, want *semver.Version) bool {
	return have.Major() == want.Major() && !have.LessThan(want)
}
