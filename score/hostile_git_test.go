package score

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/score/gitsignals"
	"github.com/hallmark-dev/hallmark/score/internal/fixture"
)

// evilScript writes a script that appends its name to a marker file and
// returns the script's path and the marker's.
func evilScript(t *testing.T) (script, marker string) {
	t.Helper()
	dir := t.TempDir()
	marker = filepath.Join(dir, "marker")
	script = filepath.Join(dir, "evil.sh")
	body := "#!/bin/sh\necho \"ran: $0 $*\" >> '" + marker + "'\ncat >/dev/null 2>&1 </dev/null\nexit 0\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, marker
}

func assertNotRun(t *testing.T, marker string) {
	t.Helper()
	if b, err := os.ReadFile(marker); err == nil {
		t.Errorf("a program chosen by the repository ran: %s", b)
	}
}

// hostileRepo is a checkout with a .gitattributes naming drivers, a
// .mailmap and one commit.
func hostileRepo(t *testing.T) *fixture.Repo {
	r := fixture.New(t)
	r.Write(".gitattributes", "* filter=evil diff=evil merge=evil\n")
	r.Write(".mailmap", "Ann <ann@example.org>\n")
	r.Write("LICENSE", license)
	r.Write("main.go", "package main\n")
	r.Commit("Ann", "ann@example.org", date("2024-01-01"), "init")
	r.Write("main.go", "package main // changed\n") // a dirty work tree
	return r
}

// TestHostileGitConfig: a checkout's .git/config (or a file it includes)
// names programs; scoring it must run none of them (issue 15 item 1).
func TestHostileGitConfig(t *testing.T) {
	hooks := func(t *testing.T, script string) string {
		dir := t.TempDir()
		for _, h := range []string{"post-index-change", "post-checkout", "pre-commit", "post-commit", "reference-transaction", "fsmonitor-watchman", "pre-auto-gc", "post-rewrite"} {
			if err := os.Symlink(script, filepath.Join(dir, h)); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	cases := []struct {
		name   string
		config func(t *testing.T, r *fixture.Repo, script string) [][2]string
	}{
		{"core.fsmonitor", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			return [][2]string{{"core.fsmonitor", s}}
		}},
		{"include.path", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			inc := filepath.Join(t.TempDir(), "inc")
			os.WriteFile(inc, []byte("[core]\n\tfsmonitor = "+s+"\n"), 0o644)
			return [][2]string{{"include.path", inc}}
		}},
		{"core.hooksPath", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			return [][2]string{{"core.hooksPath", hooks(t, s)}}
		}},
		{"pagers", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			return [][2]string{{"core.pager", s}, {"pager.log", s}, {"pager.ls-files", s}, {"pager.for-each-ref", s}, {"pager.config", s}}
		}},
		{"diff.external", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			return [][2]string{{"diff.external", s}, {"log.showSignature", "true"}}
		}},
		{"gpg.program", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			return [][2]string{{"gpg.program", s}, {"gpg.ssh.program", s}, {"gpg.x509.program", s}, {"log.showSignature", "true"}}
		}},
		{"filters and textconv", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			return [][2]string{{"filter.evil.clean", s}, {"filter.evil.smudge", s}, {"filter.evil.process", s},
				{"filter.evil.required", "true"}, {"diff.evil.textconv", s}, {"diff.evil.command", s}, {"merge.evil.driver", s}}
		}},
		{"credential.helper", func(t *testing.T, r *fixture.Repo, s string) [][2]string {
			return [][2]string{{"credential.helper", s}, {"credential.https://example.org.helper", s}, {"core.askPass", s}}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := hostileRepo(t)
			script, marker := evilScript(t)
			for _, kv := range c.config(t, r, script) {
				r.Git("config", "--add", kv[0], kv[1])
			}
			if _, err := Project(context.Background(), r.Dir, Options{AsOf: asOf}); err != nil {
				t.Fatal(err)
			}
			assertNotRun(t, marker)
		})
	}
}

// TestHostileGitTransport: a partial clone lacks a blob the configuration
// makes git read (mailmap.blob); without protection git fetches it lazily
// from the promisor remote, whose URL and ssh command the repository
// chooses.
func TestHostileGitTransport(t *testing.T) {
	src := fixture.New(t)
	src.Write(".mailmap", "Ann <ann@example.org>\n")
	src.Commit("Ann", "ann@example.org", date("2024-01-01"), "one")
	src.Write(".mailmap", "Ann <ann@example.net>\n")
	src.Commit("Ann", "ann@example.org", date("2024-01-02"), "two")
	src.Git("config", "uploadpack.allowFilter", "true")

	for _, c := range []struct{ name, url, key string }{
		{"ext", "ext::%s", "protocol.ext.allow"},
		{"ssh", "ssh://example.invalid/x", "core.sshCommand"},
	} {
		t.Run(c.name, func(t *testing.T) {
			script, marker := evilScript(t)
			dst := filepath.Join(t.TempDir(), "clone")
			cmd := exec.Command("git", "clone", "-q", "--filter=blob:none", "file://"+src.Dir, dst)
			cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git clone: %v\n%s", err, out)
			}
			url := c.url
			if strings.Contains(url, "%s") {
				url = strings.ReplaceAll(url, "%s", script)
			}
			set := func(k, v string) {
				if out, err := exec.Command("git", "-C", dst, "config", k, v).CombinedOutput(); err != nil {
					t.Fatalf("git config: %v\n%s", err, out)
				}
			}
			set("remote.origin.url", url)
			set("mailmap.blob", "HEAD~1:.mailmap")
			if c.key == "protocol.ext.allow" {
				set(c.key, "always")
			} else {
				set(c.key, script)
			}
			_, _ = Project(context.Background(), dst, Options{AsOf: asOf})
			assertNotRun(t, marker)
		})
	}
}

// TestHostileGitWorktree: core.worktree in the repository's config would
// make git report another directory as the checkout, and the posture
// checks would read that directory's files; mailmap.file would make git
// read a host file.
func TestHostileGitWorktree(t *testing.T) {
	r := fixture.New(t)
	r.Write("README.md", "hi\n")
	r.Commit("Ann", "ann@example.org", date("2024-01-01"), "init")
	elsewhere := t.TempDir()
	os.WriteFile(filepath.Join(elsewhere, "README.md"), []byte("elsewhere"), 0o644)
	mm := filepath.Join(t.TempDir(), "mailmap")
	os.WriteFile(mm, []byte("Secret Name <ann@example.org>\n"), 0o644)
	r.Git("config", "core.worktree", elsewhere)
	r.Git("config", "mailmap.file", mm)
	rep, err := Project(context.Background(), r.Dir, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(r.Dir)
	if rep.Root != want {
		t.Errorf("root %s, want the checkout %s", rep.Root, want)
	}
	h, err := gitsignals.Read(context.Background(), r.Dir, gitsignals.Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Authors) != 1 || h.Authors[0].Name != "Ann" {
		t.Errorf("authors %+v: mailmap.file outside the checkout was read", h.Authors)
	}
}
