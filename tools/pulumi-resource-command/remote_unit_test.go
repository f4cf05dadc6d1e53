package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

// testKeyPair returns a fresh ed25519 private key (OpenSSH PEM) and its
// public key in authorized_keys format.
func testKeyPair(t *testing.T) (private, public string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "unit-test")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block)), string(ssh.MarshalAuthorizedKey(sshPub))
}

func TestRemoteCheck(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	testPrivateKey, testHostKey := testKeyPair(t)
	ok := pm("connection", map[string]any{"host": "h", "privateKey": testPrivateKey, "hostKey": testHostKey},
		"create", "true", "environment", map[string]any{"GOOD_1": "x"})
	in := remoteInputs(t, p, remoteURN, ok)
	conn := in["connection"]
	if !conn.IsSecret() {
		t.Fatal("connection must be secret after Check")
	}
	c := conn.SecretValue().Element.ObjectValue()
	if c["port"].NumberValue() != 22 || c["user"].StringValue() != "root" ||
		c["dialErrorLimit"].NumberValue() != 10 || c["perDialTimeout"].NumberValue() != 15 {
		t.Fatalf("defaults not applied: %v", c)
	}
	if _, ok := in["addPreviousOutputInEnv"]; ok {
		t.Fatal("the remote schema has no default for addPreviousOutputInEnv")
	}

	cases := []struct {
		name string
		in   resource.PropertyMap
		want map[string]string // property -> part of the reason
	}{
		{"missing connection", pm("create", "true"), map[string]string{"connection": "missing required property 'connection'"}},
		{"missing host", pm("connection", map[string]any{"user": "u"}),
			map[string]string{"connection.host": "missing required property 'connection.host'"}},
		{"bad values", pm("connection", map[string]any{"host": "h", "port": 70000.0, "dialErrorLimit": -2.0,
			"perDialTimeout": 1.5, "hostKey": "nope", "privateKey": "not a key"}),
			map[string]string{
				"connection.port":           "between 1 and 65535",
				"connection.dialErrorLimit": "between -1 and",
				"connection.perDialTimeout": "whole number",
				"connection.hostKey":        "authorized_keys format",
				"connection.privateKey":     "connection.privateKey cannot be used",
			}},
		{"proxy refused", pm("connection", map[string]any{"host": "h", "proxy": map[string]any{"host": "b"}}),
			map[string]string{"connection.proxy": "`connection.proxy` (a bastion host) is not supported by peva-lab's " +
				"offline command provider substitute; install the official pulumi-resource-command 1.2.1"}},
		{"environment names", pm("connection", map[string]any{"host": "h"},
			"environment", map[string]any{"1BAD": "x", "A-B": "y", "OK": "a\x00b"}),
			map[string]string{
				"environment.1BAD": "cannot be set on the remote host",
				"environment.A-B":  "cannot be set on the remote host",
				"environment.OK":   "NUL",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: remoteURN, News: mustMarshal(t, c.in)})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range resp.Failures {
				got[f.Property] = f.Reason
				if strings.Contains(f.Reason, "PRIVATE KEY") || strings.Contains(f.Reason, "not a key") {
					t.Fatalf("failure quotes the private key: %q", f.Reason)
				}
			}
			for prop, part := range c.want {
				if !strings.Contains(got[prop], part) {
					t.Fatalf("failure for %s = %q, want it to contain %q (all: %v)", prop, got[prop], part, got)
				}
			}
		})
	}
}

func TestRemoteCheckUnknownConnection(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	in := pm("create", "true")
	in["connection"] = resource.MakeComputed(resource.NewProperty(""))
	checked := remoteInputs(t, p, remoteURN, in)
	// Preview with an unknown connection: nothing runs, outputs unknown.
	cr, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: remoteURN,
		Properties: mustMarshal(t, checked), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if out := mustUnmarshal(t, cr.Properties); !out["stdout"].ContainsUnknowns() {
		t.Fatalf("stdout should be unknown: %v", out)
	}
	if _, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: remoteURN,
		Properties: mustMarshal(t, checked)}); err == nil || !strings.Contains(err.Error(), "unknown values") {
		t.Fatalf("err = %v", err)
	}
}

func TestRemoteDiffRules(t *testing.T) {
	k := remoteCommand{}
	conn := func(host string) resource.PropertyValue {
		return resource.MakeSecret(resource.NewPropertyValue(map[string]any{"host": host, "privateKey": "k"}))
	}
	base := func() resource.PropertyMap {
		m := pm("create", "echo hi", "triggers", []any{"1"})
		m["connection"] = conn("a")
		return m
	}
	cases := []struct {
		name     string
		mutate   func(resource.PropertyMap)
		changed  []string
		replaces []string
	}{
		{"no change", func(resource.PropertyMap) {}, nil, nil},
		{"connection host changes in place", func(m resource.PropertyMap) { m["connection"] = conn("b") },
			[]string{"connection"}, nil},
		{"connection loses secret-ness", func(m resource.PropertyMap) {
			m["connection"] = m["connection"].SecretValue().Element
		}, []string{"connection"}, nil},
		{"create changes in place", func(m resource.PropertyMap) { m["create"] = resource.NewProperty("echo ho") },
			[]string{"create"}, nil},
		{"stdin", func(m resource.PropertyMap) { m["stdin"] = resource.NewProperty("x") }, []string{"stdin"}, nil},
		{"triggers replace", func(m resource.PropertyMap) { m["triggers"] = resource.NewPropertyValue([]any{"2"}) },
			[]string{"triggers"}, []string{"triggers"}},
		{"local-only keys are ignored", func(m resource.PropertyMap) { m["dir"] = resource.NewProperty("/x") }, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			news := base()
			c.mutate(news)
			d := diffInputs(k.inputKeys(), k.replaceKeys(), base(), news, nil)
			if !reflect.DeepEqual(d.Changed, c.changed) || !reflect.DeepEqual(d.Replaces, c.replaces) {
				t.Fatalf("changed = %v replaces = %v, want %v %v", d.Changed, d.Replaces, c.changed, c.replaces)
			}
		})
	}
}

func TestCopyToRemoteDiffAndCheck(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	k := copyToRemote{}
	text := func(s string) resource.PropertyValue {
		a, err := asset.FromText(s)
		if err != nil {
			t.Fatal(err)
		}
		return resource.NewAssetProperty(a)
	}
	base := func() resource.PropertyMap {
		m := pm("remotePath", "/x", "connection", map[string]any{"host": "h"})
		m["source"] = text("a")
		return m
	}
	for _, c := range []struct {
		name     string
		mutate   func(resource.PropertyMap)
		replaces []string
		copy     bool
	}{
		{"source content updates in place", func(m resource.PropertyMap) { m["source"] = text("b") }, nil, true},
		{"remotePath updates in place", func(m resource.PropertyMap) { m["remotePath"] = resource.NewProperty("/y") }, nil, true},
		{"triggers replace", func(m resource.PropertyMap) { m["triggers"] = resource.NewPropertyValue([]any{1.0}) },
			[]string{"triggers"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			news := base()
			c.mutate(news)
			d := diffInputs(k.inputKeys(), k.replaceKeys(), base(), news, nil)
			if !d.HasChanges() || !reflect.DeepEqual(d.Replaces, c.replaces) {
				t.Fatalf("diff = %+v", d)
			}
			if got := copyNeeded(base(), news); got != c.copy {
				t.Fatalf("copyNeeded = %v, want %v", got, c.copy)
			}
		})
	}

	uri := &asset.Asset{Sig: asset.AssetSig, URI: "https://example.invalid/x", Hash: "h"}
	assets, err := archive.FromAssets(map[string]any{"a": &asset.Asset{Sig: asset.AssetSig, Text: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		source resource.PropertyValue
		want   string
	}{
		{"uri asset", resource.NewAssetProperty(uri), "a remote (URI) asset as CopyToRemote source is not supported"},
		{"asset archive", resource.NewArchiveProperty(assets), "an AssetArchive as CopyToRemote source is not supported"},
		{"string", resource.NewProperty("/etc/passwd"), "source must be an asset or an archive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := base()
			m["source"] = c.source
			resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: copyURN, News: mustMarshal(t, m)})
			if err != nil || len(resp.Failures) != 1 || !strings.Contains(resp.Failures[0].Reason, c.want) {
				t.Fatalf("resp = %v, err = %v", resp, err)
			}
		})
	}
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: copyURN, News: mustMarshal(t, pm())})
	if err != nil || len(resp.Failures) != 3 {
		t.Fatalf("missing required inputs not reported: %v %v", resp, err)
	}
}

// TestWithExports runs the generated prefix through a real shell: every
// value must arrive byte for byte, and nothing in a value may run.
func TestWithExports(t *testing.T) {
	env := map[string]string{
		"A":     `it's "quoted" $HOME $(touch /tmp/pwned) ` + "`id`",
		"B":     "multi\nline\n",
		"EMPTY": "",
		"Q":     `'''`,
	}
	script := withExports(`printf '%s|' "$A" "$B" "$EMPTY" "$Q"`, env)
	out, err := exec.Command("/bin/sh", "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := env["A"] + "|" + env["B"] + "|" + "|" + env["Q"] + "|"
	if string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
	if got := withExports("cmd", nil); got != "cmd" {
		t.Fatalf("no env: %q", got)
	}
}

// TestPerDialTimeout: a server that accepts TCP but never speaks SSH must
// not hold a dial longer than perDialTimeout.
func TestPerDialTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	addr := l.Addr().(*net.TCPAddr)
	testPrivateKey, _ := testKeyPair(t)
	conn, _, failures := decodeConnection(resource.NewPropertyValue(map[string]any{
		"host": "127.0.0.1", "port": float64(addr.Port), "privateKey": testPrivateKey,
		"perDialTimeout": 1.0, "dialErrorLimit": 0.0,
	}))
	if len(failures) > 0 {
		t.Fatal(failures)
	}
	start := time.Now()
	_, err = dialSSH(context.Background(), conn, nil)
	if err == nil || !strings.Contains(err.Error(), "giving up after 1 failed attempts") ||
		!strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 4*time.Second {
		t.Fatalf("took %v, want about 1s", d)
	}
}

func TestSchemaListsRemoteResources(t *testing.T) {
	s := schemaJSON("1.2.1")
	for _, want := range []string{`"command:remote:Command"`, `"command:remote:CopyToRemote"`,
		`"command:remote:Connection"`, `"hostKey"`, `"replaceOnChanges":true`} {
		if !strings.Contains(s, want) {
			t.Fatalf("schema lacks %s", want)
		}
	}
	if strings.Contains(s, "command:remote:CopyFile") {
		t.Fatal("schema must not list CopyFile")
	}
}
