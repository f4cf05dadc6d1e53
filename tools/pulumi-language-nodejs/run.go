package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Exit code with which @pulumi/pulumi's cmd/run says "the error was already shown to the user".
const exitUserActionable = 32

// runPathEnv lets tests (and emergencies) point at a specific cmd/run, as the real host allows.
const runPathEnv = "PULUMI_LANGUAGE_NODEJS_RUN_PATH"

// nodeOptions are the `runtime.options` of Pulumi.yaml that this host understands.
type nodeOptions struct {
	typescript     bool   // load ts-node in cmd/run (default true, as upstream)
	tsconfig       string // PULUMI_NODEJS_TSCONFIG_PATH
	nodeargs       string // extra arguments for node, shell-quoted
	packagemanager string // npm (default), yarn, pnpm or bun
}

func parseOptions(s *structpb.Struct) (nodeOptions, error) {
	opts := nodeOptions{typescript: true, packagemanager: "npm"}
	m := s.AsMap() // nil-safe
	if v, ok := m["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, errors.New("runtime option \"typescript\" must be a boolean")
		}
		opts.typescript = b
	}
	for key, dst := range map[string]*string{
		"tsconfig": &opts.tsconfig, "nodeargs": &opts.nodeargs, "packagemanager": &opts.packagemanager,
	} {
		if v, ok := m[key]; ok {
			str, isString := v.(string)
			if !isString {
				return opts, fmt.Errorf("runtime option %q must be a string", key)
			}
			*dst = str
		}
	}
	switch opts.packagemanager {
	case "", "auto":
		opts.packagemanager = "npm"
	case "npm", "yarn", "pnpm", "bun":
	default:
		return opts, fmt.Errorf("runtime option \"packagemanager\" must be npm, yarn, pnpm, bun or auto, got %q",
			opts.packagemanager)
	}
	return opts, nil
}

// programLocation returns the directory to run in and the entry point to hand to cmd/run,
// preferring the ProgramInfo the engine sends over the deprecated top-level fields.
func programLocation(req *pulumirpc.RunRequest) (dir, entry string) {
	info := req.GetInfo()
	dir, entry = info.GetProgramDirectory(), info.GetEntryPoint()
	if dir == "" {
		dir = req.GetPwd()
	}
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "." // cmd/run then honours package.json "exports"/"main", else index.js
	}
	return dir, entry
}

// findRunPath locates @pulumi/pulumi/cmd/run the way require.resolve would: in node_modules of
// dir or of any parent directory.
func findRunPath(dir string) (string, error) {
	if p := os.Getenv(runPathEnv); p != "" {
		return p, nil
	}
	start, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := start; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", "run")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("could not find @pulumi/pulumi: run `npm ci` in %s", start)
		}
	}
}

// hostSettings is the per-process state that goes into every run.
type hostSettings struct {
	engineAddress string
	tracing       string
}

// runCommand is a fully built `node` invocation (without the node binary itself).
type runCommand struct {
	args []string
	env  []string
	dir  string
}

// ownedEnv are variables this host sets for every run; inherited values are dropped first so that
// a stale value (e.g. from an outer Pulumi program that shells out to `pulumi`) cannot leak in.
var ownedEnv = []string{
	"PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS", "PULUMI_NODEJS_TYPESCRIPT",
	"PULUMI_NODEJS_ORGANIZATION", "PULUMI_NODEJS_PROJECT", "PULUMI_NODEJS_ROOT_DIRECTORY",
	"PULUMI_NODEJS_STACK", "PULUMI_NODEJS_DRY_RUN", "PULUMI_NODEJS_PARALLEL",
	"PULUMI_NODEJS_MONITOR", "PULUMI_NODEJS_ENGINE", "PULUMI_NODEJS_SYNC",
}

// buildRunCommand turns a RunRequest into the node command line and environment. It is pure (no
// I/O) so that it can be unit tested; runPath is the already located @pulumi/pulumi/cmd/run.
func buildRunCommand(req *pulumirpc.RunRequest, runPath string, hs hostSettings, baseEnv []string,
) (*runCommand, error) {
	opts, err := parseOptions(req.GetInfo().GetOptions())
	if err != nil {
		return nil, err
	}
	nodeArgs, err := splitShellWords(opts.nodeargs)
	if err != nil {
		return nil, fmt.Errorf("runtime option \"nodeargs\": %w", err)
	}
	dir, entry := programLocation(req)
	rootDir := req.GetInfo().GetRootDirectory()

	// cmd/run reads these flags (minimist) and mirrors them into PULUMI_NODEJS_* for the SDK.
	args := append(nodeArgs, runPath)
	flag := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k+"="+v)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", hs.engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", rootDir)
	flag("stack", req.GetStack())
	flag("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", hs.tracing)
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// The SDK reads configuration only from the environment.
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretKeys := append([]string{}, req.GetConfigSecretKeys()...) // never "null"
	sort.Strings(secretKeys)
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	owned := append([]string{}, ownedEnv...)
	if opts.tsconfig != "" {
		owned = append(owned, "PULUMI_NODEJS_TSCONFIG_PATH") // else a user's exported value stays
	}
	env := withoutKeys(baseEnv, owned)
	set := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	set("PULUMI_CONFIG", string(configJSON))
	set("PULUMI_CONFIG_SECRET_KEYS", string(secretJSON))
	set("PULUMI_NODEJS_TYPESCRIPT", strconv.FormatBool(opts.typescript))
	set("PULUMI_NODEJS_TSCONFIG_PATH", opts.tsconfig)
	// Same values cmd/run derives from the flags; set here too so that they hold even before
	// cmd/run has run (e.g. for code loaded via --import in nodeargs).
	set("PULUMI_NODEJS_ORGANIZATION", req.GetOrganization())
	set("PULUMI_NODEJS_PROJECT", req.GetProject())
	set("PULUMI_NODEJS_ROOT_DIRECTORY", rootDir)
	set("PULUMI_NODEJS_STACK", req.GetStack())
	set("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(req.GetDryRun()))
	set("PULUMI_NODEJS_PARALLEL", strconv.Itoa(int(req.GetParallel())))
	set("PULUMI_NODEJS_MONITOR", req.GetMonitorAddress())
	set("PULUMI_NODEJS_ENGINE", hs.engineAddress)

	return &runCommand{args: args, env: env, dir: dir}, nil
}

// withoutKeys returns env minus the entries whose name is in keys.
func withoutKeys(env, keys []string) []string {
	drop := make(map[string]bool, len(keys))
	for _, k := range keys {
		drop[k] = true
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return out
}

// splitShellWords splits s like a POSIX shell would for plain words, 'single' and "double" quotes
// and backslash escapes (no expansions). Enough for nodeargs such as `--max-old-space-size=4096
// --import "./my loader.js"`.
func splitShellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case quote == '"':
			if r == '"' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if escaped || quote != 0 {
		return nil, fmt.Errorf("unterminated quote or escape in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
