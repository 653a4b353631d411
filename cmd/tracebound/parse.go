package main

import (
	"encoding/json"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/rules"
)

// modelFlags are the flags every command that reads a model takes.
type modelFlags struct {
	defines []string
}

func (f *modelFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&f.defines, "define", "D", nil, "set a preprocessor flag for #ifdef (repeatable)")
}

// load reads and checks a model, printing its diagnostics to stderr. It
// returns an exit error with status code when the model has errors.
func (f *modelFlags) load(cmd *cobra.Command, path string, code int) (*rules.Theory, error) {
	th, diags := rules.Load(path, rules.Options{Defines: f.defines})
	diags.Print(cmd.ErrOrStderr())
	if diags.HasErrors() {
		return nil, &exitError{code: code}
	}
	return th, nil
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
Errors and warnings go to standard error with file:line:column.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			th, err := mf.load(cmd, args[0], exitFailed)
			if err != nil {
				return err
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
