// Command hallmark is the command-line entry point; see internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run is main without the exit, shared with the test binary's "hallmark"
// so that scripts see the same signal handling as the real command.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		// After the first Ctrl-C the command winds down and exits 130; a
		// second one gets the default action and ends the process at once.
		<-ctx.Done()
		stop()
	}()
	return cli.Main(ctx, args, os.Stdout, os.Stderr)
}
