package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const testURN = "urn:pulumi:dev::proj::command:local:Command::hello"

func mustMarshal(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal(m, "test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustUnmarshal(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := unmarshal(s, "test")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPluginInfoAndSchema(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	info, err := p.GetPluginInfo(context.Background(), &emptypb.Empty{})
	if err != nil || info.Version != "1.2.1" {
		t.Fatalf("info = %v, err = %v", info, err)
	}
	s, err := p.GetSchema(context.Background(), &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(s.Schema), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["name"] != "command" || doc["resources"].(map[string]any)[localCommandType] == nil {
		t.Fatalf("schema lacks the local Command resource: %s", s.Schema)
	}
	c, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{})
	if err != nil || !c.AcceptSecrets || !c.SupportsPreview {
		t.Fatalf("configure = %v, err = %v", c, err)
	}
}

func TestCheck(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: testURN, News: mustMarshal(t, pm("create", "echo hi")),
	})
	if err != nil || len(resp.Failures) != 0 {
		t.Fatalf("resp = %v, err = %v", resp, err)
	}
	if in := mustUnmarshal(t, resp.Inputs); !in["addPreviousOutputInEnv"].BoolValue() {
		t.Fatalf("default not applied: %v", in)
	}
	resp, err = p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: testURN, News: mustMarshal(t, pm("create", true, "archivePaths", []any{"*"})),
	})
	if err != nil || len(resp.Failures) != 2 {
		t.Fatalf("resp = %v, err = %v", resp, err)
	}
	if !strings.Contains(resp.Failures[1].Reason+resp.Failures[0].Reason, "official pulumi-resource-command 1.2.1") {
		t.Fatalf("unclear failure: %v", resp.Failures)
	}
}

func TestUnsupportedRemoteResourcesRejected(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	for _, typ := range []string{"command:remote:CopyFile", "command:remote:Other"} {
		urn := "urn:pulumi:dev::proj::" + typ + "::r"
		_, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: mustMarshal(t, pm())})
		if err == nil || !strings.Contains(err.Error(), typ+" is not supported by peva-lab's offline command provider substitute") ||
			!strings.Contains(err.Error(), "install the official pulumi-resource-command 1.2.1") {
			t.Fatalf("%s: err = %v", typ, err)
		}
	}
}

func TestLifecycle(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	ctx := context.Background()
	dir := t.TempDir()
	marker := filepath.Join(dir, "log")
	inputs := pm("create", "echo create >> log; echo out-$FOO", "delete", "echo \"delete $PULUMI_COMMAND_STDOUT\" >> log",
		"dir", dir, "environment", map[string]any{"FOO": "x"}, "addPreviousOutputInEnv", true)

	// Preview: nothing runs, outputs unknown.
	cr, err := p.Create(ctx, &pulumirpc.CreateRequest{Urn: testURN, Properties: mustMarshal(t, inputs), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if out := mustUnmarshal(t, cr.Properties); !out["stdout"].IsComputed() {
		t.Fatalf("preview stdout should be unknown: %v", out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("preview ran the command")
	}

	cr, err = p.Create(ctx, &pulumirpc.CreateRequest{Urn: testURN, Properties: mustMarshal(t, inputs)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cr.Id, "hello") {
		t.Fatalf("id = %q", cr.Id)
	}
	state := mustUnmarshal(t, cr.Properties)
	if state["stdout"].StringValue() != "out-x" || state["create"].StringValue() == "" {
		t.Fatalf("state = %v", state)
	}

	// Update without `update`: create runs again, previous stdout available.
	news := inputs.Copy()
	news["environment"] = resource.NewPropertyValue(map[string]any{"FOO": "y"})
	news["create"] = resource.NewProperty("echo create >> log; echo out-$FOO-prev=$PULUMI_COMMAND_STDOUT")
	ur, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: testURN, Id: cr.Id,
		Olds: cr.Properties, News: mustMarshal(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	state = mustUnmarshal(t, ur.Properties)
	if got := state["stdout"].StringValue(); got != "out-y-prev=out-x" {
		t.Fatalf("stdout = %q", got)
	}

	// Update with `update` set runs it instead of create.
	news2 := news.Copy()
	news2["update"] = resource.NewProperty("echo updated")
	ur, err = p.Update(ctx, &pulumirpc.UpdateRequest{Urn: testURN, Id: cr.Id,
		Olds: ur.Properties, News: mustMarshal(t, news2)})
	if err != nil {
		t.Fatal(err)
	}
	state = mustUnmarshal(t, ur.Properties)
	if got := state["stdout"].StringValue(); got != "updated" {
		t.Fatalf("stdout = %q", got)
	}

	if _, err := p.Read(ctx, &pulumirpc.ReadRequest{Urn: testURN, Id: cr.Id, Properties: ur.Properties}); err != nil {
		t.Fatal(err)
	}

	if _, err := p.Delete(ctx, &pulumirpc.DeleteRequest{Urn: testURN, Id: cr.Id, Properties: ur.Properties}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(marker)
	if string(b) != "create\ncreate\ndelete updated\n" {
		t.Fatalf("log = %q", b)
	}
}

func TestCreateFailure(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN,
		Properties: mustMarshal(t, pm("create", "echo nope >&2; exit 3"))})
	if err == nil || !strings.Contains(err.Error(), "exit code 3") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretsPropagate(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	in := pm("create", "echo $TOKEN")
	in["environment"] = resource.MakeSecret(resource.NewPropertyValue(map[string]any{"TOKEN": "s3cret"}))
	cr, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN, Properties: mustMarshal(t, in)})
	if err != nil {
		t.Fatal(err)
	}
	out := mustUnmarshal(t, cr.Properties)
	if !out["environment"].IsSecret() || !out["stdout"].IsSecret() || !out["stderr"].IsSecret() {
		t.Fatalf("secret-ness lost: %v", out)
	}
	if out["stdout"].SecretValue().Element.StringValue() != "s3cret" {
		t.Fatalf("stdout = %v", out["stdout"])
	}
	plain, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN,
		Properties: mustMarshal(t, pm("create", "echo hi"))})
	if err != nil {
		t.Fatal(err)
	}
	if mustUnmarshal(t, plain.Properties)["stdout"].IsSecret() {
		t.Fatal("stdout secret without secret inputs")
	}
}

func TestDiffRPC(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	olds := pm("create", "a", "triggers", []any{"1"})
	state := olds.Copy()
	state["stdout"] = resource.NewProperty("x")
	resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: testURN,
		Olds: mustMarshal(t, state), OldInputs: mustMarshal(t, olds), News: mustMarshal(t, olds)})
	if err != nil || resp.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("resp = %v, err = %v", resp, err)
	}
	resp, err = p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: testURN,
		Olds: mustMarshal(t, state), News: mustMarshal(t, pm("create", "a", "triggers", []any{"2"}))})
	if err != nil || resp.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(resp.Replaces) != 1 {
		t.Fatalf("resp = %v, err = %v", resp, err)
	}
}

func TestInvokeRun(t *testing.T) {
	p := newProvider(nil, "1.2.1")
	args := pm("command", "echo run-$A", "environment", map[string]any{"A": "1"})
	resp, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: localRunFunction, Args: mustMarshal(t, args)})
	if err != nil || len(resp.Failures) != 0 {
		t.Fatalf("resp = %v, err = %v", resp, err)
	}
	if got := mustUnmarshal(t, resp.Return)["stdout"].StringValue(); got != "run-1" {
		t.Fatalf("stdout = %q", got)
	}
	resp, err = p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: localRunFunction, Args: mustMarshal(t, pm())})
	if err != nil || len(resp.Failures) != 1 {
		t.Fatalf("missing command not reported: %v %v", resp, err)
	}
	if _, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "command:remote:run"}); err == nil {
		t.Fatal("remote function accepted")
	}
}
