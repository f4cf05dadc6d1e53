// Command pulumi-resource-command is peva-lab's offline substitute for the
// official Pulumi Command provider. It implements the local Command resource,
// the local run function, and the remote Command and CopyToRemote resources
// (over SSH); everything else fails with a clear error. See README.md.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is reported to the engine. It must match the version the
// @pulumi/command SDK requests (set with -ldflags "-X main.version=...").
var version = "1.2.1"

const providerName = "command"

func main() {
	err := provider.Main(providerName, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newProvider(host, version), nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s\n", err)
		os.Exit(1)
	}
}
