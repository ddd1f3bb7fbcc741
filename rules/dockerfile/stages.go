package dockerfile

import "github.com/bulwark-sec/bulwark/rule"

func stageRules() []*rule.Rule {
	return nil
}
