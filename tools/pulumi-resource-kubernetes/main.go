// The Kubernetes resource provider plugin, built from its Go module for machines that cannot download the
// official release. The module does not ship the two JSON files its own command embeds (upstream generates them),
// so this main embeds the copies scripts/bootstrap writes next to it in the build folder: the module's schema.json
// with its version set, and its terraform-mapping.json.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
