package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildInfo is what `hallmark version` prints, read from the binary's own
// build information (debug.ReadBuildInfo), so it is true of every build
// without linker flags: the module version `go install ...@vX` records,
// the VCS revision and its time that `go build` in a checkout records.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"` // the commit's time: Go records no build time
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: Version(), GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.GoVersion = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.Date = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// Version is the module version of this build.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func writeVersion(w io.Writer, b buildInfo) error {
	or := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	commit := or(b.Commit)
	if b.Modified {
		commit += " (modified)"
	}
	_, err := fmt.Fprintf(w, "hallmark %s\ncommit:   %s\ndate:     %s\ngo:       %s\nplatform: %s\n",
		b.Version, commit, or(b.Date), b.GoVersion, b.Platform)
	return err
}

func (a *app) versionCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print hallmark's version, commit, Go version and platform",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			b := readBuildInfo()
			return a.writeOutputs(outs, func(w io.Writer, o output) error {
				if o.format == formatJSON {
					return writeJSON(w, b)
				}
				return writeVersion(w, b)
			})
		},
	}
	out.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	return cmd
}
