package cli

import (
	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/sign"
)

// flagValues are the values shell completion offers for flags that take
// one of a fixed set (cobra's `hallmark completion bash|zsh|fish|powershell`
// scripts ask for them). -o's formats are registered with the flag
// (outputFlags.register), each command offering those it writes.
var flagValues = map[string][]string{
	"fail-on":    {"none", "any", "low", "medium", "high", "critical"},
	"ecosystem":  osvExports,
	"log-format": logFormats,
	"algorithm":  {string(sign.ECDSAP256), string(sign.Ed25519)},
}

// registerCompletions walks the command tree and registers flagValues for
// every command that has one of those flags.
func (a *app) registerCompletions(cmd *cobra.Command) {
	for name, values := range flagValues {
		if cmd.LocalNonPersistentFlags().Lookup(name) == nil && cmd.PersistentFlags().Lookup(name) == nil {
			continue
		}
		_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return values, cobra.ShellCompDirectiveNoFileComp
		})
	}
	for _, sub := range cmd.Commands() {
		a.registerCompletions(sub)
	}
}
