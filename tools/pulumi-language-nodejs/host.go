package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// host implements the parts of pulumirpc.LanguageRuntimeServer that a Node.js deployment needs;
// every other method answers Unimplemented through the embedded type, which the engine handles.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu       sync.Mutex
	settings hostSettings

	// cancelCtx is cancelled by the Cancel RPC so that running programs are interrupted.
	cancelCtx context.Context
	cancel    context.CancelFunc
}

func newHost(engineAddress, tracing string) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{
		settings:  hostSettings{engineAddress: engineAddress, tracing: tracing},
		cancelCtx: ctx,
		cancel:    cancel,
	}
}

func (h *host) currentSettings() hostSettings {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.settings
}

// Handshake records the engine address; it is the only way to learn it when the engine attaches to
// an already running host. The directories come again in every request's ProgramInfo.
func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.mu.Lock()
		h.settings.engineAddress = addr
		h.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// requiredPackages scans the project's node_modules. Per-package problems are logged, not fatal:
// one odd package.json must not block a deployment (the real host behaves the same way).
func requiredPackages(info *pulumirpc.ProgramInfo) []*pulumirpc.PackageDependency {
	nm := findNodeModules(info.GetProgramDirectory(), info.GetRootDirectory())
	if nm == "" {
		return nil
	}
	deps, errs := scanPlugins(nm)
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "warning: while looking for Pulumi plugins: %v\n", err)
	}
	return deps
}

func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{Packages: requiredPackages(req.GetInfo())}, nil
}

// GetRequiredPlugins serves older engines that do not know GetRequiredPackages.
func (h *host) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	info := req.GetInfo()
	if info == nil {
		info = &pulumirpc.ProgramInfo{ProgramDirectory: req.GetPwd()} //nolint:staticcheck // old engines
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range requiredPackages(info) {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// Run executes the program with node and reports how it ended. Program failures are reported in the
// response (not as gRPC errors), as the engine expects.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "this minimal language host does not support --attach-debugger"}, nil
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not find node on the $PATH: %v", err)}, nil
	}
	dir, _ := programLocation(req)
	runPath, err := findRunPath(dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	rc, err := buildRunCommand(req, runPath, h.currentSettings(), os.Environ())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// Interrupt the program if the engine cancels (Cancel RPC) or abandons the call.
	cmdCtx, cmdCancel := context.WithCancel(h.cancelCtx)
	defer cmdCancel()
	stop := context.AfterFunc(ctx, cmdCancel)
	defer stop()

	cmd := exec.CommandContext(cmdCtx, nodeBin, rc.args...)
	cmd.Dir = rc.dir
	cmd.Env = rc.env
	// Wrapping hides the *os.File from exec, which then copies through a pipe: node may switch
	// a stdio fd it is handed to non-blocking mode, which would also affect our own stdout.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // let the SDK shut down cleanly
	cmd.WaitDelay = 10 * time.Second                                      // then kill

	return runResponse(cmd.Run()), nil
}

// runResponse maps how node ended to the engine's RunResponse.
func runResponse(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	if exitErr, ok := err.(*exec.ExitError); ok {
		code := exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program was terminated by signal: %v", ws.Signal())}
		}
		switch code {
		case exitUserActionable:
			return &pulumirpc.RunResponse{Bail: true} // the SDK already printed the error
		case 0:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", err)}
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}
		}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run node): %v", err)}
}

// Cancel interrupts any running program; the host keeps serving until the engine closes it.
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}

// InstallDependencies runs `<packagemanager> install` in the program directory, streaming output.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() //nolint:staticcheck // old engines
	}
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return err
	}
	bin, err := exec.LookPath(opts.packagemanager)
	if err != nil {
		return fmt.Errorf("could not find %s on the $PATH: %w", opts.packagemanager, err)
	}

	var sendMu sync.Mutex // stdout and stderr are copied concurrently; Send is not concurrency-safe
	send := func(resp *pulumirpc.InstallDependenciesResponse) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(resp)
	}
	cmd := exec.CommandContext(stream.Context(), bin, "install")
	cmd.Dir = dir
	cmd.Stdout = streamWriter(func(b []byte) error { return send(&pulumirpc.InstallDependenciesResponse{Stdout: b}) })
	cmd.Stderr = streamWriter(func(b []byte) error { return send(&pulumirpc.InstallDependenciesResponse{Stderr: b}) })
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`%s install` in %s failed: %w", opts.packagemanager, dir, err)
	}
	return nil
}

// streamWriter adapts a send function to io.Writer (copying, since exec reuses its buffer).
type streamWriter func([]byte) error

func (w streamWriter) Write(p []byte) (int, error) {
	if err := w(append([]byte(nil), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// GetProgramDependencies lists the direct dependencies declared in the program's package.json, with
// the installed version when the package is present in node_modules, else the declared range.
// Transitive dependencies are not listed.
func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd() //nolint:staticcheck // old engines
	}
	pkg, pkgDir := nearestPackageJSON(dir, info.GetRootDirectory())
	if pkg == nil {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil
	}
	declared := map[string]string{}
	for n, v := range pkg.DevDependencies {
		declared[n] = v
	}
	for n, v := range pkg.Dependencies {
		declared[n] = v
	}
	names := make([]string, 0, len(declared))
	for n := range declared {
		names = append(names, n)
	}
	sort.Strings(names)

	nm := findNodeModules(pkgDir, info.GetRootDirectory())
	var deps []*pulumirpc.DependencyInfo
	for _, n := range names {
		v := declared[n]
		if nm != "" {
			if inst, err := readPackageJSON(filepath.Join(nm, n, "package.json")); err == nil && inst.Version != "" {
				v = inst.Version
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// nearestPackageJSON finds the package.json that governs dir, searching upwards (not past rootDir).
func nearestPackageJSON(dir, rootDir string) (*packageJSON, string) {
	d := filepath.Clean(dir)
	for {
		if pkg, err := readPackageJSON(filepath.Join(d, "package.json")); err == nil {
			return pkg, d
		}
		parent := filepath.Dir(d)
		if rootDir == "" || d == filepath.Clean(rootDir) || parent == d {
			return nil, ""
		}
		d = parent
	}
}

// About reports the node executable and version, as `pulumi about` shows them.
func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.Command(nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", nodeBin, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}
