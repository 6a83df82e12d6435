package lang

import (
	"fmt"
	"strings"
)

// Unstable is the setting of the config variable of a feature the newest
// bpftrace calls unstable (unstable_tseries, unstable_typeinfo): allowed
// with a warning, allowed silently, or refused.
type Unstable uint8

// Settings of an unstable feature.
const (
	UnstableWarn Unstable = iota
	UnstableEnable
	UnstableError
)

func (u Unstable) String() string {
	return [...]string{"warn", "enable", "error"}[u]
}

// unstableVar parses an unstable feature's setting as bpftrace does:
// enable (or a true boolean), warn, or error (or a false boolean).
func unstableVar(field func(c *Config) *Unstable) configVar {
	return configVar{set: func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "enable", "1", "true", "yes", "on":
			*field(c) = UnstableEnable
		case "warn":
			*field(c) = UnstableWarn
		case "error", "0", "false", "no", "off":
			*field(c) = UnstableError
		default:
			return fmt.Errorf("expects enable, warn or error, got %q", v)
		}
		return nil
	}}
}

func init() {
	configVars["unstable_tseries"] = unstableVar(func(c *Config) *Unstable { return &c.UnstableTSeries })
	configVars["unstable_typeinfo"] = unstableVar(func(c *Config) *Unstable { return &c.UnstableTypeinfo })
	configVars["unstable_import_statement"] = unstableVar(func(c *Config) *Unstable { return &c.UnstableImportStatement })
	configVars["unstable_dw_ustack"] = unstableVar(func(c *Config) *Unstable { return &c.UnstableDwUstack })
}

// unstable checks the use of an unstable feature at n: an error when its
// config variable says error, a warning (once per script) when it says
// warn, in the newest bpftrace's words. It returns false after an error.
func (c *checker) unstable(n Node, feature, name string, setting Unstable) bool {
	switch setting {
	case UnstableError:
		c.errorf(n, "%s feature is not enabled by default. To enable this unstable feature, set the config flag to enable. %s=enable", feature, name)
		return false
	case UnstableWarn:
		if c.final && !c.warnedUnstable[name] {
			if c.warnedUnstable == nil {
				c.warnedUnstable = map[string]bool{}
			}
			c.warnedUnstable[name] = true
			c.warnf(n, "Script is using an unstable feature: %s. To prevent this warning you must explicitly enable it in the config e.g. %s=enable", feature, name)
		}
	}
	return true
}
