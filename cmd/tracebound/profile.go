package main

import (
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// addProfileFlags adds the hidden --cpuprofile flag, for the developers:
// a Go CPU profile of the whole command (go tool pprof reads it). Time
// inside Z3 shows as cgo calls.
func addProfileFlags(root *cobra.Command) {
	var path string
	var f *os.File
	root.PersistentFlags().StringVar(&path, "cpuprofile", "", "write a Go CPU profile to `FILE`")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if path == "" {
			return nil
		}
		var err error
		if f, err = os.Create(path); err != nil {
			return usageError("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return usageError("--cpuprofile: %v", err)
		}
		return nil
	}
	stopProfile = func() error {
		if f == nil {
			return nil
		}
		pprof.StopCPUProfile()
		err := f.Close()
		f = nil
		return err
	}
}

// stopProfile ends the profile --cpuprofile started; run calls it after
// the command, whatever its outcome (cobra skips post-run hooks after an
// error, and a falsified lemma is one).
var stopProfile = func() error { return nil }
