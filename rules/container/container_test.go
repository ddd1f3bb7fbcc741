package container_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark/rules/container"
	"github.com/bulwark-sec/bulwark/ruletest"
)

// TestRules runs every rule over testdata/<ID>/: each needs a case that
// fires and one that must not, and a golden file when it offers fixes.
func TestRules(t *testing.T) { ruletest.RunRules(t, container.Rules(), "testdata") }
