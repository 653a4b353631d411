package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/solver"
)

// commit is the commit tracebound was built from when the build has no
// VCS information (a git worktree, or GOFLAGS=-buildvcs=false): make
// build sets it with -ldflags "-X main.commit=…".
var commit = "unknown"

// versionString names the build: the module version (a tag when built
// with go install …@version, "(devel)" from a checkout), the commit it
// was built from (with "+modified" for uncommitted changes), Go's and
// Z3's versions.
func versionString() string {
	version, commit := "(devel)", commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
				if len(commit) > 12 {
					commit = commit[:12]
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified {
			commit += "+modified"
		}
	}
	return fmt.Sprintf("tracebound %s (commit %s, %s, Z3 %s)", version, commit, runtime.Version(), solver.Z3Version())
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of tracebound, the commit it was built from, and Z3's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), versionString())
			return nil
		},
	}
}
