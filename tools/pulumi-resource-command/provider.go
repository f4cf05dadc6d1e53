package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// commandProvider implements pulumirpc.ResourceProviderServer for the subset
// of the Command provider described in README.md.
type commandProvider struct {
	pulumirpc.UnimplementedResourceProviderServer

	version string

	hostMu sync.Mutex
	host   *provider.HostClient

	// canceled is closed-over by every operation; Cancel() fires it.
	canceled context.Context
	cancel   context.CancelFunc
}

func newProvider(host *provider.HostClient, version string) *commandProvider {
	ctx, cancel := context.WithCancel(context.Background())
	return &commandProvider{version: version, host: host, canceled: ctx, cancel: cancel}
}

var _ pulumirpc.ResourceProviderServer = (*commandProvider)(nil)

// ---- marshalling helpers ---------------------------------------------------

func unmarshal(s *structpb.Struct, label string) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, plugin.MarshalOptions{
		Label:            label,
		KeepUnknowns:     true,
		KeepSecrets:      true,
		SkipNulls:        true,
		SkipInternalKeys: true,
	})
}

func marshal(m resource.PropertyMap, label string) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{
		Label:        label,
		KeepUnknowns: true,
		KeepSecrets:  true,
	})
}

func failuresError(urn string, failures []checkFailure) error {
	msgs := make([]string, 0, len(failures))
	for _, f := range failures {
		msgs = append(msgs, f.Reason)
	}
	return fmt.Errorf("%s: invalid inputs: %s", urn, strings.Join(msgs, "; "))
}

// opContext derives the context for one operation: request context, provider
// cancellation and the optional engine timeout (seconds).
func (p *commandProvider) opContext(ctx context.Context, timeout float64) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.canceled, cancel)
	if timeout > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, time.Duration(timeout*float64(time.Second)))
		inner := cancel
		cancel = func() { cancelT(); inner() }
	}
	return ctx, func() { stop(); cancel() }
}

// operation prepares what a resourceKind needs to talk to the engine for one
// request. Log and status messages go to the engine when it is attached.
func (p *commandProvider) operation(ctx context.Context, urn string, preview bool) operation {
	op := operation{urn: urn, preview: preview}
	p.hostMu.Lock()
	host := p.host
	p.hostMu.Unlock()
	if host == nil {
		return op
	}
	op.log = func(_ string, line string) {
		_ = host.Log(ctx, diag.Info, resource.URN(urn), line)
	}
	op.status = func(msg string) {
		_ = host.LogStatus(ctx, diag.Info, resource.URN(urn), msg)
	}
	return op
}

// stringProp returns the string inside a (possibly secret) property, or "".
func stringProp(m resource.PropertyMap, key resource.PropertyKey) string {
	v := unwrapSecret(m[key])
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// withOutputs returns a copy of inputs plus stdout/stderr. When unknown is
// true the outputs are unknown (preview). When secret is true they are marked
// secret, because they may be derived from secret inputs.
func withOutputs(inputs resource.PropertyMap, stdout, stderr string, unknown, secret bool) resource.PropertyMap {
	out := inputs.Copy()
	mk := func(s string) resource.PropertyValue {
		v := resource.NewProperty(s)
		if unknown {
			v = resource.MakeComputed(resource.NewProperty(""))
		}
		if secret {
			v = resource.MakeSecret(v)
		}
		return v
	}
	out["stdout"] = mk(stdout)
	out["stderr"] = mk(stderr)
	return out
}

// ---- plugin / configuration ------------------------------------------------

func (p *commandProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *commandProvider) GetSchema(_ context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	if req.GetSubpackageName() != "" {
		return nil, fmt.Errorf("subpackage %q is not supported", req.GetSubpackageName())
	}
	return &pulumirpc.GetSchemaResponse{Schema: schemaJSON(p.version)}, nil
}

func (p *commandProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *commandProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *commandProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *commandProvider) Attach(_ context.Context, req *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	host, err := provider.NewHostClient(req.GetAddress())
	if err != nil {
		return nil, err
	}
	p.hostMu.Lock()
	p.host = host
	p.hostMu.Unlock()
	return &emptypb.Empty{}, nil
}

func (p *commandProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.cancel()
	return &emptypb.Empty{}, nil
}

func (p *commandProvider) GetMapping(context.Context, *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return &pulumirpc.GetMappingResponse{}, nil
}

func (p *commandProvider) GetMappings(context.Context, *pulumirpc.GetMappingsRequest) (*pulumirpc.GetMappingsResponse, error) {
	return &pulumirpc.GetMappingsResponse{}, nil
}

// ---- resource lifecycle ----------------------------------------------------
//
// These methods unmarshal the request, pick the resourceKind for the URN's
// type and marshal the result; the kinds (local_command.go,
// remote_command.go, copy_to_remote.go) do the work.

func checkFailures(failures []checkFailure) []*pulumirpc.CheckFailure {
	out := make([]*pulumirpc.CheckFailure, 0, len(failures))
	for _, f := range failures {
		out = append(out, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return out
}

func (p *commandProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	checked, failures := kind.check(news)
	if len(failures) > 0 {
		return &pulumirpc.CheckResponse{Failures: checkFailures(failures)}, nil
	}
	inputs, err := marshal(checked, "inputs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs}, nil
}

func (p *commandProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	var olds resource.PropertyMap
	if req.GetOldInputs() != nil {
		olds, err = unmarshal(req.GetOldInputs(), "oldInputs")
	} else {
		var state resource.PropertyMap
		state, err = unmarshal(req.GetOlds(), "olds")
		olds = pickKeys(state, kind.inputKeys())
	}
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	d := diffInputs(kind.inputKeys(), kind.replaceKeys(), olds, news, req.GetIgnoreChanges())
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		HasDetailedDiff: true,
		DetailedDiff:    d.Detailed,
		Diffs:           d.Changed,
		Replaces:        d.Replaces,
	}
	if d.HasChanges() {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp, nil
}

func (p *commandProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetProperties(), "properties")
	if err != nil {
		return nil, err
	}
	id, err := resource.NewUniqueHex(resource.URN(req.GetUrn()).Name(), 8, 0)
	if err != nil {
		return nil, err
	}
	opCtx, done := p.opContext(ctx, req.GetTimeout())
	defer done()
	outputs, err := kind.create(opCtx, p.operation(ctx, req.GetUrn(), req.GetPreview()), inputs)
	if err != nil {
		return nil, err
	}
	props, err := marshal(outputs, "outputs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *commandProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	// None of the resources has remote state that could be refreshed (a
	// command's effects and a copied file are not tracked): return what we have.
	inputs := req.GetInputs()
	if inputs == nil && req.GetProperties() != nil {
		state, err := unmarshal(req.GetProperties(), "properties")
		if err != nil {
			return nil, err
		}
		if inputs, err = marshal(pickKeys(state, kind.inputKeys()), "inputs"); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: inputs}, nil
}

func (p *commandProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	opCtx, done := p.opContext(ctx, req.GetTimeout())
	defer done()
	outputs, err := kind.update(opCtx, p.operation(ctx, req.GetUrn(), req.GetPreview()), olds, news)
	if err != nil {
		return nil, err
	}
	props, err := marshal(outputs, "outputs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *commandProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), "properties")
	if err != nil {
		return nil, err
	}
	opCtx, done := p.opContext(ctx, req.GetTimeout())
	defer done()
	if err := kind.delete(opCtx, p.operation(ctx, req.GetUrn(), false), state); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// ---- functions -------------------------------------------------------------

func (p *commandProvider) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	tok := req.GetTok()
	switch {
	case tok == localRunFunction:
	case strings.HasPrefix(tok, remoteModule):
		return nil, errors.New(unsupportedReason(tok))
	default:
		return nil, fmt.Errorf("unknown function %q: %s", tok, unsupportedReason(tok))
	}
	args, err := unmarshal(req.GetArgs(), "args")
	if err != nil {
		return nil, err
	}
	in, failures := decodeCommandInputs(args, localRunKeys)
	if in.Command == nil && !in.HasUnknowns {
		failures = append(failures, checkFailure{Property: "command", Reason: "missing required property 'command'"})
	}
	if len(failures) > 0 {
		return &pulumirpc.InvokeResponse{Failures: checkFailures(failures)}, nil
	}
	if in.HasUnknowns {
		return nil, fmt.Errorf("%s: arguments contain unknown values", tok)
	}
	secret := args.ContainsSecrets()
	opCtx, done := p.opContext(ctx, 0)
	defer done()
	// Like the official provider, run unconditionally (also during preview).
	stdout, stderr, err := runCommand(opCtx, *in.Command, in, runOptions{
		Log: p.operation(ctx, "", false).lines(secretStrings(args)), Redact: commandTextSecret(args), Mask: secretStrings(args),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tok, err)
	}
	if _, ok := args["addPreviousOutputInEnv"]; !ok {
		args["addPreviousOutputInEnv"] = resource.NewProperty(true)
	}
	ret, err := marshal(withOutputs(args, stdout, stderr, false, secret), "return")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}
