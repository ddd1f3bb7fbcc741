package audit_test

import (
	"testing"

	"github.com/bulwark-sec/bulwark/rules/audit"
	"github.com/bulwark-sec/bulwark/ruletest"
)

// TestRules runs every rule over testdata/<ID>/: each needs a case that
// fires and one that must not.
func TestRules(t *testing.T) { ruletest.RunRules(t, audit.Rules(), "testdata") }
