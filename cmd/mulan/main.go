// Command mulan trains, combines, evaluates and serves multilingual (English and
// Chinese) language models. It only parses flags and calls library packages;
// each subcommand lives in its own file and registers itself with root.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

var root = &cobra.Command{
	Use:           "mulan",
	Short:         "Multilingual language models: n-gram and neural LMs, transfer learning, evaluation",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// register adds subcommands to the root command; each command file calls it from init.
func register(cmds ...*cobra.Command) { root.AddCommand(cmds...) }

func main() {
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "mulan:", err)
		os.Exit(1)
	}
}
