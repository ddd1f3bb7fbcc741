package dockerfile

import "github.com/bulwark-sec/bulwark/rule"

func supplyRules() []*rule.Rule {
	return nil
}
