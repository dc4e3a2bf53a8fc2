package gitsignals

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/score/internal/fixture"
)

// TestNeutralConfig: every key through which a repository's configuration
// could make git run a program is overridden, as git itself reads it, for
// every command hallmark runs — including keys of drivers the repository
// names itself and keys pulled in by include.path.
func TestNeutralConfig(t *testing.T) {
	r := fixture.New(t)
	r.Write("a", "1")
	r.Commit("Ann", "ann@example.org", day("2024-01-01"), "a")
	const evil = "./evil.sh"
	keys := []string{
		"core.fsmonitor", "core.hooksPath", "core.sshCommand", "core.askPass", "core.editor", "sequence.editor",
		"core.pager", "core.alternateRefsCommand", "core.attributesFile", "diff.external",
		"gpg.program", "gpg.openpgp.program", "gpg.x509.program", "gpg.ssh.program", "gpg.ssh.defaultKeyCommand",
		"credential.helper", "uploadpack.packObjectsHook", "mailmap.file",
		"filter.lfs.clean", "filter.lfs.smudge", "filter.lfs.process", "filter.a=b.clean",
		"diff.pdf.textconv", "diff.pdf.command", "merge.ours.driver",
	}
	for _, k := range keys {
		r.Git("config", k, evil)
	}
	r.Git("config", "protocol.ext.allow", "always")
	r.Git("config", "protocol.allow", "always")
	r.Git("config", "filter.lfs.required", "true")
	r.Git("config", "include.path", "extra")
	r.Write(".git/extra", "[filter \"inc\"]\n\tclean = "+evil+"\n")
	keys = append(keys, "filter.inc.clean")

	g, err := Open(context.Background(), r.Dir, "")
	if err != nil {
		t.Fatal(err)
	}
	get := func(k string) string {
		out, _ := g.output(context.Background(), "config", "--get", k)
		return strings.TrimSpace(string(out))
	}
	for _, k := range keys {
		if v := get(k); v == evil {
			t.Errorf("%s = %q: the repository's value is in effect", k, v)
		}
	}
	for _, k := range []string{"protocol.ext.allow", "protocol.allow"} {
		if v := get(k); v != "never" {
			t.Errorf("%s = %q, want never", k, v)
		}
	}
	if v := get("filter.lfs.required"); v != "false" {
		t.Errorf("filter.lfs.required = %q, want false", v)
	}
}

// TestOpenRefusesRedirects: the work tree is the directory holding .git,
// whatever core.worktree says; a .git that is a symbolic link is refused.
func TestOpenRefusesRedirects(t *testing.T) {
	r := fixture.New(t)
	r.Write("a", "1")
	r.Commit("Ann", "ann@example.org", day("2024-01-01"), "a")
	r.Git("config", "core.worktree", t.TempDir())
	root, files, err := TrackedFiles(context.Background(), r.Dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(root, "/repo") || len(files) != 1 || files[0] != "a" {
		t.Errorf("root %s files %q, want the checkout and [a]", root, files)
	}

	link := t.TempDir()
	if err := os.Symlink(filepath.Join(r.Dir, ".git"), filepath.Join(link, ".git")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), link, ""); !errors.Is(err, ErrNotRepository) {
		t.Errorf(".git as a symbolic link: %v, want ErrNotRepository", err)
	}
}

// TestGitfiles: a linked worktree (a gitfile and a commondir) reads as
// usual; a gitfile naming a directory that is no repository ("gitdir: /")
// is refused before anything is walked.
func TestGitfiles(t *testing.T) {
	r := fixture.New(t)
	r.Write("a", "1")
	r.Commit("Ann", "ann@example.org", day("2024-01-01"), "a")
	wt := filepath.Join(t.TempDir(), "wt")
	r.Git("worktree", "add", "-q", wt)
	if _, files, err := TrackedFiles(context.Background(), wt, ""); err != nil || len(files) != 1 {
		t.Errorf("linked worktree: %q, %v", files, err)
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, ".git"), []byte("gitdir: /\n"), 0o644)
	if _, err := Open(context.Background(), bad, ""); !errors.Is(err, ErrNotRepository) {
		t.Errorf("gitdir: /: %v, want ErrNotRepository", err)
	}
}
