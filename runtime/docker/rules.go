package docker

import _ "embed"

// RulesFileName is the name the embedded rules file goes by in
// diagnostics and alerts.
const RulesFileName = "docker_rules.yaml"

//go:embed rules/docker_rules.yaml
var defaultRules string

// DefaultRules returns Bulwark's Falco-syntax rules file for the docker
// source (privileged containers, engine sockets and sensitive host paths
// mounted, host namespaces, dangerous capabilities, confinement disabled,
// exec into a container).
func DefaultRules() []byte { return []byte(defaultRules) }
