// Command pulumi-language-nodejs is peva-lab's own minimal Pulumi language host for Node.js.
//
// It exists only as an offline fallback: the official host lives in a Go module that our
// restricted module mirror refuses, while github.com/pulumi/pulumi/sdk/v3 is available. It
// implements just what `pulumi preview/up/destroy` of a Node.js project needs (see README.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is reported by GetPluginInfo. The build overrides it with -X main.version=...; the
// default is the SDK version we build against so that an unflagged build still reports valid semver.
var version = "3.259.0"

// cliArgs is what we take from the command line.
type cliArgs struct {
	engineAddress string
	tracing       string
	showVersion   bool
}

// valueFlags are the flags (of the real host and of the engine's plugin launcher) whose value may
// follow as a separate word, e.g. `--tracing http://...`. Any other flag is treated as boolean
// unless written `-flag=value`. Knowing these keeps a separate value from being mistaken for the
// engine address.
var valueFlags = map[string]bool{
	"tracing": true, "root": true, "binary": true, "tsconfig": true, "nodeargs": true,
	"packagemanager": true, "runtime": true, "v": true,
}

// parseArgs is deliberately permissive: the engine (and users following upstream docs) may pass
// flags we do not know, and refusing them would make the whole deployment fail. Single and double
// dashes are accepted; the last positional word is the engine address, as the engine puts it last.
func parseArgs(args []string) cliArgs {
	var out cliArgs
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		value, hasValue := "", false
		if k, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = k, v, true
		} else if valueFlags[name] && i+1 < len(args) {
			i++
			value, hasValue = args[i], true
		}
		switch name {
		case "tracing":
			if hasValue {
				out.tracing = value
			}
		case "version":
			out.showVersion = !hasValue || value == "true"
		}
	}
	if len(positional) > 0 {
		out.engineAddress = positional[len(positional)-1]
	}
	return out
}

func main() {
	args := parseArgs(os.Args[1:])
	if args.showVersion {
		fmt.Println(version)
		return
	}

	// Stop serving on Ctrl-C, or when the engine goes away (health check), so that we never
	// linger as an orphan process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if args.engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, args.engineAddress, 5*time.Minute, stop); err != nil {
			fmt.Fprintf(os.Stderr, "could not start health check: %v\n", err)
			os.Exit(1)
		}
	}
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()

	host := newHost(args.engineAddress, args.tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start language host RPC server: %v\n", err)
		os.Exit(1)
	}

	// Plugin protocol: the first line on stdout is the port the engine should dial.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host RPC stopped serving: %v\n", err)
		os.Exit(1)
	}
}
