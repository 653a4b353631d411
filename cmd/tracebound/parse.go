package main

import (
	"encoding/json"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/rules"
)

// modelFlags are the flags every command that reads a model takes.
type modelFlags struct {
	defines        []string
	tamarinDefines []string // --defines=FLAG, Tamarin's spelling of -D
	quitOnWarning  bool
}

func (f *modelFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringArrayVarP(&f.defines, "define", "D", nil, "set a preprocessor flag for #ifdef (repeatable)")
	fs.StringArrayVar(&f.tamarinDefines, "defines", nil, "Tamarin's name for -D")
	fs.BoolVar(&f.quitOnWarning, "quit-on-warning", false, "treat warnings about the model as errors (as Tamarin's flag of that name)")
}

// load reads and checks a model, printing its diagnostics to stderr. It
// returns the theory (nil when the model has errors, or warnings with
// --quit-on-warning) and the diagnostics.
func (f *modelFlags) load(cmd *cobra.Command, path string) (*rules.Theory, rules.Diagnostics) {
	th, diags := rules.Load(path, rules.Options{Defines: append(append([]string{}, f.defines...), f.tamarinDefines...)})
	diags.Print(cmd.ErrOrStderr())
	if diags.HasErrors() || f.quitOnWarning && diags.Count(rules.SevWarning) > 0 {
		return nil, diags
	}
	return th, diags
}

func newParseCmd() *cobra.Command {
	var mf modelFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "parse FILE",
		Short: "Check a model and print it after preprocessing and macro expansion",
		Long: `parse reads a model, runs the preprocessor (#include, #ifdef, #define and the
-D flags), expands macros, let blocks, predicates and builtins, runs the
well-formedness checks, and prints the model in Tamarin syntax (or as JSON).
Errors and warnings go to standard error with file:line:column.

Exit status: 0 the model is well formed (warnings allowed, unless
--quit-on-warning); 1 it has errors; 2 a usage error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			th, _ := mf.load(cmd, args[0])
			if th == nil {
				return &exitError{code: exitFailed}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(th)
			}
			return th.Print(cmd.OutOrStdout())
		},
	}
	mf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the model as JSON")
	return cmd
}
