#!/usr/bin/env bash
# Builds the Go-based tools (Pulumi CLI + Node.js language host, the command provider, vegeta)
# from the Go module proxy at pinned versions. Sourced by scripts/bootstrap; every function
# is idempotent: it returns at once when the pinned binary is already in place.
# Recipes: shared/reference/offline-toolchain.md §4.

# Pinned versions. PULUMI_VERSION must equal the exact @pulumi/pulumi version in package-lock.json
# (a test checks this). The official language host module (tag v3.259.0 = commit 0ac56e876614) is not served by
# restricted module mirrors, hence tools/pulumi-language-nodejs.
PULUMI_VERSION=3.259.0
COMMAND_VERSION=1.2.1
COMMAND_COMMIT=7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25
# The Kubernetes provider plugin. K8S_VERSION must equal the exact @pulumi/kubernetes version in package.json (a test
# checks this): the npm release made from the commit the module proxy serves. The module exists there only as this
# pseudo-version, the v4.25.0 tag's commit; its go.mod replaces the SDK with a local path, which the wrapper module
# tools/pulumi-resource-kubernetes undoes by requiring sdk/v4 v4.25.0.
K8S_VERSION=4.25.0
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PROVIDER_PSEUDO_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# The bundled load generator. vegeta is MIT-licensed; k6 (AGPL-3.0) is never built, downloaded or bundled.
VEGETA_MODULE=github.com/tsenart/vegeta/v12
VEGETA_VERSION=12.13.0

go_env() {
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
  # The checksum database does not know every pseudo-version the wrapper resolves; the proxy is trusted
  # for the Pulumi module family only.
  export GONOSUMDB="github.com/pulumi"
}

# binary_version <path> <args...>: prints the first line of the binary's version output, or nothing.
binary_version() { [ -x "$1" ] && "$@" 2>/dev/null | head -n1; }

build_pulumi() {
  local out="$1" wrap="$2"
  if [ "$(binary_version "$out/pulumi" version)" = "v$PULUMI_VERSION" ]; then
    return 0
  fi
  go_env
  mkdir -p "$out" "$wrap"
  (
    cd "$wrap" || exit 1
    cat > go.mod <<GOMOD
module local.invalid/pulumi-build

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
    go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION"
    go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION"
    local ldf="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldf" -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
}

build_command_provider() {
  local out="$1"
  [ -x "$out/pulumi-resource-command" ] && return 0
  go_env
  mkdir -p "$out"
  GOBIN="$out" go install -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_VERSION" \
    "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command@$COMMAND_COMMIT"
}

# build_kubernetes_provider <out> <build>: the Kubernetes provider from its module, through the wrapper module in
# tools/pulumi-resource-kubernetes, in the scratch folder <build>. The module ships schema.json and
# terraform-mapping.json, not the generated copies its command embeds; they are written here (the schema with its
# version set, as upstream's generate step does) and never committed. About 8 minutes cold on 2 cores.
build_kubernetes_provider() {
  local out="$1" build="$2" root src
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  go_env
  rm -rf "$build"
  mkdir -p "$build" "$out"
  cp "$root/tools/pulumi-resource-kubernetes/go.mod" "$root/tools/pulumi-resource-kubernetes/go.sum" "$root/tools/pulumi-resource-kubernetes/main.go" "$build/"
  (
    cd "$build" || exit 1
    src=$(go mod download -json "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO_VERSION" | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')
    [ -f "$src/cmd/pulumi-resource-kubernetes/schema.json" ] || { echo "no schema.json in $src/cmd/pulumi-resource-kubernetes" >&2; exit 1; }
    # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
    node -e '
      const fs = require("node:fs");
      const [dir, version] = process.argv.slice(1);
      const schema = JSON.parse(fs.readFileSync(`${dir}/schema.json`, "utf8"));
      schema.version = version;
      fs.writeFileSync("schema-embed.json", JSON.stringify(schema));
      fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(`${dir}/terraform-mapping.json`, "utf8"))));
    ' "$src/cmd/pulumi-resource-kubernetes" "$K8S_VERSION"
    go build -trimpath -ldflags "-s -w -X $K8S_PROVIDER_MODULE/pkg/version.Version=$K8S_VERSION" -o "$out/pulumi-resource-kubernetes" .
  )
}

# vegeta_version <path>: the version a vegeta binary reports ("Version: v12.13.0" on its first line), or nothing.
vegeta_version() { [ -x "$1" ] && "$1" -version 2>/dev/null | sed -n 's/^Version: *//p' | head -n1; }

build_vegeta() {
  local out="$1"
  [ "$(vegeta_version "$out/vegeta")" = "v$VEGETA_VERSION" ] && return 0
  go_env
  mkdir -p "$out"
  # The release sets main.Version at link time; without it `vegeta -version` prints nothing useful.
  GOBIN="$out" go install -trimpath -ldflags "-s -w -X main.Version=v$VEGETA_VERSION" "$VEGETA_MODULE@v$VEGETA_VERSION"
}

# build_local_tool <name> <version> <outdir>: builds peva-lab's own Go module tools/<name> (offline substitutes
# for plugins the module proxy does not serve) against the pinned Pulumi SDK.
build_local_tool() {
  local name="$1" version="$2" out="$3" root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  go_env
  mkdir -p "$out"
  (cd "$root/tools/$name" && go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out/$name" .)
}
