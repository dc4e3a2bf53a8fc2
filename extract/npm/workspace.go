package npm

import (
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Workspace patterns are globs as npm (@npmcli/map-workspaces), yarn and
// pnpm read them: "*" and the other path.Match forms within one folder
// name, "**" for any number of folders (none included), and a pattern
// starting with "!" removing what the patterns before it named.

// maxWorkspaceDepth bounds how deep a "**" pattern is followed.
const maxWorkspaceDepth = 12

// workspaceMatch reports whether the folder p (slash-separated, relative
// to the project) is a workspace according to globs.
func workspaceMatch(globs []string, p string) bool {
	segs := strings.Split(p, "/")
	in := false
	for _, g := range globs {
		neg := strings.HasPrefix(g, "!")
		pat := patternSegments(strings.TrimPrefix(g, "!"))
		if pat != nil && globMatch(pat, segs) {
			in = !neg
		}
	}
	return in
}

// patternSegments cleans a pattern ("./packages/*/" is "packages/*") and
// splits it into folder names; nil for a pattern that names no folder.
func patternSegments(g string) []string {
	g = path.Clean(strings.TrimSpace(g))
	if g == "." || g == "" || strings.HasPrefix(g, "../") || g == ".." || strings.HasPrefix(g, "/") {
		return nil
	}
	return strings.Split(g, "/")
}

// globMatch matches folder names against pattern segments. It is dynamic
// programming over (pattern, path) positions, so patterns with many "**"
// from a hostile lockfile cost len(pat)*len(segs), not an exponential.
func globMatch(pat, segs []string) bool {
	// ok[j] reports whether pat[i:] matches segs[j:], for the current i.
	ok := make([]bool, len(segs)+1)
	ok[len(segs)] = true
	for i := len(pat) - 1; i >= 0; i-- {
		next := make([]bool, len(segs)+1)
		for j := len(segs); j >= 0; j-- {
			switch {
			case pat[i] == "**":
				// Zero folders, or one more folder under the same "**".
				next[j] = ok[j] || (j < len(segs) && next[j+1])
			case j < len(segs):
				m, _ := path.Match(pat[i], segs[j])
				next[j] = m && ok[j+1]
			}
		}
		ok = next
	}
	return ok[0]
}

// workspaceDirs expands the workspace globs of a project in dir into the
// folders that hold a package.json, sorted. Patterns without "**" are
// expanded with fs.Glob; those with it walk the tree below their fixed
// prefix, skipping node_modules and hidden folders, to maxWorkspaceDepth.
func workspaceDirs(fsys fs.FS, dir string, globs []string) []string {
	var cands []string
	for _, g := range globs {
		if strings.HasPrefix(g, "!") {
			continue
		}
		pat := patternSegments(g)
		if pat == nil {
			continue
		}
		if !slices.Contains(pat, "**") {
			matches, err := fs.Glob(fsys, joinPath(dir, strings.Join(pat, "/"), "package.json"))
			if err != nil {
				continue
			}
			for _, m := range matches {
				cands = append(cands, dirOf(m))
			}
			continue
		}
		fixed := 0
		for fixed < len(pat) && !strings.ContainsAny(pat[fixed], `*?[\`) {
			fixed++
		}
		start := joinPath(dir, strings.Join(pat[:fixed], "/"))
		base := strings.Count(start, "/")
		fs.WalkDir(fsys, orDot(start), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // an unreadable folder is one workspace fewer
			}
			if d.IsDir() {
				if p != orDot(start) && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") || strings.Count(p, "/")-base > maxWorkspaceDepth) {
					return fs.SkipDir
				}
				return nil
			}
			if d.Name() == "package.json" {
				cands = append(cands, dirOf(p))
			}
			return nil
		})
	}
	var dirs []string
	for _, c := range cands {
		rel := c
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(c, dir+"/"); !ok {
				continue
			}
		}
		if rel != "" && workspaceMatch(globs, rel) {
			dirs = append(dirs, c)
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}
