// Package gitsignals reads a local git checkout's history through the git
// command and derives the criticality signals that history alone can give
// (the "legacy" signal set of ossf/criticality_score v2,
// https://github.com/ossf/criticality_score/tree/main/internal/collector/github):
//
//   - legacy.created_since: months (30-day units, truncated, as v2's
//     legacy.TimeDelta) since the earliest commit's committer date;
//   - legacy.updated_since: months since the latest commit's committer date;
//   - legacy.contributor_count: distinct human authors after .mailmap (git's
//     %aN/%aE), keyed by e-mail; bots are counted separately;
//   - legacy.org_count: a PROXY — distinct non-webmail e-mail domains among
//     the top 15 human authors by commits. criticality_score reads the
//     "company" field of GitHub profiles, which history does not hold;
//   - legacy.commit_frequency: commits in the 365 days before the as-of
//     date divided by 52, rounded to 2 decimals (v2's rule);
//   - legacy.recent_release_count: tags dated in the last 365 days; when
//     there are none, v2's estimate tags×365/days-since-creation (integer
//     division) is used and said so.
//
// Everything is computed as of a date (default now): commits and tags dated
// after it are ignored. One `git log` pass with a compact format is streamed;
// memory grows with the number of distinct authors, not commits.
//
// Forge-only signals (issues, comments, mentions, dependents) are not here:
// they come from a signals file or, later, an online collector.
//
// The checkout is untrusted input (DESIGN.md §4.12), its .git included.
// Open decides the repository and work tree itself (core.worktree cannot
// move them), refuses named pipes and devices where git would open them,
// and runs every git command with the programs a repository's
// configuration can name disabled at command-line precedence (fsmonitor,
// hooks, pagers, ssh, credential helpers, gpg, external diff, filter,
// diff and merge drivers) and with no transport allowed, so a partial
// clone cannot fetch through a remote of the repository's choosing.
package gitsignals

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/internal/escape"
)

// Sentinel errors callers branch on.
var (
	// ErrSpecialFile: a file git would read is a named pipe or a device,
	// on which git would block (or read forever).
	ErrSpecialFile   = errors.New("a named pipe or device where git reads a file")
	ErrNoGit         = errors.New("git command not found in PATH (hallmark reads history through git)")
	ErrNotRepository = errors.New("not a git repository")
	ErrNoCommits     = errors.New("the repository has no commits")
)

// Month is criticality_score's unit for created_since and updated_since.
const Month = 30 * 24 * time.Hour

// Lookback windows, as criticality_score and Scorecard define them.
const (
	Year        = 365 * 24 * time.Hour
	NinetyDays  = 90 * 24 * time.Hour
	TopForOrgs  = 15 // criticality_score's TOP_CONTRIBUTOR_COUNT
	maxLineSize = 64 << 10
)

// Options control a read.
type Options struct {
	// AsOf is the date the signals are computed for; zero means now.
	AsOf time.Time
	// Git is the git executable; empty means "git" from PATH.
	Git string
}

// Author is one contributor after .mailmap.
type Author struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Commits int    `json:"commits"`
	Bot     bool   `json:"bot,omitempty"`
}

// Tag is one tag with the date that counts for releases.
type Tag struct {
	Name string    `json:"name"`
	Date time.Time `json:"date"`
	// Annotated tags have their own object; lightweight tags are dated by
	// the commit they point at.
	Annotated bool `json:"annotated,omitempty"`
	// Signature is "pgp", "ssh" or "x509" when the tag object carries one.
	// The signature is detected, not verified.
	Signature string `json:"signature,omitempty"`
}

// History is what one read of a repository found.
type History struct {
	// Root is the repository's top-level directory.
	Root    string    `json:"root"`
	Head    string    `json:"head"`
	AsOf    time.Time `json:"as_of"`
	Shallow bool      `json:"shallow,omitempty"`
	// Commits counts commits reachable from HEAD dated up to AsOf.
	Commits int `json:"commits"`
	// Skipped counts commits dated after AsOf.
	Skipped int       `json:"skipped_after_as_of,omitempty"`
	First   time.Time `json:"first_commit"`
	Last    time.Time `json:"last_commit"`
	// CommitsLastYear and CommitsLast90Days count by committer date.
	CommitsLastYear   int `json:"commits_last_year"`
	CommitsLast90Days int `json:"commits_last_90_days"`
	// Authors are the human authors, most commits first; Bots likewise.
	Authors []Author `json:"authors"`
	Bots    []Author `json:"bots,omitempty"`
	// Tags dated up to AsOf, newest first.
	Tags []Tag `json:"tags,omitempty"`
}

// Read runs git in dir and returns its history as of opts.AsOf.
func Read(ctx context.Context, dir string, opts Options) (*History, error) {
	r, err := Open(ctx, dir, opts.Git)
	if err != nil {
		return nil, err
	}
	return r.History(ctx, opts)
}

// History reads the repository's history as of opts.AsOf (opts.Git is
// ignored: the repository was opened with its git).
func (g *Repo) History(ctx context.Context, opts Options) (*History, error) {
	dir := g.dir
	asOf := opts.AsOf
	if asOf.IsZero() {
		asOf = time.Now()
	}
	h := &History{Root: g.root, AsOf: asOf.UTC()}
	head, err := g.output(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil || len(bytes.TrimSpace(head)) == 0 {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoCommits)
	}
	h.Head = string(bytes.TrimSpace(head))
	if out, err := g.output(ctx, "rev-parse", "--is-shallow-repository"); err == nil {
		h.Shallow = strings.TrimSpace(string(out)) == "true"
	}
	if err := h.readLog(ctx, g); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := h.readTags(ctx, g); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return h, nil
}

// Repo is a git checkout opened for reading. Every git command it runs has
// the repository-chosen programs disabled (see hardenedEnv): the checkout
// is untrusted input (DESIGN.md §4.12), and its .git/config is as much
// the attacker's as its files are.
type Repo struct {
	exe string
	// dir is the directory the caller named (for messages); root the top
	// level of the work tree; gitDir its .git (a directory or a gitfile).
	dir, root, gitDir string
	env               []string
}

// Root is the top-level directory of the work tree.
func (g *Repo) Root() string { return g.root }

// Open finds the checkout that dir is in and prepares to run git on it.
//
// The top level is found here, not asked of git: the nearest directory at
// or above dir (symlinks resolved, as git resolves its working directory)
// holding a .git directory or gitfile. git is then told that directory is
// the work tree and .git the repository (GIT_WORK_TREE, GIT_DIR), so a
// core.worktree in the repository's config cannot point hallmark at
// another directory (the home directory, /) and make it read files there
// as if they were the checkout's. A .git that is a symbolic link is
// refused for the same reason. A bare repository is not a checkout and is
// not found.
func Open(ctx context.Context, dir, exe string) (*Repo, error) {
	if exe == "" {
		exe = "git"
	}
	path, err := exec.LookPath(exe)
	if err != nil {
		return nil, ErrNoGit
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: %w (it is a file; give the checkout's directory)", dir, ErrNotRepository)
	}
	top, err := findTop(dir)
	if err != nil {
		return nil, err
	}
	g := &Repo{exe: path, dir: dir, root: top, gitDir: filepath.Join(top, ".git")}
	if err := checkSpecial(top, g.gitDir); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	g.env = hardenedEnv(g.root, g.gitDir, nil)
	// Drivers (filters, diff and merge drivers) are named by the
	// repository, so their keys cannot be listed in advance: read which
	// ones its configuration (includes and all) defines, and disable
	// each. git config runs no program of its own.
	drivers, err := g.driverKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	g.env = hardenedEnv(g.root, g.gitDir, drivers)
	return g, nil
}

// checkSpecial refuses a checkout in which git would open a named pipe or
// a device: git opens .mailmap and the files of its repository directory
// with a blocking open, so a FIFO there (a checkout is untrusted, .git
// included) would hang it, and hallmark with it. The repository
// directories (the gitfile's target and its commondir, for a linked
// worktree or a submodule) are walked whole: listing a directory costs
// no stat per entry, and git may open any file there. A symbolic link is
// checked at its target.
func checkSpecial(top, dotGit string) error {
	special := func(p string, m fs.FileMode) error {
		if m&(fs.ModeNamedPipe|fs.ModeDevice|fs.ModeCharDevice) != 0 {
			what := "a named pipe"
			if m&fs.ModeNamedPipe == 0 {
				what = "a device"
			}
			return fmt.Errorf("%w: %s is %s; git would block reading it", ErrSpecialFile, escape.Text(p), what)
		}
		return nil
	}
	if fi, err := os.Lstat(filepath.Join(top, ".mailmap")); err == nil {
		if err := special(filepath.Join(top, ".mailmap"), fi.Mode()); err != nil {
			return err
		}
	}
	dirs, err := gitDirs(top, dotGit)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable: git will say so
			}
			m := e.Type()
			if m&fs.ModeSymlink != 0 {
				fi, err := os.Stat(p)
				if err != nil {
					return nil
				}
				m = fi.Mode()
			}
			return special(p, m)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// gitDirs returns the repository directory of the checkout (.git, or what
// a .git file names) and its common directory when it has one.
func gitDirs(top, dotGit string) ([]string, error) {
	fi, err := os.Lstat(dotGit)
	if err != nil {
		return nil, err
	}
	d := dotGit
	if fi.Mode().IsRegular() {
		b, err := readSmall(dotGit)
		if err != nil {
			return nil, err
		}
		rest, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:")
		if !ok {
			return nil, fmt.Errorf("%s: %w (a .git file without \"gitdir:\")", dotGit, ErrNotRepository)
		}
		d = strings.TrimSpace(rest)
		if !filepath.IsAbs(d) {
			d = filepath.Join(top, d)
		}
	}
	// Before walking what a gitfile names, check it is a repository
	// directory, so that "gitdir: /" is not a walk of the whole disk.
	if fi, err := os.Lstat(filepath.Join(d, "HEAD")); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s has no HEAD file)", dotGit, ErrNotRepository, escape.Text(d))
	}
	dirs := []string{d}
	if b, err := readSmall(filepath.Join(d, "commondir")); err == nil {
		c := strings.TrimSpace(string(b))
		if !filepath.IsAbs(c) {
			c = filepath.Join(d, c)
		}
		if fi, err := os.Lstat(filepath.Join(c, "objects")); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%s: %w (its common directory %s has no objects directory)", dotGit, ErrNotRepository, escape.Text(c))
		}
		dirs = append(dirs, c)
	}
	return dirs, nil
}

// readSmall reads a regular file of at most 4 KiB (a gitfile, commondir).
func readSmall(p string) ([]byte, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > 4096 {
		return nil, fmt.Errorf("%s: %w (not a small regular file)", p, ErrNotRepository)
	}
	return os.ReadFile(p)
}

func findTop(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for d := abs; ; {
		dotGit := filepath.Join(d, ".git")
		fi, err := os.Lstat(dotGit)
		if err == nil {
			if fi.IsDir() || fi.Mode().IsRegular() {
				return d, nil
			}
			return "", fmt.Errorf("%s: %w (%s is not a directory or a gitfile: hallmark does not follow a symbolic link or special file there)", dir, ErrNotRepository, dotGit)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("%s: %w (no .git in it or any parent directory)", dir, ErrNotRepository)
		}
		d = parent
	}
}

// neutralConfig is set on every git command, at command-line scope, which
// takes precedence over the repository's own configuration (and anything
// it includes). Each key names a program, or a path git would run or read,
// that a repository could choose; the value turns it off. Commands hallmark
// runs (rev-parse, log, for-each-ref, ls-files, config) trigger only some
// of these today (core.fsmonitor on reading the index, mailmap.file on
// log); the rest are set so that a later command cannot be surprised.
var neutralConfig = [][2]string{
	{"core.fsmonitor", "false"},    // a hook run when the index is read
	{"core.hooksPath", os.DevNull}, // e.g. post-index-change
	{"core.sshCommand", "false"},   // transports (lazy fetch of a partial clone)
	{"core.askPass", ""},           // credential prompts
	{"core.editor", "false"},
	{"sequence.editor", "false"},
	{"core.pager", "cat"},
	{"core.alternateRefsCommand", ""}, // run for alternates
	{"core.attributesFile", os.DevNull},
	{"core.untrackedCache", "false"},
	{"diff.external", ""},
	{"gpg.program", "false"},
	{"gpg.openpgp.program", "false"},
	{"gpg.x509.program", "false"},
	{"gpg.ssh.program", "false"},
	{"gpg.ssh.defaultKeyCommand", "false"},
	{"credential.helper", ""}, // an empty value clears the list, URL-scoped helpers included
	{"uploadpack.packObjectsHook", ""},
	{"protocol.allow", "never"},
	{"protocol.file.allow", "never"},
	{"protocol.ext.allow", "never"},
	{"protocol.ssh.allow", "never"},
	{"protocol.git.allow", "never"},
	{"protocol.http.allow", "never"},
	{"protocol.https.allow", "never"},
	{"mailmap.file", ""}, // a host file (the in-tree .mailmap is still read; git refuses it as a symlink)
	{"log.showSignature", "false"},
	{"color.ui", "never"},
	{"core.quotePath", "false"},
	// safe.directory: git refuses a repository owned by another user
	// because its config could run programs as the caller. hallmark must
	// read checkouts it does not own (CI runs it on a workspace another
	// user checked out), and it has just disabled every program-running
	// key above and names the repository and work tree itself, so it
	// vouches for this one directory only — not "*".
}

// hardenedEnv is the environment of every git command: the caller's, less
// every GIT_* variable (a GIT_DIR or GIT_CONFIG_PARAMETERS from a hook
// that runs hallmark would change what is read), plus the settings that
// keep the repository's programs from running.
func hardenedEnv(root, gitDir string, drivers []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") && k != "GIT_EXEC_PATH" {
			continue
		}
		switch k {
		case "SSH_ASKPASS", "PAGER", "EDITOR", "VISUAL", "LC_ALL":
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"GIT_DIR="+gitDir, "GIT_WORK_TREE="+root,
		// The user's and the system's configuration are not the
		// attacker's, but they could enable fsmonitor or change output;
		// the result should not depend on who runs hallmark.
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_ATTR_NOSYSTEM=1",
		// Decisive for transports: overrides every protocol.*.allow and
		// allows none, so neither a lazy fetch of a partial clone nor a
		// remote helper (ext::, "evil::") can run.
		"GIT_ALLOW_PROTOCOL=", "GIT_PROTOCOL_FROM_USER=0", "GIT_NO_LAZY_FETCH=1",
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "GIT_SSH_COMMAND=false",
		"GIT_PAGER=cat", "PAGER=cat", "GIT_EDITOR=false",
		"GIT_OPTIONAL_LOCKS=0", "LC_ALL=C",
	)
	keys := make([][2]string, 0, len(neutralConfig)+len(drivers)+1)
	keys = append(keys, neutralConfig...)
	keys = append(keys, [2]string{"safe.directory", root})
	for _, k := range drivers {
		v := ""
		if strings.HasSuffix(k, ".required") {
			v = "false"
		}
		keys = append(keys, [2]string{k, v})
	}
	// GIT_CONFIG_COUNT/KEY/VALUE rather than -c: a driver name may hold
	// "=", which -c would split on.
	env = append(env, "GIT_CONFIG_COUNT="+strconv.Itoa(len(keys)))
	for i, kv := range keys {
		env = append(env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, kv[0]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, kv[1]))
	}
	return env
}

// driverKeys lists the program-running keys of filter, diff and merge
// drivers the repository's configuration defines.
func (g *Repo) driverKeys(ctx context.Context) ([]string, error) {
	out, err := g.output(ctx, "config", "-z", "--name-only", "--get-regexp",
		`^(filter|diff|merge)\..*\.(clean|smudge|process|required|textconv|command|driver)$`)
	if err != nil {
		var ge *gitError
		var ee *exec.ExitError
		if errors.As(err, &ge) && errors.As(ge.err, &ee) && ee.ExitCode() == 1 && ge.stderr == "" {
			return nil, nil // none
		}
		return nil, err
	}
	var keys []string
	for _, k := range strings.Split(string(out), "\x00") {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// gitError carries git's own message.
type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	if e.stderr != "" {
		// git's messages can quote the repository (a ref, a config line):
		// keep a short, escaped excerpt.
		return fmt.Sprintf("git %s: %s", strings.Join(e.args, " "), escape.Excerpt(e.stderr, 300))
	}
	return fmt.Sprintf("git %s: %v", strings.Join(e.args, " "), e.err)
}

func (e *gitError) Unwrap() error { return e.err }

func (g *Repo) command(ctx context.Context, args ...string) *exec.Cmd {
	// --no-pager on top of GIT_PAGER and core.pager; LC_ALL=C keeps
	// messages stable for the errors we match.
	full := append([]string{"--no-pager", "-C", g.root}, args...)
	cmd := exec.CommandContext(ctx, g.exe, full...)
	cmd.Env = g.env
	return cmd
}

func (g *Repo) output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := g.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4096}
	out, err := cmd.Output()
	if err != nil {
		return out, &gitError{args: args, stderr: strings.TrimSpace(stderr.String()), err: err}
	}
	return out, nil
}

// stream runs git and hands stdout to read as it arrives.
func (g *Repo) stream(ctx context.Context, read func(io.Reader) error, args ...string) error {
	cmd := g.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return &gitError{args: args, err: err}
	}
	rerr := read(out)
	if rerr != nil {
		// Stop git before waiting, or a full pipe would block it forever.
		_ = cmd.Process.Kill()
		_, _ = io.Copy(io.Discard, out)
	}
	werr := cmd.Wait()
	if rerr != nil {
		return rerr
	}
	if werr != nil {
		return &gitError{args: args, stderr: strings.TrimSpace(stderr.String()), err: werr}
	}
	return nil
}

type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// logFormat is one line per commit: committer time, author time, author
// name and e-mail after .mailmap, NUL-separated.
const logFormat = "--format=%ct%x00%at%x00%aN%x00%aE"

func (h *History) readLog(ctx context.Context, g *Repo) error {
	asOf := h.AsOf.Unix()
	yearAgo := h.AsOf.Add(-Year).Unix()
	days90 := h.AsOf.Add(-NinetyDays).Unix()
	type key struct{ email, name string }
	authors := make(map[key]*Author)
	var first, last int64 = math.MaxInt64, math.MinInt64
	lineNo := 0
	err := g.stream(ctx, func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), maxLineSize)
		for sc.Scan() {
			lineNo++
			line := sc.Bytes()
			if lineNo&0x3fff == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			ct, rest, ok1 := cutNum(line)
			_, rest, ok2 := cutNum(rest)
			name, email, ok3 := bytes.Cut(rest, []byte{0})
			if !ok1 || !ok2 || !ok3 {
				return fmt.Errorf("git log: commit %d: unexpected line %q", lineNo, escape.Clip(string(line), 80))
			}
			if ct > asOf {
				h.Skipped++
				continue
			}
			h.Commits++
			first, last = min(first, ct), max(last, ct)
			if ct > yearAgo {
				h.CommitsLastYear++
			}
			if ct > days90 {
				h.CommitsLast90Days++
			}
			k := key{email: strings.ToLower(string(email))}
			if k.email == "" {
				k.name = string(name)
			}
			a := authors[k]
			if a == nil {
				a = &Author{Name: string(name), Email: string(email)}
				a.Bot = IsBot(a.Name, a.Email)
				authors[k] = a
			}
			a.Commits++
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return fmt.Errorf("git log: commit %d: line longer than %d bytes", lineNo+1, maxLineSize)
			}
			return err
		}
		return nil
	}, "log", "--no-color", "--no-show-signature", "--no-ext-diff", "--no-textconv", logFormat, "HEAD")
	if err != nil {
		return err
	}
	if h.Commits > 0 {
		h.First, h.Last = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	}
	for _, a := range authors {
		if a.Bot {
			h.Bots = append(h.Bots, *a)
		} else {
			h.Authors = append(h.Authors, *a)
		}
	}
	byCommits := func(a, b Author) int {
		return cmp.Or(cmp.Compare(b.Commits, a.Commits), strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)), strings.Compare(a.Name, b.Name))
	}
	slices.SortFunc(h.Authors, byCommits)
	slices.SortFunc(h.Bots, byCommits)
	return nil
}

// cutNum parses a decimal integer up to the next NUL.
func cutNum(b []byte) (int64, []byte, bool) {
	i := bytes.IndexByte(b, 0)
	if i <= 0 {
		return 0, nil, false
	}
	n, err := strconv.ParseInt(string(b[:i]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	return n, b[i+1:], true
}

// tagFormat: name, object type, tagger date, the commit's committer date
// (direct for lightweight tags, peeled for annotated ones) and the tag's
// signature block, records separated by RS (0x1e).
const tagFormat = "--format=%(refname:strip=2)%00%(objecttype)%00%(taggerdate:unix)%00%(committerdate:unix)%00%(*committerdate:unix)%00%(contents:signature)%1e"

func (h *History) readTags(ctx context.Context, g *Repo) error {
	out, err := g.output(ctx, "for-each-ref", tagFormat, "refs/tags")
	if err != nil {
		return err
	}
	asOf := h.AsOf
	for _, rec := range bytes.Split(out, []byte{0x1e}) {
		rec = bytes.TrimLeft(rec, "\n")
		if len(rec) == 0 {
			continue
		}
		f := bytes.SplitN(rec, []byte{0}, 6)
		if len(f) != 6 {
			return fmt.Errorf("git for-each-ref: unexpected record %q", escape.Clip(string(rec), 80))
		}
		t := Tag{Name: string(f[0]), Annotated: string(f[1]) == "tag"}
		var sec int64
		switch {
		case t.Annotated && len(f[2]) > 0:
			sec, _ = strconv.ParseInt(string(f[2]), 10, 64)
		case len(f[3]) > 0:
			sec, _ = strconv.ParseInt(string(f[3]), 10, 64)
		case len(f[4]) > 0:
			sec, _ = strconv.ParseInt(string(f[4]), 10, 64)
		default:
			continue // a tag of a tree or blob: not a release
		}
		t.Date = time.Unix(sec, 0).UTC()
		if t.Date.After(asOf) {
			continue
		}
		t.Signature = signatureKind(f[5])
		h.Tags = append(h.Tags, t)
	}
	slices.SortFunc(h.Tags, func(a, b Tag) int {
		return cmp.Or(b.Date.Compare(a.Date), strings.Compare(a.Name, b.Name))
	})
	return nil
}

func signatureKind(sig []byte) string {
	switch {
	case bytes.Contains(sig, []byte("-----BEGIN PGP SIGNATURE-----")):
		return "pgp"
	case bytes.Contains(sig, []byte("-----BEGIN SSH SIGNATURE-----")):
		return "ssh"
	case bytes.Contains(sig, []byte("-----BEGIN SIGNED MESSAGE-----")):
		return "x509"
	}
	return ""
}

// botAddresses are bot e-mail addresses without a "[bot]" marker.
var botAddresses = map[string]bool{
	"bot@renovateapp.com":                  true,
	"action@github.com":                    true,
	"actions@github.com":                   true,
	"github-actions@github.com":            true,
	"support@dependabot.com":               true,
	"noreply@dependabot.com":               true,
	"greenkeeper@users.noreply.github.com": true,
}

// IsBot reports whether an author is an automation account: a GitHub App
// ("name[bot]", "id+name[bot]@users.noreply.github.com") or one of the known
// bot addresses.
func IsBot(name, email string) bool {
	e := strings.ToLower(email)
	local, _, _ := strings.Cut(e, "@")
	return strings.HasSuffix(strings.ToLower(name), "[bot]") ||
		strings.HasSuffix(local, "[bot]") ||
		botAddresses[e]
}
