package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/internal/plural"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/registry"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/source"
)

// sbomFormats are what `hallmark sbom` and `sbom convert` write.
var sbomFormats = []string{formatCycloneDXJSON, formatCycloneDXXML, formatSPDXJSON, formatSPDXTagValue, formatJSON, formatTable}

func (a *app) sbomCmd() *cobra.Command {
	var (
		out         outputFlags
		maxSize     int64
		nodeModules bool
		att         attestFlags
		excl        excludeFlags
	)
	cmd := &cobra.Command{
		Use:   "sbom TARGET",
		Short: "Inventory a directory, lockfile, binary, image or SBOM and write an SBOM",
		Long: `Inventory TARGET and write an SBOM. TARGET is a directory (dir:PATH), a
single lockfile, manifest or binary (file:PATH), an SBOM (sbom:PATH, or "-"
for stdin), a container image (oci:DIR[:TAG], oci-archive:TAR,
docker-archive:TAR, registry:REF), or an image reference such as
alpine:3.20 when no local path has that name.

Formats (-o FORMAT, or -o FORMAT=FILE, repeatable: several outputs from one
inventory): cyclonedx-json (CycloneDX 1.6), cyclonedx-xml, spdx-json
(SPDX 2.3), spdx-tag-value, json (hallmark's inventory), table. syft's
names work too: cyclonedx (XML), spdx (tag-value), syft-table. The default
is table on a terminal and cyclonedx-json otherwise.
Timestamps come from SOURCE_DATE_EPOCH when it is set, so output can be
reproduced byte for byte.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			setMemoryLimit()
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			// The attestation's predicate is the first JSON SBOM output.
			predicateType, attested := "", -1
			if att.bundle != "" {
				for i, o := range outs {
					switch o.format {
					case formatCycloneDXJSON:
						predicateType = attest.PredicateCycloneDX
					case formatSPDXJSON:
						predicateType = attest.PredicateSPDX
					default:
						continue
					}
					attested = i
					break
				}
				if attested < 0 {
					return withCode(ExitError, fmt.Errorf("--attest needs -o cyclonedx-json or spdx-json (a predicate is JSON)"))
				}
				if err := att.check(); err != nil {
					return withCode(ExitError, err)
				}
			}
			opts := extract.Options{MaxFileSize: maxSize, WalkNodeModules: nodeModules}
			if err := excl.apply(&opts); err != nil {
				return withCode(ExitError, err)
			}
			inv, _, err := a.inventory(cmd, args[0], opts)
			if err != nil {
				return withCode(ExitError, err)
			}
			excl.warnUnused(a)
			at, err := a.prepareAttestation(att, inv.Target)
			if err != nil {
				return withCode(ExitError, err)
			}
			// Streamed to each output: never the whole SBOM in memory,
			// except the attested one, made once so that what is written
			// and what is signed are the same bytes.
			var signed bytes.Buffer
			err = a.writeOutputs(outs, func(w io.Writer, o output) error {
				if attested >= 0 && o == outs[attested] {
					if err := encodeInventory(&signed, inv, o.format); err != nil {
						return err
					}
					_, err := w.Write(signed.Bytes())
					return err
				}
				return encodeInventory(w, inv, o.format)
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			if at != nil {
				if err := a.writeAttestation(at, predicateType, signed.Bytes()); err != nil {
					return withCode(ExitError, err)
				}
			}
			return a.reportSkipped(inv)
		},
	}
	out.register(cmd, "HALLMARK_SBOM_FORMAT", sbomFormats, formatCycloneDXJSON)
	cmd.Flags().Int64Var(&maxSize, "max-file-size", extract.DefaultMaxFileSize, "skip files larger than this many bytes")
	cmd.Flags().BoolVar(&nodeModules, "node-modules", false, "also walk node_modules directories that sit beside a lockfile")
	att.register(cmd, "the SBOM")
	excl.register(cmd)
	cmd.AddCommand(a.sbomConvertCmd())
	return cmd
}

// sbomConvertCmd reads an SBOM of any producer and writes it in another
// format, through the inventory.
func (a *app) sbomConvertCmd() *cobra.Command {
	var (
		out outputFlags
		to  string
	)
	cmd := &cobra.Command{
		Use:   "convert SBOM",
		Short: "Convert an SBOM (CycloneDX or SPDX, any producer) to another format",
		Long: `Read SBOM (CycloneDX 1.2-1.7 JSON or XML, SPDX 2.2/2.3 JSON or tag-value,
from any producer; "-" reads stdin) and write it in the formats -o names,
as hallmark sbom does: cyclonedx-json, cyclonedx-xml, spdx-json,
spdx-tag-value, json (hallmark's inventory) or table; -o FORMAT=FILE
writes a file. The input format is detected.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			setMemoryLimit()
			if to != "" {
				a.warn("--to is deprecated: use -o/--output FORMAT")
				out.values = append(out.values, to)
			}
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			// The same SBOM source scan and sbom use; the document's own
			// target is kept, since converting changes only the format.
			src, err := source.Open(cmd.Context(), source.PrefixSBOM+args[0], source.Options{})
			if err != nil {
				return withCode(ExitError, err)
			}
			defer src.Close()
			inv, err := src.Decoded(cmd.Context())
			if err != nil {
				return withCode(ExitError, err)
			}
			name := args[0]
			if name == source.Stdin {
				name = "stdin"
			}
			a.log.Debug("read SBOM", "file", name, "packages", len(inv.Packages))
			a.warnEmptySBOM(name, inv)
			if err := a.writeOutputs(outs, func(w io.Writer, o output) error { return encodeInventory(w, inv, o.format) }); err != nil {
				return withCode(ExitError, err)
			}
			return nil
		},
	}
	out.register(cmd, "HALLMARK_SBOM_FORMAT", sbomFormats, formatCycloneDXJSON)
	// --to was convert's format flag before -o was one flag everywhere.
	cmd.Flags().StringVar(&to, "to", "", "")
	_ = cmd.Flags().MarkHidden("to")
	return cmd
}

// inventory is the pipeline from a target to its inventory: source.Open
// recognises the target's kind, extract.Inventory decodes or walks it.
// root is the local directory the locations are relative to ("" for
// images and SBOMs).
func (a *app) inventory(cmd *cobra.Command, target string, opts extract.Options) (inv *inventory.Inventory, root string, err error) {
	// Images and big trees take a while: a line on a terminal says so.
	defer a.working("reading " + target)()
	exs := registry.Default()
	src, err := source.Open(cmd.Context(), target, source.Options{
		Want: extract.Wanted(exs), Platform: a.platform, MaxFileSize: opts.MaxFileSize, Logger: a.log,
	})
	if err != nil {
		return nil, "", err
	}
	defer src.Close()
	// Warnings name paths in the target as the user would (logformat.go).
	switch src.Target().Kind {
	case source.KindFile:
		a.targetFile = strings.TrimPrefix(target, source.PrefixFile)
	case source.KindDirectory:
		a.targetDir = src.Root()
	}
	opts.Extractors = exs
	opts.Logger = a.log
	inv, err = extract.Inventory(cmd.Context(), src, opts)
	if err != nil {
		return nil, "", err
	}
	switch inv.Target.Kind {
	case source.KindSBOM:
		a.warnEmptySBOM(inv.Target.Name, inv)
	case source.KindFile:
		if len(inv.Packages) == 0 && len(inv.Skipped) == 0 && len(inv.Unresolved) == 0 {
			// An empty SBOM of a single file is most often a file
			// hallmark does not read (or a binary with no module
			// information); say so rather than let it pass for "no
			// dependencies".
			a.log.Warn("no extractor recognised this file: not a lockfile, manifest, package database or Go/Rust binary that hallmark reads", "file", target)
		}
	}
	return inv, src.Root(), nil
}

// memoryLimit is the soft limit of the Go heap for the commands that read
// or write whole SBOMs, unless GOMEMLIMIT says otherwise. Without it the
// collector lets the heap grow to twice what is live before collecting:
// 600 MB live while reading a 300,000-package SPDX document was 1.5 GB
// of RSS (issue 15, item 14). Under the limit it collects sooner instead.
const memoryLimit = 768 << 20

func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// warnEmptySBOM says so when an SBOM lists no packages: a valid document
// can be empty, but it must not pass silently for software without
// dependencies.
func (a *app) warnEmptySBOM(name string, inv *inventory.Inventory) {
	if len(inv.Packages) == 0 {
		a.log.Warn("the SBOM lists no packages", "file", name)
	}
}

// reportSkipped turns skipped inputs into the partial exit code. The
// skipped files were already logged as the walk met them.
func (a *app) reportSkipped(inv *inventory.Inventory) error {
	if len(inv.Skipped) == 0 {
		return nil
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "hallmark: %s skipped; the output lists them\n", plural.S(len(inv.Skipped), "input"))
	}
	return withCode(ExitPartial, errPartial)
}

// writeOutput runs write against stdout, or against the named file (see
// replaceFile).
func (a *app) writeOutput(name string, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		bw := bufio.NewWriterSize(a.stdout, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	return replaceFile(name, 0o644, write)
}

// encodeInventory writes inv in the named format.
func encodeInventory(w io.Writer, inv *inventory.Inventory, format string) error {
	switch format {
	case formatJSON:
		return report.InventoryJSON(w, inv)
	case formatTable:
		return report.InventoryTable(w, inv)
	}
	if sbom.IsFormat(format) {
		t, err := sourceDateEpoch()
		if err != nil {
			return err
		}
		return sbom.Encode(w, inv, sbom.Format(format), sbom.EncodeOptions{Time: t, ToolVersion: Version()})
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(sbomFormats, ", "))
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
