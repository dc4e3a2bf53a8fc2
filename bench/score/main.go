// Command score times `hallmark score` on a large git history made here:
// a repository of -commits commits (default 100,000) by ~2,000 authors with
// bots, a .mailmap, tags every 1,000 commits and a few workflow files, built
// in seconds by streaming a generated history into `git fast-import`. It
// prints wall time, commits per second and peak RSS, beside the time of the
// bare `git log` pass hallmark streams (the floor no history reader beats).
//
// Run it from the repository root: go run ./bench/score
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hallmark-dev/hallmark/bench/internal/measure"
)

var (
	workDir = flag.String("dir", "bench/_out/score", "where the repository and the binary go")
	commits = flag.Int("commits", 100_000, "commits in the generated history")
	runs    = flag.Int("runs", 3, "runs; the fastest counts")
	rebuild = flag.Bool("rebuild", false, "regenerate the repository even if it exists")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	dir, err := filepath.Abs(*workDir)
	if err != nil {
		log.Fatal(err)
	}
	repo := filepath.Join(dir, fmt.Sprintf("repo-%d", *commits))
	if _, err := os.Stat(repo); err != nil || *rebuild {
		os.RemoveAll(repo)
		start := time.Now()
		if err := build(repo, *commits); err != nil {
			log.Fatal(err)
		}
		log.Printf("built %d-commit repository in %s", *commits, measure.Ms(time.Since(start)))
	}
	bin := filepath.Join(dir, "hallmark")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/hallmark").CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	asOf := "2024-12-31"
	gitLog, err := measure.Best(*runs, nil, repo, "git", "log", "--format=%ct%x00%at%x00%aN%x00%aE", "HEAD")
	if err != nil {
		log.Fatal(err)
	}
	res, err := measure.Best(*runs, nil, "", bin, "score", repo, "--as-of", asOf, "-o", "json")
	if err != nil {
		log.Fatal(err)
	}
	cps := float64(*commits) / res.Wall.Seconds()
	fmt.Printf("machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Printf("history: %d commits, 2,000 authors + bots, %d tags\n", *commits, *commits/1000)
	fmt.Printf("%-28s %10s %12s %10s\n", "", "wall", "commits/s", "peak RSS")
	fmt.Printf("%-28s %10s %12.0f %10s\n", "git log (the pass alone)", measure.Ms(gitLog.Wall), float64(*commits)/gitLog.Wall.Seconds(), measure.MiB(gitLog.MaxRSS))
	fmt.Printf("%-28s %10s %12.0f %10s\n", "hallmark score (all)", measure.Ms(res.Wall), cps, measure.MiB(res.MaxRSS))
	if res.Wall > 5*time.Second {
		fmt.Printf("goal missed: %d commits in %s, goal 5 s\n", *commits, res.Wall)
	}
}

// build streams a generated history into git fast-import.
func build(repo string, n int) error {
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return err
	}
	git := func(args ...string) *exec.Cmd {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		return cmd
	}
	if out, err := git("init", "-q", "-b", "main").CombinedOutput(); err != nil {
		return fmt.Errorf("git init: %v\n%s", err, out)
	}
	imp := git("fast-import", "--quiet")
	in, err := imp.StdinPipe()
	if err != nil {
		return err
	}
	imp.Stderr = os.Stderr
	if err := imp.Start(); err != nil {
		return err
	}
	w := bufio.NewWriterSize(in, 1<<20)
	data := func(s string) { fmt.Fprintf(w, "data %d\n%s\n", len(s), s) }
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	end := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC).Unix()
	step := (end - start) / int64(n)
	files := map[string]string{
		".github/workflows/ci.yml": "on: pull_request\npermissions: read-all\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: go test ./...\n",
		"LICENSE":                  "Apache License\nVersion 2.0, January 2004\n",
		"SECURITY.md":              "Report vulnerabilities to security@example.org; we disclose within 90 days.\n",
		".mailmap":                 "Author Zero <a0@corp0.example> <old0@gmail.com>\n",
	}
	for i := 0; i < n; i++ {
		a := i % 2000
		name, email := fmt.Sprintf("Author %d", a), fmt.Sprintf("a%d@corp%d.example", a, a%37)
		switch {
		case i%50 == 7:
			name, email = "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"
		case i%97 == 3:
			name, email = "Author Zero", "old0@gmail.com"
		}
		when := start + int64(i)*step
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\n", i+1)
		fmt.Fprintf(w, "author %s <%s> %d +0000\ncommitter %s <%s> %d +0000\n", name, email, when, name, email, when)
		data(fmt.Sprintf("change %d", i))
		if i > 0 {
			fmt.Fprintf(w, "from :%d\n", i)
		}
		if i == 0 {
			for p, c := range files {
				fmt.Fprintf(w, "M 100644 inline %s\n", p)
				data(c)
			}
		}
		fmt.Fprintf(w, "M 100644 inline src/f%03d.txt\n", i%500)
		data(fmt.Sprintf("line %d\n", i))
		if i%1000 == 999 {
			fmt.Fprintf(w, "tag v0.%d.0\nfrom :%d\ntagger Release <rel@corp0.example> %d +0000\n", i/1000, i+1, when)
			data("release")
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	in.Close()
	if err := imp.Wait(); err != nil {
		return fmt.Errorf("git fast-import: %w", err)
	}
	if out, err := git("reset", "-q", "--hard", "main").CombinedOutput(); err != nil {
		return fmt.Errorf("git reset: %v\n%s", err, out)
	}
	return nil
}
