package npm

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"sort"

	"github.com/hallmark-dev/hallmark/extract"
)

// maxManifestSize bounds package.json files read beside a lockfile.
const maxManifestSize = 4 << 20

// manifest is the part of a package.json
// (https://docs.npmjs.com/cli/v11/configuring-npm/package-json) that says
// which dependencies a project declares and how.
type manifest struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	License              json.RawMessage   `json:"license"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	// Workspaces is an array of globs, or (yarn 1) {"packages": [...]}.
	Workspaces json.RawMessage `json:"workspaces"`
}

// declared is one dependency a project declares.
type declared struct {
	name, spec string
	dev        bool
}

// deps lists the declared dependencies in a fixed order: runtime,
// optional, peer, then dev. A name both in dependencies and devDependencies
// counts as runtime, as npm installs it for production.
func (m *manifest) deps() []declared {
	var out []declared
	seen := map[string]bool{}
	add := func(deps map[string]string, dev bool) {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, declared{n, deps[n], dev})
		}
	}
	add(m.Dependencies, false)
	add(m.OptionalDependencies, false)
	add(m.PeerDependencies, false)
	add(m.DevDependencies, true)
	return out
}

// workspaceGlobs returns the workspace patterns in either spelling.
func (m *manifest) workspaceGlobs() []string {
	if len(m.Workspaces) == 0 {
		return nil
	}
	var globs []string
	if json.Unmarshal(m.Workspaces, &globs) == nil {
		return globs
	}
	var obj struct {
		Packages []string `json:"packages"`
	}
	if json.Unmarshal(m.Workspaces, &obj) == nil {
		return obj.Packages
	}
	return nil
}

// readManifest reads dir/package.json. A missing file gives nil and no
// error: the lockfile is then all there is to go on.
func readManifest(fsys fs.FS, dir string) (*manifest, error) {
	name := path.Join(dir, "package.json")
	if dir == "" {
		name = "package.json"
	}
	data, err := extract.ReadFile(fsys, name, maxManifestSize)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, jsonError(name, data, err)
	}
	return &m, nil
}
