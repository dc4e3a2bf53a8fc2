package extract

import (
	"context"
	"errors"
	"fmt"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"io/fs"
	"log/slog"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/hallmark-dev/hallmark/inventory"
)

// DefaultMaxFileSize bounds the size of any one file an extractor reads.
const DefaultMaxFileSize = 512 << 20

// MaxReason bounds the runes of a skipped file's reason: enough for the
// position, the field, what was expected and a short quote of what was
// found.
const MaxReason = 512

// Options tune a Run.
type Options struct {
	// Extractors to use; extract/registry.Default() has them all.
	Extractors []Extractor
	// MaxFileSize bounds each file read (0: DefaultMaxFileSize). Larger files
	// that an extractor claims are skipped and listed in Inventory.Skipped.
	MaxFileSize int64
	// WalkNodeModules also walks node_modules directories that sit beside a
	// lockfile; by default the lockfile speaks for them.
	WalkNodeModules bool
	// NodeModulesExecutables walks the node_modules directories a lockfile
	// speaks for all the same, but only for executables: the lockfile names
	// the npm packages, not the native programs they ship (esbuild's is a
	// Go binary, with a Go standard library of its own). Image sources set
	// it, since their tree is already in memory; on a disk it would cost a
	// stat per file of node_modules.
	NodeModulesExecutables bool
	// Only restricts the walk to these paths (a single-file target). Files
	// named here are treated as executable so binary extractors try them.
	Only []string
	// RootName is the name of the directory the FS root is on the host
	// (the target directory's, or a single-file target's parent's), when
	// there is one. Files at the root are also offered to Claims as
	// "RootName/file", so that a file an extractor recognises by the
	// directory it is in (requirements/*.txt) is recognised when that
	// directory, or the file itself, is the target.
	RootName string
	// Logger receives warnings about skipped files; nil discards them.
	Logger *slog.Logger
	// Workers is the number of files parsed at once (0: GOMAXPROCS).
	Workers int
	// BinaryFacts records, for each Go binary, the facts matching needs for
	// reachability (Inventory.GoBinaries: platform, packages, functions).
	// It costs a read of each binary's symbol table, which no SBOM needs,
	// so only scans set it.
	BinaryFacts bool
	// Exclude, when set, leaves out each path (slash-separated, relative
	// to the root) it reports true for; an excluded directory is not
	// entered. The CLI's --exclude globs (extract/exclude) set it.
	Exclude func(path string, dir bool) bool
}

// manifest is a file a Manifests extractor names, with its lockfiles.
type manifest struct {
	path    string
	locks   []string
	command string
}

// lockedAbove reports whether one of the manifest's lockfiles is in its
// directory or a parent, up to the root of the source.
func lockedAbove(fsys fs.FS, m manifest) bool {
	for dir := path.Dir(m.path); ; dir = path.Dir(dir) {
		if hasAny(fsys, dir, m.locks) {
			return true
		}
		if dir == "." || dir == "/" {
			return false
		}
	}
}

type job struct {
	path string
	info fs.FileInfo
	ex   Extractor
}

type result struct {
	// unreadable: skip is for the file's reading, not its content.
	unreadable bool
	pkgs       []inventory.Package
	rels       []inventory.Relationship
	bins       []inventory.GoBinary
	skip       *inventory.Skipped
	// parts are the parts of a file read otherwise whole that were not (Input.Skip).
	parts []inventory.Skipped
}

// Run walks fsys and extracts every claimed file. The walk does not follow
// symbolic links (so loops cannot trap it), never enters .git, and records
// unreadable directories and unparseable files in Inventory.Skipped while the
// rest is still inventoried. It returns an error only if ctx is cancelled or
// the root cannot be read at all.
func Run(ctx context.Context, fsys fs.FS, opts Options) (*inventory.Inventory, error) {
	inv, _, err := run(ctx, fsys, opts)
	return inv, err
}

// counts says how much of a target run read: the files read without
// being skipped, and the inputs skipped because they could not be read at
// all (permissions, I/O), as opposed to what they held.
type counts struct{ read, unreadable int }

// run is Run, also counting what it read.
func run(ctx context.Context, fsys fs.FS, opts Options) (*inventory.Inventory, counts, error) {
	var n counts
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limit := opts.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	inv := &inventory.Inventory{}
	if data, err := ReadFile(fsys, "etc/os-release", 64<<10); err == nil {
		inv.Distro = inventory.ParseOSRelease(data)
	} else if data, err := ReadFile(fsys, "usr/lib/os-release", 64<<10); err == nil {
		inv.Distro = inventory.ParseOSRelease(data)
	}

	var jobs []job
	var skipped []inventory.Skipped
	skip := func(p, reason string) {
		// A reason quotes what was wrong in the file; an extractor that
		// quotes a whole line of a hostile file (one line of 500 MB)
		// must not carry it into every report, so it is cut here, once
		// for all of them.
		reason = escape.Excerpt(reason, MaxReason)
		log.Warn("skipped", "path", p, "reason", reason)
		skipped = append(skipped, inventory.Skipped{Path: p, Reason: reason})
	}
	// execOnly: p is inside a node_modules directory a lockfile speaks for,
	// walked for executables only (NodeModulesExecutables); only extractors
	// that claim it for being executable get it.
	var manifests []manifest
	claim := func(p string, info fs.FileInfo, mode fs.FileMode, execOnly bool) {
		if execOnly && !IsExecutable(mode) {
			return
		}
		for _, ex := range opts.Extractors {
			if m, ok := ex.(Manifests); ok {
				if locks, command, ok := m.LockedBy(p); ok {
					manifests = append(manifests, manifest{p, locks, command})
				}
			}
		}
		asIn := ""
		if opts.RootName != "" && !strings.Contains(p, "/") {
			asIn = opts.RootName + "/" + p
		}
		for _, ex := range opts.Extractors {
			if !ex.Claims(p, mode) && (asIn == "" || !ex.Claims(asIn, mode)) {
				continue
			}
			// In a covered node_modules only claims made because the file
			// is executable count: packages ship lockfiles of their own
			// (uri-js an executable yarn.lock) that do not describe what
			// is installed.
			if execOnly && ex.Claims(p, mode&^0o111) {
				continue
			}
			if info.Size() > limit {
				skip(p, fmt.Sprintf("%d bytes is over the %d-byte limit", info.Size(), limit))
				return
			}
			jobs = append(jobs, job{p, info, ex})
		}
	}

	if len(opts.Only) > 0 {
		for _, p := range opts.Only {
			info, err := fs.Stat(fsys, p)
			if err != nil {
				return nil, n, err
			}
			claim(p, info, info.Mode()|0o111, false)
		}
	} else {
		covered := coveredDirs(opts.Extractors)
		err := walk(ctx, fsys, func(p string, d fs.DirEntry, execOnly bool) (enter, covers bool) {
			if opts.Exclude != nil && opts.Exclude(p, d.IsDir()) {
				return false, false
			}
			if d.IsDir() {
				switch d.Name() {
				case ".git", ".hg", ".svn":
					return false, false
				}
				if by := covered[d.Name()]; len(by) > 0 && !opts.WalkNodeModules && hasAny(fsys, path.Dir(p), by) {
					return opts.NodeModulesExecutables, true
				}
				return true, false
			}
			if !d.Type().IsRegular() {
				return false, false // symlinks, devices, sockets
			}
			info, err := d.Info()
			if err != nil {
				n.unreadable++
				skip(p, err.Error())
				return false, false
			}
			claim(p, info, info.Mode(), execOnly)
			return false, false
		}, func(p, reason string) {
			n.unreadable++ // a directory the walk could not list
			skip(p, reason)
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, n, ctx.Err()
			}
			return nil, n, err
		}
	}

	results := make([]result, len(jobs))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = runOne(ctx, fsys, inv.Distro, limit, opts.BinaryFacts, jobs[i])
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, n, err
	}
	for _, r := range results {
		switch {
		case r.skip == nil:
			n.read++
		case r.unreadable:
			n.unreadable++
		}
		inv.Packages = append(inv.Packages, r.pkgs...)
		inv.Relationships = append(inv.Relationships, r.rels...)
		inv.GoBinaries = append(inv.GoBinaries, r.bins...)
		if r.skip != nil {
			skip(r.skip.Path, r.skip.Reason)
		}
		for _, s := range r.parts {
			skip(s.Path, s.Reason)
		}
	}
	inv.Skipped = skipped
	for _, m := range manifests {
		if !lockedAbove(fsys, m) {
			log.Warn("no lockfile, so the dependencies were not resolved", "path", m.path, "run", m.command)
			inv.Unresolved = append(inv.Unresolved, inventory.Unresolved{Path: m.path, Command: m.command})
		}
	}
	inv.Normalize()
	return inv, n, nil
}

// coveredDirs maps a directory name to the sibling files that speak for
// it, from the extractors that say so (Covers).
func coveredDirs(exs []Extractor) map[string][]string {
	var out map[string][]string
	for _, ex := range exs {
		c, ok := ex.(Covers)
		if !ok {
			continue
		}
		dir, files := c.Covers()
		if out == nil {
			out = map[string][]string{}
		}
		for _, f := range files {
			if !slices.Contains(out[dir], f) {
				out[dir] = append(out[dir], f)
			}
		}
	}
	return out
}

// walk visits the tree under "." in fs.WalkDir's order (depth first,
// entries sorted by name) without fs.WalkDir's cost on deep trees: it
// builds each child's path as dir+"/"+name instead of path.Join, which
// cleans the whole path again at every level, and it carries "inside a
// covered node_modules" down the walk instead of searching each file's
// parents. A tree 20,000 directories deep took 2.7 s in fs.WalkDir; the
// path bytes are still proportional to the sum of the depths, which
// source/image bounds (MaxPathBytes). visit says whether to enter a
// directory and whether what is under it is covered; unreadable
// directories go to skip, except the root, whose error is returned.
func walk(ctx context.Context, fsys fs.FS, visit func(p string, d fs.DirEntry, execOnly bool) (enter, covers bool), skip func(p, reason string)) error {
	type frame struct {
		path     string
		entries  []fs.DirEntry
		next     int
		execOnly bool
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	stack := []*frame{{path: ".", entries: entries}}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := stack[len(stack)-1]
		if f.next == len(f.entries) {
			stack = stack[:len(stack)-1]
			continue
		}
		e := f.entries[f.next]
		f.next++
		p := e.Name()
		if f.path != "." {
			p = f.path + "/" + p
		}
		enter, covers := visit(p, e, f.execOnly)
		if !enter || !e.IsDir() {
			continue
		}
		children, err := fs.ReadDir(fsys, p)
		if err != nil {
			skip(p, err.Error())
		}
		stack = append(stack, &frame{path: p, entries: children, execOnly: f.execOnly || covers})
	}
	return nil
}

func runOne(ctx context.Context, fsys fs.FS, distro *inventory.Distro, limit int64, binaryFacts bool, j job) (res result) {
	defer func() {
		// Extractors must not panic on any input; if one does, the file is
		// skipped and the walk goes on, and the fuzz targets are there to find it.
		if r := recover(); r != nil {
			res = result{skip: &inventory.Skipped{Path: j.path, Reason: fmt.Sprintf("%s: internal error: %v", j.ex.Name(), r)}}
		}
	}()
	in := &Input{FS: fsys, Path: j.path, Info: j.info, Distro: distro, MaxSize: limit, BinaryFacts: binaryFacts}
	pkgs, rels, err := j.ex.Extract(ctx, in)
	if err != nil {
		reason := err.Error()
		unreadable := errors.Is(err, fs.ErrPermission)
		if unreadable {
			reason = "permission denied"
		}
		return result{unreadable: unreadable, skip: &inventory.Skipped{Path: j.path, Reason: reason}}
	}
	for i := range pkgs {
		if len(pkgs[i].Locations) == 0 {
			pkgs[i].Locations = []inventory.Location{{Path: j.path}}
		}
	}
	var parts []inventory.Skipped
	for _, reason := range in.skipped {
		parts = append(parts, inventory.Skipped{Path: j.path, Reason: reason})
	}
	return result{pkgs: pkgs, rels: rels, bins: in.goBinaries, parts: parts}
}

func hasAny(fsys fs.FS, dir string, names []string) bool {
	for _, n := range names {
		if _, err := fs.Stat(fsys, path.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}
