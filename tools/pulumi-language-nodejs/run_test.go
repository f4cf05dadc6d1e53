package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// envMap turns KEY=VALUE entries into a map, failing on duplicate keys (exec would pick the last
// one, which would hide a leak of an inherited value).
func envMap(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; dup {
			t.Errorf("duplicate env key %s", k)
		}
		m[k] = v
	}
	return m
}

func TestBuildRunCommand(t *testing.T) {
	req := &pulumirpc.RunRequest{
		Project:          "peva-lab",
		Stack:            "dev",
		Pwd:              "/ignored/pwd",
		Program:          "ignored.js",
		Args:             []string{"extra1", "extra2"},
		Config:           map[string]string{"peva-lab:foo": "bar", "peva-lab:s": "v"},
		ConfigSecretKeys: []string{"peva-lab:s"},
		DryRun:           true,
		Parallel:         16,
		MonitorAddress:   "127.0.0.1:1111",
		Organization:     "org",
		Info: &pulumirpc.ProgramInfo{
			RootDirectory:    "/proj",
			ProgramDirectory: "/proj/src",
			EntryPoint:       "main.ts",
			Options: mustStruct(t, map[string]any{
				"typescript": false, "tsconfig": "tsconfig.pulumi.json",
				"nodeargs": `--max-old-space-size=4096 --import "./my loader.js"`,
			}),
		},
	}
	base := []string{
		"PATH=/usr/bin", "HOME=/root",
		"PULUMI_NODEJS_STACK=stale", "PULUMI_NODEJS_DRY_RUN=true", "PULUMI_CONFIG={}",
		"PULUMI_NODEJS_TSCONFIG_PATH=stale.json",
	}
	rc, err := buildRunCommand(req, "/proj/node_modules/@pulumi/pulumi/cmd/run",
		hostSettings{engineAddress: "127.0.0.1:2222", tracing: "http://zipkin"}, base)
	if err != nil {
		t.Fatal(err)
	}

	wantArgs := []string{
		"--max-old-space-size=4096", "--import", "./my loader.js",
		"/proj/node_modules/@pulumi/pulumi/cmd/run",
		"--monitor=127.0.0.1:1111", "--engine=127.0.0.1:2222", "--organization=org",
		"--project=peva-lab", "--root-directory=/proj", "--stack=dev", "--pwd=/proj/src",
		"--dry-run", "--parallel=16", "--tracing=http://zipkin",
		"main.ts", "extra1", "extra2",
	}
	if !equal(rc.args, wantArgs) {
		t.Errorf("args:\n got  %q\n want %q", rc.args, wantArgs)
	}
	if rc.dir != "/proj/src" {
		t.Errorf("dir = %q", rc.dir)
	}

	env := envMap(t, rc.env)
	var config map[string]string
	if err := json.Unmarshal([]byte(env["PULUMI_CONFIG"]), &config); err != nil {
		t.Fatalf("PULUMI_CONFIG: %v", err)
	}
	if config["peva-lab:foo"] != "bar" || config["peva-lab:s"] != "v" || len(config) != 2 {
		t.Errorf("PULUMI_CONFIG = %v", config)
	}
	for k, want := range map[string]string{
		"PULUMI_CONFIG_SECRET_KEYS":    `["peva-lab:s"]`,
		"PULUMI_NODEJS_TYPESCRIPT":     "false",
		"PULUMI_NODEJS_TSCONFIG_PATH":  "tsconfig.pulumi.json",
		"PULUMI_NODEJS_STACK":          "dev",
		"PULUMI_NODEJS_PROJECT":        "peva-lab",
		"PULUMI_NODEJS_ORGANIZATION":   "org",
		"PULUMI_NODEJS_ROOT_DIRECTORY": "/proj",
		"PULUMI_NODEJS_DRY_RUN":        "true",
		"PULUMI_NODEJS_MONITOR":        "127.0.0.1:1111",
		"PULUMI_NODEJS_ENGINE":         "127.0.0.1:2222",
		"PATH":                         "/usr/bin",
		"HOME":                         "/root",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
}

func TestBuildRunCommandDefaults(t *testing.T) {
	// An older-style request: no ProgramInfo, no options, no config.
	req := &pulumirpc.RunRequest{Project: "p", Stack: "s", Pwd: "/w", MonitorAddress: "m:1"}
	base := []string{"PULUMI_NODEJS_DRY_RUN=true", "PULUMI_NODEJS_TSCONFIG_PATH=user.json"}
	rc, err := buildRunCommand(req, "/run", hostSettings{}, base)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/run", "--monitor=m:1", "--project=p", "--stack=s", "--pwd=/w", "--parallel=0", "."}
	if !equal(rc.args, want) {
		t.Errorf("args:\n got  %q\n want %q", rc.args, want)
	}
	env := envMap(t, rc.env)
	for k, want := range map[string]string{
		"PULUMI_CONFIG":               "{}",
		"PULUMI_CONFIG_SECRET_KEYS":   "[]",
		"PULUMI_NODEJS_TYPESCRIPT":    "true", // default, as upstream
		"PULUMI_NODEJS_DRY_RUN":       "false",
		"PULUMI_NODEJS_TSCONFIG_PATH": "user.json", // a user's own setting survives when no option is given
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if _, ok := env["PULUMI_NODEJS_ENGINE"]; ok {
		t.Error("no engine address known: PULUMI_NODEJS_ENGINE must be unset")
	}
}

func TestBuildRunCommandBadOptions(t *testing.T) {
	for name, opts := range map[string]map[string]any{
		"typescript not bool": {"typescript": "yes"},
		"nodeargs not string": {"nodeargs": 3.0},
		"unclosed quote":      {"nodeargs": `--import "x`},
		"unknown pm":          {"packagemanager": "cargo"},
	} {
		req := &pulumirpc.RunRequest{Info: &pulumirpc.ProgramInfo{Options: mustStruct(t, opts)}}
		if _, err := buildRunCommand(req, "/run", hostSettings{}, nil); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
}

func TestSplitShellWords(t *testing.T) {
	for in, want := range map[string][]string{
		"":                         nil,
		"  a  b ":                  {"a", "b"},
		`--x="a b" 'c d' e\ f`:     {"--x=a b", "c d", "e f"},
		`"" x`:                     {"", "x"},
		`--import 'it''s'`:         {"--import", "its"},
		"--inspect\t--no-warnings": {"--inspect", "--no-warnings"},
	} {
		got, err := splitShellWords(in)
		if err != nil || !equal(got, want) {
			t.Errorf("splitShellWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestFindRunPath(t *testing.T) {
	t.Setenv(runPathEnv, "")
	root := t.TempDir()
	prog := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := findRunPath(prog); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("expected a clear error, got %v", err)
	}
	run := filepath.Join(root, "node_modules", "@pulumi", "pulumi", "cmd", "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := findRunPath(prog); err != nil || got != run {
		t.Errorf("findRunPath = %q, %v; want %q", got, err, run)
	}
}

func TestRunResponse(t *testing.T) {
	exitWith := func(code string) error {
		return exec.Command("sh", "-c", "exit "+code).Run()
	}
	if r := runResponse(nil); r.Error != "" || r.Bail {
		t.Errorf("success: %v", r)
	}
	if r := runResponse(exitWith("32")); !r.Bail || r.Error != "" {
		t.Errorf("exit 32 must bail: %v", r)
	}
	if r := runResponse(exitWith("3")); r.Error != "Program exited with non-zero exit code: 3" || r.Bail {
		t.Errorf("exit 3: %v", r)
	}
	if r := runResponse(errors.New("exec: not found")); !strings.Contains(r.Error, "could not run node") {
		t.Errorf("start failure: %v", r)
	}
}

func TestParseArgs(t *testing.T) {
	got := parseArgs([]string{
		"-root=/x", "--logtostderr", "-v=9", "--tracing", "http://t", "-typescript=false",
		"-nodeargs", "--inspect", "-unknown", "127.0.0.1:5555",
	})
	if got.engineAddress != "127.0.0.1:5555" || got.tracing != "http://t" || got.showVersion {
		t.Errorf("parseArgs = %+v", got)
	}
	if got := parseArgs([]string{"-version"}); !got.showVersion {
		t.Error("-version not recognised")
	}
	if got := parseArgs(nil); got.engineAddress != "" {
		t.Errorf("no args: %+v", got)
	}
}
