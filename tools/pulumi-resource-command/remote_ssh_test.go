package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

const (
	remoteURN = "urn:pulumi:dev::proj::command:remote:Command::r"
	copyURN   = "urn:pulumi:dev::proj::command:remote:CopyToRemote::c"
)

// TestRemoteOverSSH runs the remote resources against a real OpenSSH sshd in
// a network namespace. The namespace shares this machine's file system, so
// the test can look at what the remote side wrote.
func TestRemoteOverSSH(t *testing.T) {
	h := startSSHHost(t)
	t.Run("command lifecycle", func(t *testing.T) { testRemoteLifecycle(t, h) })
	t.Run("exit code", func(t *testing.T) { testRemoteExitCode(t, h) })
	t.Run("host keys", func(t *testing.T) { testRemoteHostKeys(t, h) })
	t.Run("dial gives up", func(t *testing.T) { testRemoteDialGivesUp(t, h) })
	t.Run("logging and cancel", func(t *testing.T) { testRemoteLoggingAndCancel(t, h) })
	t.Run("agent", func(t *testing.T) { testRemoteAgent(t, h) })
	t.Run("copy file and text", func(t *testing.T) { testCopyFileAndText(t, h) })
	t.Run("copy directory", func(t *testing.T) { testCopyDirectory(t, h) })
}

// remoteInputs runs Check on a remote Command's inputs and returns the result.
func remoteInputs(t *testing.T, p *commandProvider, urn string, m resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: mustMarshal(t, m)})
	if err != nil || len(resp.Failures) > 0 {
		t.Fatalf("check: %v %v", resp.GetFailures(), err)
	}
	return mustUnmarshal(t, resp.Inputs)
}

func testRemoteLifecycle(t *testing.T, h *testSSHHost) {
	p := newProvider(nil, "1.2.1")
	ctx := context.Background()
	dir := t.TempDir()
	// Check applies the connection defaults (port, user) and makes it secret.
	in := pm("connection", h.conn(map[string]any{"port": nil, "user": nil}),
		"create", `echo "create $FOO"; cat; echo warn >&2`,
		"delete", `printf '%s' "$PULUMI_COMMAND_STDOUT" > `+filepath.Join(dir, "deleted"),
		"environment", map[string]any{"FOO": `it's a $value "quoted"`},
		"stdin", "from-stdin\n")
	checked := remoteInputs(t, p, remoteURN, in)
	if !checked["connection"].IsSecret() {
		t.Fatal("connection must be secret after Check")
	}
	if c := checked["connection"].SecretValue().Element.ObjectValue(); c["port"].NumberValue() != 22 ||
		c["user"].StringValue() != "root" {
		t.Fatalf("defaults not applied: %v", c)
	}

	cr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: remoteURN, Properties: mustMarshal(t, checked)})
	if err != nil {
		t.Fatal(err)
	}
	state := mustUnmarshal(t, cr.Properties)
	if !state["stdout"].IsSecret() || !state["connection"].IsSecret() {
		t.Fatalf("stdout and connection must be secret: %v", state)
	}
	if got := stringProp(state, "stdout"); got != `create it's a $value "quoted"`+"\nfrom-stdin" {
		t.Fatalf("stdout = %q", got)
	}
	if got := stringProp(state, "stderr"); got != "warn" {
		t.Fatalf("stderr = %q", got)
	}

	// Update runs `update` with the previous stdout in the environment.
	news := checked.Copy()
	news["update"] = resource.NewProperty(`echo "prev=[$PULUMI_COMMAND_STDOUT] foo=$FOO"`)
	ur, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: remoteURN, Id: cr.Id,
		Olds: cr.Properties, News: mustMarshal(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	state = mustUnmarshal(t, ur.Properties)
	want := `prev=[create it's a $value "quoted"` + "\nfrom-stdin] foo=it's a $value \"quoted\""
	if got := stringProp(state, "stdout"); got != want {
		t.Fatalf("update stdout = %q, want %q", got, want)
	}

	// Without addPreviousOutputInEnv the previous output is not exported.
	news2 := news.Copy()
	news2["addPreviousOutputInEnv"] = resource.NewProperty(false)
	ur2, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: remoteURN, Id: cr.Id,
		Olds: ur.Properties, News: mustMarshal(t, news2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := stringProp(mustUnmarshal(t, ur2.Properties), "stdout"); !strings.HasPrefix(got, "prev=[] ") {
		t.Fatalf("previous output exported although disabled: %q", got)
	}

	// Delete runs `delete` with the last stdout.
	if _, err := p.Delete(ctx, &pulumirpc.DeleteRequest{Urn: remoteURN, Id: cr.Id, Properties: ur.Properties}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "deleted"))
	if err != nil || string(b) != want {
		t.Fatalf("delete wrote %q (%v), want %q", b, err, want)
	}
}

func testRemoteExitCode(t *testing.T, h *testSSHHost) {
	p := newProvider(nil, "1.2.1")
	in := remoteInputs(t, p, remoteURN, pm("connection", h.conn(nil), "create", "echo out; echo oops >&2; exit 7"))
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: remoteURN, Properties: mustMarshal(t, in)})
	if err == nil {
		t.Fatal("a failing command must fail create")
	}
	for _, s := range []string{"create: command", "exit code 7", "oops", "out", "on root@" + h.Address + ":22"} {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q lacks %q", err, s)
		}
	}
	if strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Fatal("error leaks the private key")
	}

	// A secret input (other than the connection) is masked in the output; the diagnostics around it stay.
	in["environment"] = resource.MakeSecret(resource.NewPropertyValue(map[string]any{"TOKEN": "s3cret"}))
	in["create"] = resource.NewProperty("echo token=$TOKEN >&2; exit 4")
	_, err = p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: remoteURN, Properties: mustMarshal(t, in)})
	if err == nil || !strings.Contains(err.Error(), "exit code 4") || strings.Contains(err.Error(), "s3cret") ||
		!strings.Contains(err.Error(), "token=[secret]") {
		t.Fatalf("secret run error = %v", err)
	}
}

func testRemoteHostKeys(t *testing.T, h *testSSHHost) {
	decode := func(c map[string]any) connection {
		conn, _, failures := decodeConnection(resource.NewPropertyValue(c))
		if len(failures) > 0 {
			t.Fatal(failures)
		}
		return conn
	}
	ctx := context.Background()

	// The right pinned key is accepted.
	if _, _, err := runRemote(ctx, decode(h.conn(nil)), "true", commandInputs{}, runOptions{}); err != nil {
		t.Fatalf("pinned host key refused: %v", err)
	}
	// Another key is refused at once (no retries), naming the host.
	start := time.Now()
	_, _, err := runRemote(ctx, decode(h.conn(map[string]any{"hostKey": h.OtherKey, "dialErrorLimit": 5.0})),
		"true", commandInputs{}, runOptions{})
	var mismatch *hostKeyMismatchError
	if !errors.As(err, &mismatch) || !strings.Contains(err.Error(), "host key mismatch for root@"+h.Address+":22") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("a host key mismatch must not be retried (took %v)", time.Since(start))
	}
	// Without hostKey any key is accepted, as upstream.
	if _, _, err := runRemote(ctx, decode(h.conn(map[string]any{"hostKey": nil})), "true", commandInputs{}, runOptions{}); err != nil {
		t.Fatalf("unpinned connection refused: %v", err)
	}
}

func testRemoteDialGivesUp(t *testing.T, h *testSSHHost) {
	// Nothing listens on port 2222 of the namespace host: every dial is refused.
	conn, _, failures := decodeConnection(resource.NewPropertyValue(h.conn(map[string]any{"port": 2222.0})))
	if len(failures) > 0 {
		t.Fatal(failures)
	}
	var statuses []string
	start := time.Now()
	_, _, err := runRemote(context.Background(), conn, "true", commandInputs{},
		runOptions{Status: func(s string) { statuses = append(statuses, s) }})
	want := "dial root@" + h.Address + ":2222: giving up after 3 failed attempts (connection.dialErrorLimit is 2)"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if len(statuses) != 2 || !strings.Contains(statuses[0], "attempt 1/3 failed") {
		t.Fatalf("statuses = %q", statuses)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func testRemoteLoggingAndCancel(t *testing.T, h *testSSHHost) {
	conn, _, _ := decodeConnection(resource.NewPropertyValue(h.conn(nil)))
	var lines []string
	_, _, err := runRemote(context.Background(), conn, `echo one; echo two >&2; printf three`,
		commandInputs{Logging: logStdout}, runOptions{Log: func(stream, line string) {
			lines = append(lines, stream+":"+line)
		}})
	if err != nil || strings.Join(lines, ",") != "stdout:one,stdout:three" {
		t.Fatalf("lines = %v, err = %v", lines, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = runRemote(ctx, conn, "sleep 30", commandInputs{}, runOptions{})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func testRemoteAgent(t *testing.T, h *testSSHHost) {
	key, err := ssh.ParseRawPrivateKey([]byte(h.ClientKey))
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
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
			go func() { _ = agent.ServeAgent(keyring, c); _ = c.Close() }()
		}
	}()
	conn, _, failures := decodeConnection(resource.NewPropertyValue(
		h.conn(map[string]any{"privateKey": nil, "agentSocketPath": sock})))
	if len(failures) > 0 {
		t.Fatal(failures)
	}
	stdout, _, err := runRemote(context.Background(), conn, "echo via-agent", commandInputs{}, runOptions{})
	if err != nil || stdout != "via-agent" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
}

func copyInputsMap(t *testing.T, p *commandProvider, h *testSSHHost, source resource.PropertyValue, remotePath string) resource.PropertyMap {
	t.Helper()
	m := pm("connection", h.conn(nil), "remotePath", remotePath)
	m["source"] = source
	return remoteInputs(t, p, copyURN, m)
}

func fileAsset(t *testing.T, path string) resource.PropertyValue {
	t.Helper()
	a, err := asset.FromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	return resource.NewAssetProperty(a)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testCopyFileAndText(t *testing.T, h *testSSHHost) {
	p := newProvider(nil, "1.2.1")
	ctx := context.Background()
	local, remote := t.TempDir(), t.TempDir()
	src := filepath.Join(local, "app.conf")
	if err := os.WriteFile(src, []byte("v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A file into a missing path: parent directories are created.
	dest := filepath.Join(remote, "a", "b", "app.conf")
	in := copyInputsMap(t, p, h, fileAsset(t, src), dest)
	cr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: copyURN, Properties: mustMarshal(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dest); got != "v1\n" {
		t.Fatalf("copied %q", got)
	}
	if out := mustUnmarshal(t, cr.Properties); !out["connection"].IsSecret() || out["source"].IsNull() {
		t.Fatalf("outputs = %v", out)
	}

	// Changing only the connection does not copy again (as upstream) ...
	if err := os.WriteFile(dest, []byte("changed remotely\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	news := in.Copy()
	news["connection"] = resource.MakeSecret(resource.NewPropertyValue(h.conn(map[string]any{"dialErrorLimit": 3.0})))
	ur, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: copyURN, Olds: cr.Properties, News: mustMarshal(t, news)})
	if err != nil || readFile(t, dest) != "changed remotely\n" {
		t.Fatalf("connection-only update copied or failed: %v", err)
	}
	// ... but new content does.
	if err := os.WriteFile(src, []byte("v2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	news["source"] = fileAsset(t, src)
	if _, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: copyURN, Olds: ur.Properties, News: mustMarshal(t, news)}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dest); got != "v2\n" {
		t.Fatalf("after update: %q", got)
	}

	// A file into an existing directory lands inside it.
	in = copyInputsMap(t, p, h, fileAsset(t, src), remote)
	if _, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: copyURN, Properties: mustMarshal(t, in)}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(remote, "app.conf")); got != "v2\n" {
		t.Fatalf("copied into dir: %q", got)
	}

	// A text asset.
	text, err := asset.FromText("hello 'text'\n")
	if err != nil {
		t.Fatal(err)
	}
	textDest := filepath.Join(remote, "t", "hello.txt")
	in = copyInputsMap(t, p, h, resource.NewAssetProperty(text), textDest)
	if _, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: copyURN, Properties: mustMarshal(t, in)}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, textDest); got != "hello 'text'\n" {
		t.Fatalf("text copied as %q", got)
	}
	// A text asset cannot go to a directory.
	in = copyInputsMap(t, p, h, resource.NewAssetProperty(text), remote)
	_, err = p.Create(ctx, &pulumirpc.CreateRequest{Urn: copyURN, Properties: mustMarshal(t, in)})
	if err == nil || !strings.Contains(err.Error(), "is a directory; a text asset needs a file path") {
		t.Fatalf("err = %v", err)
	}
	// Delete leaves the files in place.
	if _, err := p.Delete(ctx, &pulumirpc.DeleteRequest{Urn: copyURN, Properties: cr.Properties}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dest); err != nil {
		t.Fatalf("delete removed the copy: %v", err)
	}
}

func testCopyDirectory(t *testing.T, h *testSSHHost) {
	p := newProvider(nil, "1.2.1")
	ctx := context.Background()
	local, remote := t.TempDir(), t.TempDir()
	tree := filepath.Join(local, "site")
	for path, content := range map[string]string{"index.html": "<h1>hi</h1>", "css/a.css": "a{}", "css/deep/b.css": "b{}"} {
		full := filepath.Join(tree, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dirArchive := func(path string) resource.PropertyValue {
		a, err := archive.FromPath(path)
		if err != nil {
			t.Fatal(err)
		}
		return resource.NewArchiveProperty(a)
	}

	// "site" into a missing path: the path is created and site/ goes inside.
	in := copyInputsMap(t, p, h, dirArchive(tree), filepath.Join(remote, "www"))
	if _, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: copyURN, Properties: mustMarshal(t, in)}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(remote, "www", "site", "css", "deep", "b.css")); got != "b{}" {
		t.Fatalf("b.css = %q", got)
	}
	// "site/" copies the entries, overwriting existing files.
	if err := os.WriteFile(filepath.Join(tree, "index.html"), []byte("<h1>v2</h1>"), 0o600); err != nil {
		t.Fatal(err)
	}
	in = copyInputsMap(t, p, h, dirArchive(tree+"/"), filepath.Join(remote, "www", "site"))
	if _, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: copyURN, Properties: mustMarshal(t, in)}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(remote, "www", "site", "index.html")); got != "<h1>v2</h1>" {
		t.Fatalf("index.html = %q", got)
	}
	if _, err := os.Stat(filepath.Join(remote, "www", "site", "site")); err == nil {
		t.Fatal(`"site/" must copy the entries, not the directory`)
	}
	// A directory onto an existing file fails.
	if err := os.WriteFile(filepath.Join(remote, "file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	in = copyInputsMap(t, p, h, dirArchive(tree), filepath.Join(remote, "file"))
	_, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: copyURN, Properties: mustMarshal(t, in)})
	if err == nil || !strings.Contains(err.Error(), "exists but is not a directory") {
		t.Fatalf("err = %v", err)
	}
}
