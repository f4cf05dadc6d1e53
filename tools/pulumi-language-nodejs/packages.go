package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// maxNesting bounds how deep we follow <pkg>/node_modules/<pkg>/node_modules/... chains. npm only
// nests a package when versions conflict, so real trees stay shallow; the bound protects against
// pathological or cyclic layouts.
const maxNesting = 6

// packageJSON holds the few package.json fields this host reads.
type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	// Pulumi is a raw message because many packages use "pulumi" for unrelated data
	// (e.g. @pulumi/pulumi has {"comment": ...}); we decode it only when it is an object.
	Pulumi json.RawMessage `json:"pulumi"`
}

// pulumiSection is the "pulumi" object of a provider SDK's package.json.
type pulumiSection struct {
	Resource         bool              `json:"resource"`
	Name             string            `json:"name"`
	Version          string            `json:"version"`
	Server           string            `json:"server"`
	Parameterization *parameterization `json:"parameterization"`
}

type parameterization struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Value   []byte `json:"value"` // base64 in JSON, as the engine writes it
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pkg packageJSON
	if err := json.Unmarshal(b, &pkg); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &pkg, nil
}

// pluginFor returns the resource plugin a package needs, or nil when it needs none.
func pluginFor(pkg *packageJSON) (*pulumirpc.PackageDependency, error) {
	if len(pkg.Pulumi) == 0 || pkg.Pulumi[0] != '{' {
		return nil, nil
	}
	var sec pulumiSection
	if err := json.Unmarshal(pkg.Pulumi, &sec); err != nil {
		return nil, fmt.Errorf("package %s: bad \"pulumi\" section: %w", pkg.Name, err)
	}
	if !sec.Resource {
		return nil, nil
	}

	name := sec.Name
	if name == "" {
		// Only first-party packages may leave the plugin name implicit; for anything else the
		// npm name says nothing reliable about the plugin name (same rule as the real host).
		suffix, ok := strings.CutPrefix(pkg.Name, "@pulumi/")
		if !ok || suffix == "" {
			return nil, fmt.Errorf("package %q: \"pulumi.name\" is required for third-party plugins", pkg.Name)
		}
		name = suffix
	}

	ver := sec.Version
	if ver == "" {
		ver = pkg.Version
	}
	if ver == "" {
		return nil, fmt.Errorf("package %q: no version", pkg.Name)
	}
	if !strings.HasPrefix(ver, "v") {
		ver = "v" + ver
	}

	dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: ver, Server: sec.Server}
	if p := sec.Parameterization; p != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
	}
	return dep, nil
}

// findNodeModules returns the node_modules directory that serves programDir: the nearest one at or
// above it, without climbing past rootDir (the Pulumi.yaml directory) so that an unrelated
// node_modules higher up (e.g. in $HOME) is never picked. An empty rootDir means programDir only.
func findNodeModules(programDir, rootDir string) string {
	dir := filepath.Clean(programDir)
	root := ""
	if rootDir != "" {
		root = filepath.Clean(rootDir)
	}
	for {
		nm := filepath.Join(dir, "node_modules")
		if fi, err := os.Stat(nm); err == nil && fi.IsDir() {
			return nm
		}
		if root == "" || dir == root || !strings.HasPrefix(dir, root+string(filepath.Separator)) {
			return ""
		}
		dir = filepath.Dir(dir)
	}
}

// scanPlugins lists the resource plugins required by the packages installed in nodeModules,
// following the npm layout: <nm>/<pkg>, <nm>/@scope/<pkg>, and nested <pkg>/node_modules.
// Symlinks (npm workspaces, pnpm) are followed, each real directory visited once. Problems with
// single packages are returned alongside the result rather than failing the whole scan.
func scanPlugins(nodeModules string) ([]*pulumirpc.PackageDependency, []error) {
	s := &scanner{seen: map[string]bool{}, found: map[string]*pulumirpc.PackageDependency{}}
	s.scanDir(nodeModules, 0)

	keys := make([]string, 0, len(s.found))
	for k := range s.found {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic output
	deps := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		deps = append(deps, s.found[k])
	}
	return deps, s.errs
}

type scanner struct {
	seen  map[string]bool
	found map[string]*pulumirpc.PackageDependency
	errs  []error
}

// scanDir visits one node_modules directory.
func (s *scanner) scanDir(nm string, depth int) {
	entries, err := os.ReadDir(nm)
	if err != nil {
		s.errs = append(s.errs, err)
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue // .bin, .package-lock.json, .cache, .pnpm store: no packages of their own
		}
		path := filepath.Join(nm, name)
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(path)
			if err != nil {
				s.errs = append(s.errs, err)
				continue
			}
			for _, se := range scoped {
				s.scanPackage(filepath.Join(path, se.Name()), depth)
			}
			continue
		}
		s.scanPackage(path, depth)
	}
}

// scanPackage inspects one installed package, then its own nested node_modules.
func (s *scanner) scanPackage(dir string, depth int) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return // dangling link: nothing installed there
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() || s.seen[real] {
		return
	}
	s.seen[real] = true

	pkg, err := readPackageJSON(filepath.Join(real, "package.json"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		// not a package (stray directory); nothing to report
	case err != nil:
		s.errs = append(s.errs, err)
	default:
		dep, err := pluginFor(pkg)
		if err != nil {
			s.errs = append(s.errs, err)
		} else if dep != nil {
			key := dep.Name + "@" + dep.Version + "@" + dep.Server
			if p := dep.Parameterization; p != nil {
				key += "@" + p.Name + "@" + p.Version // several SDKs may share one base plugin
			}
			s.found[key] = dep
		}
	}

	if depth < maxNesting {
		nested := filepath.Join(real, "node_modules")
		if fi, err := os.Stat(nested); err == nil && fi.IsDir() {
			s.scanDir(nested, depth+1)
		}
	}
}
