package dockerfile

import "github.com/bulwark-sec/bulwark/rule"

func styleRules() []*rule.Rule {
	return nil
}
