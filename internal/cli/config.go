package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/internal/yamlsafe"
)

// configName is the configuration file read from the working directory
// when --config is not given, as syft reads .syft.yaml.
const configName = ".hallmark.yaml"

// Bounds of a configuration file: it may come with the checkout being
// scanned, so it is read as hostile input (internal/yamlsafe).
const (
	maxConfigSize  = 1 << 20
	maxConfigNodes = 100_000
)

// notInConfig are flags a configuration file does not set: they are about
// the run itself, not a setting.
var notInConfig = []string{"help", "version", "config"}

// writesFile are the flags that name a file hallmark writes (--db: scan
// and db update write the database there). A
// .hallmark.yaml found in the working directory cannot set them (nor -o
// FORMAT=FILE): in a checkout of a stranger's pull request it is theirs,
// and "file: ../../.bashrc" must not make a scan overwrite a file outside
// the checkout. A file given with --config can.
var writesFile = []string{"file", "attest", "bundle", "out", "db"}

// envName finds the environment variable a flag's usage names
// ("... (env HALLMARK_X)"): a variable that is set beats the
// configuration file, as in syft (flags, then environment, then file).
var envName = lazyregexp.New(`env (HALLMARK_[A-Z_]+)`)

// applyConfig reads the configuration file (--config, or .hallmark.yaml in
// the working directory when there is one) and sets every flag of cmd it
// names that neither the command line nor the environment set.
//
// The file is a mapping of flag names to values (a list for repeatable
// flags), checked against every command's flags, so a misspelt key is an
// error wherever it is; a key naming a command ("scan:", "db:" with
// "update:" inside) holds settings for that command only, which win over
// the top-level ones:
//
//	exclude: [./testdata/**]
//	scan:
//	  fail-on: high
func (a *app) applyConfig(cmd *cobra.Command, path string) error {
	implicit := path == ""
	if implicit {
		fi, err := os.Lstat(configName)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file (a link or a device is not read; give --config FILE)", configName)
		}
		path = configName
	}
	data, err := limited.ReadFile(path, maxConfigSize)
	if err != nil {
		return err
	}
	doc, err := yamlsafe.Parse(data, maxConfigNodes)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: want a mapping of flag names to values", path, top.Line)
	}
	c := configWalk{path: path, implicit: implicit, run: cmd, set: map[string][]string{}}
	if err := c.section(cmd.Root(), top, 0); err != nil {
		return err
	}
	// Apply what the file says, top level first, then each section
	// nearer the command (c.set keeps the nearest).
	for name, values := range c.set {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Changed {
			continue
		}
		if m := envName.FindStringSubmatch(f.Usage); m != nil && os.Getenv(m[1]) != "" {
			continue
		}
		// A list replaces a repeatable flag's default (pflag's SliceValue).
		if sv, ok := f.Value.(interface{ Replace([]string) error }); ok {
			if err := sv.Replace(values); err != nil {
				return fmt.Errorf("%s: %s: %w", path, name, err)
			}
			continue
		}
		for _, v := range values {
			if err := f.Value.Set(v); err != nil {
				return fmt.Errorf("%s: %s: %w", path, name, err)
			}
		}
	}
	return nil
}

type configWalk struct {
	path     string
	implicit bool
	run      *cobra.Command // the command being run
	set      map[string][]string
	depth    map[string]int // of the section that set each flag
}

// section checks the keys of m against the flags and subcommands of cmd,
// and records the values for the command being run when cmd is it or one
// of its parents.
func (c *configWalk) section(cmd *cobra.Command, m *yaml.Node, depth int) error {
	applies := false
	for p := c.run; p != nil; p = p.Parent() {
		if p == cmd {
			applies = true
		}
	}
	if c.depth == nil {
		c.depth = map[string]int{}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		key := k.Value
		if seen[key] {
			return fmt.Errorf("%s:%d: %q set twice", c.path, k.Line, key)
		}
		seen[key] = true
		if v.Kind == yaml.MappingNode {
			sub := subcommand(cmd, key)
			if sub == nil {
				return fmt.Errorf("%s:%d: unknown command %q in %s (want a flag name, or one of: %s)", c.path, k.Line, key, cmd.CommandPath(), strings.Join(subcommandNames(cmd), ", "))
			}
			if err := c.section(sub, v, depth+1); err != nil {
				return err
			}
			continue
		}
		if !knownFlag(cmd, key) {
			where := "any command"
			if cmd.HasParent() {
				where = cmd.CommandPath()
			}
			return fmt.Errorf("%s:%d: unknown key %q: not a flag of %s", c.path, k.Line, key, where)
		}
		values, err := c.values(key, v)
		if err != nil {
			return err
		}
		if applies {
			if d, ok := c.depth[key]; !ok || depth >= d {
				c.set[key], c.depth[key] = values, depth
			}
		}
	}
	return nil
}

// values are a flag's values: a scalar or a list of scalars.
func (c *configWalk) values(key string, v *yaml.Node) ([]string, error) {
	var out []string
	switch v.Kind {
	case yaml.ScalarNode:
		out = []string{v.Value}
	case yaml.SequenceNode:
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: %s: want a value or a list of values", c.path, e.Line, key)
			}
			out = append(out, e.Value)
		}
	default:
		return nil, fmt.Errorf("%s:%d: %s: want a value or a list of values", c.path, v.Line, key)
	}
	if c.implicit {
		writes := slices.Contains(writesFile, key)
		if key == "output" {
			writes = slices.ContainsFunc(out, func(s string) bool { return strings.Contains(s, "=") })
		}
		if writes {
			return nil, fmt.Errorf("%s:%d: %s names a file to write, which only the command line or a --config file may set (a %s in the working directory may come from the checkout being scanned)", c.path, v.Line, key, configName)
		}
	}
	return out, nil
}

// knownFlag reports whether name is a flag of cmd or of any command below
// it (a top-level key may name any command's flag; it applies to those
// that have it).
func knownFlag(cmd *cobra.Command, name string) bool {
	if slices.Contains(notInConfig, name) {
		return false
	}
	if cmd.Flags().Lookup(name) != nil || cmd.PersistentFlags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil {
		return true
	}
	for _, sub := range cmd.Commands() {
		if knownFlag(sub, name) {
			return true
		}
	}
	return false
}

func subcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, sub := range cmd.Commands() {
		if sub.Name() == name {
			return sub
		}
	}
	return nil
}

func subcommandNames(cmd *cobra.Command) []string {
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return names
}
