package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/registry"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/source"
	"github.com/hallmark-dev/hallmark/source/image"
)

// inventoryFormats are the outputs of `hallmark sbom` that are not SBOM
// standards.
const (
	formatJSON  = "json"
	formatTable = "table"
)

func (a *app) sbomCmd() *cobra.Command {
	var (
		format      string
		output      string
		maxSize     int64
		nodeModules bool
	)
	cmd := &cobra.Command{
		Use:   "sbom TARGET",
		Short: "Inventory a directory, lockfile or binary and write an SBOM",
		Long: `Inventory TARGET (a directory, a single lockfile or manifest, or a binary)
and write an SBOM.

Formats (-o): cyclonedx-json (default, CycloneDX 1.6), cyclonedx-xml,
spdx-json (SPDX 2.3), spdx-tag-value, json (hallmark's inventory), table.
Timestamps come from SOURCE_DATE_EPOCH when it is set, so output can be
reproduced byte for byte.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			inv, err := a.inventory(cmd, args[0], extract.Options{MaxFileSize: maxSize, WalkNodeModules: nodeModules})
			if err != nil {
				return withCode(ExitError, err)
			}
			if err := a.writeOutput(output, func(w io.Writer) error { return encodeInventory(w, inv, format) }); err != nil {
				return withCode(ExitError, err)
			}
			return a.reportSkipped(inv)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "o", envOr("HALLMARK_SBOM_FORMAT", "cyclonedx-json"), "output format: cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, json, table (env HALLMARK_SBOM_FORMAT)")
	cmd.Flags().StringVar(&output, "output", "", "write to this file instead of stdout")
	cmd.Flags().Int64Var(&maxSize, "max-file-size", extract.DefaultMaxFileSize, "skip files larger than this many bytes")
	cmd.Flags().BoolVar(&nodeModules, "node-modules", false, "also walk node_modules directories that sit beside a lockfile")
	return cmd
}

// inventory opens target and extracts everything in it.
// Container images (see image.go) become a squashed file system first.
func (a *app) inventory(cmd *cobra.Command, target string, opts extract.Options) (*inventory.Inventory, error) {
	if kind, ref, err := image.Detect(target); err == nil {
		return a.imageInventory(cmd.Context(), kind, ref, target, opts)
	}
	src, err := source.Open(target)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	opts.Extractors = registry.Default()
	opts.Only = src.Only
	opts.Logger = a.log
	inv, err := extract.Run(cmd.Context(), src.FS, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	inv.Target = src.Target
	return inv, nil
}

// reportSkipped turns skipped inputs into the partial exit code. The
// skipped files were already logged as the walk met them.
func (a *app) reportSkipped(inv *inventory.Inventory) error {
	if len(inv.Skipped) == 0 {
		return nil
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "hallmark: %d input(s) skipped; the output lists them\n", len(inv.Skipped))
	}
	return withCode(ExitPartial, errPartial)
}

// writeOutput runs write against stdout, or against the named file, which
// is replaced only once everything was written.
func (a *app) writeOutput(name string, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		bw := bufio.NewWriterSize(a.stdout, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".hallmark-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// encodeInventory writes inv in the named format.
func encodeInventory(w io.Writer, inv *inventory.Inventory, format string) error {
	switch format {
	case formatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(inv)
	case formatTable:
		return report.InventoryTable(w, inv)
	}
	return fmt.Errorf("unknown format %q (want cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, json or table)", format)
}

// sourceDateEpoch is the time SBOMs record: SOURCE_DATE_EPOCH when set
// (reproducible builds), else now.
func sourceDateEpoch() (time.Time, error) {
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", v)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}
