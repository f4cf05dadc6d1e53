package main

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFile creates path (and its parents) with the given content.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// summary renders scan results as "name version server" strings for easy comparison.
func summary(t *testing.T, nm string) ([]string, int) {
	t.Helper()
	deps, errs := scanPlugins(nm)
	var out []string
	for _, d := range deps {
		if d.Kind != "resource" {
			t.Errorf("%s: kind %q, want resource", d.Name, d.Kind)
		}
		s := d.Name + " " + d.Version
		if d.Server != "" {
			s += " " + d.Server
		}
		if p := d.Parameterization; p != nil {
			s += " param=" + p.Name + "@" + p.Version + ":" + string(p.Value)
		}
		out = append(out, s)
	}
	return out, len(errs)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestScanPlugins(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "node_modules")

	// Scoped first-party package with an explicit pulumi section (as @pulumi/command ships it).
	writeFile(t, filepath.Join(nm, "@pulumi/command/package.json"),
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true,"name":"command","version":"1.2.1"}}`)
	// Name and version derived from the npm package; server passed through.
	writeFile(t, filepath.Join(nm, "@pulumi/random/package.json"),
		`{"name":"@pulumi/random","version":"4.16.0","pulumi":{"resource":true,"server":"https://example.invalid/x"}}`)
	// Explicit "v" prefix is kept as is.
	writeFile(t, filepath.Join(nm, "@pulumi/tls/package.json"),
		`{"name":"@pulumi/tls","version":"5.0.0","pulumi":{"resource":true,"version":"v5.0.1"}}`)
	// Third-party package with explicit plugin name, unscoped.
	writeFile(t, filepath.Join(nm, "thirdparty/package.json"),
		`{"name":"thirdparty","version":"0.3.0","pulumi":{"resource":true,"name":"acme"}}`)
	// Parameterized package (value is base64 in JSON).
	writeFile(t, filepath.Join(nm, "@acme/tf/package.json"),
		`{"name":"@acme/tf","version":"0.1.0","pulumi":{"resource":true,"name":"terraform-provider","version":"0.8.0",`+
			`"parameterization":{"name":"tf","version":"1.0.0","value":"aGk="}}}`)
	// Not plugins: the core SDK ("pulumi" is a comment object), a plain package, resource:false,
	// a "pulumi" field that is not an object, and a stray directory without package.json.
	writeFile(t, filepath.Join(nm, "@pulumi/pulumi/package.json"),
		`{"name":"@pulumi/pulumi","version":"3.259.0","pulumi":{"comment":"Do not remove."}}`)
	writeFile(t, filepath.Join(nm, "yaml/package.json"), `{"name":"yaml","version":"2.9.1"}`)
	writeFile(t, filepath.Join(nm, "@pulumi/policy/package.json"),
		`{"name":"@pulumi/policy","version":"1.0.0","pulumi":{"resource":false}}`)
	writeFile(t, filepath.Join(nm, "weird/package.json"), `{"name":"weird","version":"1.0.0","pulumi":"yes"}`)
	writeFile(t, filepath.Join(nm, "stray/readme.txt"), "no package here")
	// Hidden entries are skipped, even if they look like packages.
	writeFile(t, filepath.Join(nm, ".cache/@pulumi/aws/package.json"),
		`{"name":"@pulumi/aws","version":"6.0.0","pulumi":{"resource":true}}`)
	// A package.json deep inside a package (test fixture) is not an installed package.
	writeFile(t, filepath.Join(nm, "yaml/test/fixture/package.json"),
		`{"name":"@pulumi/fixture","version":"9.9.9","pulumi":{"resource":true}}`)
	// Nested node_modules (npm version conflict): a second kubernetes version.
	writeFile(t, filepath.Join(nm, "@pulumi/kubernetes/package.json"),
		`{"name":"@pulumi/kubernetes","version":"4.34.2","pulumi":{"resource":true,"name":"kubernetes","version":"4.34.2"}}`)
	writeFile(t, filepath.Join(nm, "yaml/node_modules/@pulumi/kubernetes/package.json"),
		`{"name":"@pulumi/kubernetes","version":"4.20.0","pulumi":{"resource":true}}`)

	got, nerr := summary(t, nm)
	want := []string{
		"acme v0.3.0",
		"command v1.2.1",
		"kubernetes v4.20.0",
		"kubernetes v4.34.2",
		"random v4.16.0 https://example.invalid/x",
		"terraform-provider v0.8.0 param=tf@1.0.0:hi",
		"tls v5.0.1",
	}
	if !equal(got, want) {
		t.Errorf("scan:\n got  %q\n want %q", got, want)
	}
	if nerr != 0 {
		t.Errorf("unexpected %d errors", nerr)
	}
}

func TestScanPluginsErrorsAreNotFatal(t *testing.T) {
	nm := filepath.Join(t.TempDir(), "node_modules")
	writeFile(t, filepath.Join(nm, "broken/package.json"), `{not json`)
	// Third-party package without pulumi.name: rejected, as by the real host.
	writeFile(t, filepath.Join(nm, "@acme/nameless/package.json"),
		`{"name":"@acme/nameless","version":"1.0.0","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "@pulumi/noversion/package.json"),
		`{"name":"@pulumi/noversion","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "@pulumi/command/package.json"),
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true}}`)

	got, nerr := summary(t, nm)
	if !equal(got, []string{"command v1.2.1"}) {
		t.Errorf("got %q", got)
	}
	if nerr != 3 {
		t.Errorf("got %d errors, want 3", nerr)
	}
}

func TestScanPluginsSymlinksAndCycles(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "node_modules")
	// npm workspace: node_modules/@peva/core -> ../../plugins/core, whose own node_modules holds a
	// provider SDK.
	ws := filepath.Join(root, "plugins/core")
	writeFile(t, filepath.Join(ws, "package.json"), `{"name":"@peva/core","version":"0.1.0"}`)
	writeFile(t, filepath.Join(ws, "node_modules/@pulumi/command/package.json"),
		`{"name":"@pulumi/command","version":"1.0.0","pulumi":{"resource":true}}`)
	if err := os.MkdirAll(filepath.Join(nm, "@peva"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ws, filepath.Join(nm, "@peva/core")); err != nil {
		t.Fatal(err)
	}
	// A cycle: the workspace links back to itself, and a dangling link.
	if err := os.Symlink(ws, filepath.Join(ws, "node_modules/self")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "missing"), filepath.Join(nm, "dangling")); err != nil {
		t.Fatal(err)
	}

	got, nerr := summary(t, nm)
	if !equal(got, []string{"command v1.0.0"}) || nerr != 0 {
		t.Errorf("got %q with %d errors", got, nerr)
	}
}

func TestScanPluginsDepthLimit(t *testing.T) {
	nm := filepath.Join(t.TempDir(), "node_modules")
	dir := nm
	for i := 0; i <= maxNesting+1; i++ {
		dir = filepath.Join(dir, "p", "node_modules")
		writeFile(t, filepath.Join(filepath.Dir(dir), "package.json"), `{"name":"p","version":"1.0.0"}`)
	}
	writeFile(t, filepath.Join(dir, "@pulumi/deep/package.json"),
		`{"name":"@pulumi/deep","version":"1.0.0","pulumi":{"resource":true}}`)
	if got, _ := summary(t, nm); len(got) != 0 {
		t.Errorf("found %q beyond the nesting limit", got)
	}
}

func TestFindNodeModules(t *testing.T) {
	root := t.TempDir()
	prog := filepath.Join(root, "infra", "app")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := findNodeModules(prog, root); got != "" {
		t.Errorf("no node_modules anywhere: got %q", got)
	}
	if err := os.MkdirAll(filepath.Join(root, "node_modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := findNodeModules(prog, root); got != filepath.Join(root, "node_modules") {
		t.Errorf("hoisted to project root: got %q", got)
	}
	if got := findNodeModules(prog, ""); got != "" {
		t.Errorf("without a root directory only the program directory counts: got %q", got)
	}
	if got := findNodeModules(prog, prog); got != "" {
		t.Errorf("must not climb above the root directory: got %q", got)
	}
	if err := os.MkdirAll(filepath.Join(prog, "node_modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := findNodeModules(prog, root); got != filepath.Join(prog, "node_modules") {
		t.Errorf("nearest wins: got %q", got)
	}
}
