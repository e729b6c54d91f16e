package icpcheck_test

import "github.com/icpcheck/icpcheck/i18n"

func langOf(tag string) i18n.Lang {
	l, _ := i18n.Parse(tag)
	return l
}
