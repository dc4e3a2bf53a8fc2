// Package setup runs the commands that make the benchmarks' inputs (npm,
// go, apt-get, dpkg-deb and the like). Their output goes to stderr, so
// stdout carries only the figures; they are not measured.
package setup

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Run runs name with args in dir (the current directory when empty) and
// names the command line in its error.
func Run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
