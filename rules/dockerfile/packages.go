package dockerfile

import "github.com/bulwark-sec/bulwark/rule"

func packageRules() []*rule.Rule {
	return nil
}
