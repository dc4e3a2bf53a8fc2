// Command hallmark is the command-line entry point; see internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/hallmark-dev/hallmark/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
