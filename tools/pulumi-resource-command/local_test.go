package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func strp(s string) *string { return &s }

func TestRunEnvDirStdin(t *testing.T) {
	dir := t.TempDir()
	in := localInputs{
		Dir:                    strp(dir),
		Environment:            map[string]string{"FOO": "x", "BAR": "y z"},
		Stdin:                  strp("from-stdin\n"),
		AddPreviousOutputInEnv: true,
	}
	stdout, stderr, err := runCommand(context.Background(),
		`echo "$FOO-$BAR"; pwd; cat; echo warn >&2`, in, runOptions{})
	if err != nil {
		t.Fatal(err)
	}
	realDir, _ := filepath.EvalSymlinks(dir)
	want := "x-y z\n" + realDir + "\nfrom-stdin"
	if stdout != want {
		t.Fatalf("stdout = %q, want %q", stdout, want)
	}
	if stderr != "warn" {
		t.Fatalf("stderr = %q", stderr)
	}
}

func TestRunTrimsOnlyOneTrailingNewline(t *testing.T) {
	stdout, _, err := runCommand(context.Background(), `printf 'a\n\n'`, localInputs{}, runOptions{})
	if err != nil || stdout != "a\n" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
}

func TestRunExitCodeError(t *testing.T) {
	_, _, err := runCommand(context.Background(), `echo out; echo boom >&2; exit 3`, localInputs{}, runOptions{})
	var ce *commandError
	if !errors.As(err, &ce) {
		t.Fatalf("want commandError, got %v", err)
	}
	if ce.ExitCode != 3 || ce.Stderr != "boom\n" {
		t.Fatalf("exit=%d stderr=%q", ce.ExitCode, ce.Stderr)
	}
	msg := err.Error()
	for _, s := range []string{"exit code 3", "boom", "out", `"echo out; echo boom >&2; exit 3"`} {
		if !strings.Contains(msg, s) {
			t.Fatalf("error %q lacks %q", msg, s)
		}
	}
}

func TestRunRedactsSecretCommand(t *testing.T) {
	_, _, err := runCommand(context.Background(), `echo TOPSECRET >&2; exit 4`, localInputs{}, runOptions{Redact: true})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") || !strings.Contains(err.Error(), "exit code 4") {
		t.Fatalf("unexpected error %v", err)
	}
}

func TestRunMissingDir(t *testing.T) {
	_, _, err := runCommand(context.Background(), `true`, localInputs{Dir: strp("/does/not/exist")}, runOptions{})
	if err == nil {
		t.Fatal("expected an error for a missing dir")
	}
}

func TestRunInterpreter(t *testing.T) {
	stdout, _, err := runCommand(context.Background(), "print-me",
		localInputs{Interpreter: []string{"/bin/echo", "arg"}}, runOptions{})
	if err != nil || stdout != "arg print-me" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
}

func TestRunPreviousOutputEnv(t *testing.T) {
	opts := runOptions{PrevStdout: "old-out", PrevStderr: "old-err"}
	script := `echo "[$PULUMI_COMMAND_STDOUT][$PULUMI_COMMAND_STDERR]"`
	stdout, _, err := runCommand(context.Background(), script, localInputs{AddPreviousOutputInEnv: true}, opts)
	if err != nil || stdout != "[old-out][old-err]" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
	stdout, _, err = runCommand(context.Background(), script, localInputs{AddPreviousOutputInEnv: false}, opts)
	if err != nil || stdout != "[][]" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
}

func TestRunLogging(t *testing.T) {
	var lines []string
	log := func(stream, line string) { lines = append(lines, stream+":"+line) }
	_, _, err := runCommand(context.Background(), `echo one; echo two >&2; printf three`,
		localInputs{Logging: logStdout}, runOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines, ",") != "stdout:one,stdout:three" {
		t.Fatalf("lines = %v", lines)
	}
}

func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := runCommand(ctx, `sleep 30 & sleep 30`, localInputs{}, runOptions{})
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestRunBackgroundProcessDoesNotHang(t *testing.T) {
	start := time.Now()
	stdout, _, err := runCommand(context.Background(), `echo started; sleep 30 &`, localInputs{}, runOptions{})
	if err != nil || stdout != "started" || time.Since(start) > 15*time.Second {
		t.Fatalf("stdout = %q, err = %v after %v", stdout, err, time.Since(start))
	}
}

func TestDecodeInputs(t *testing.T) {
	in, failures := decodeLocalInputs(pm("create", "a", "interpreter", []any{"/bin/bash", "-c"},
		"environment", map[string]any{"A": "1"}, "logging", "none", "addPreviousOutputInEnv", false), commandInputKeys)
	if len(failures) != 0 || *in.Create != "a" || len(in.Interpreter) != 2 || in.Environment["A"] != "1" ||
		in.Logging != logNone || in.AddPreviousOutputInEnv {
		t.Fatalf("in = %+v, failures = %v", in, failures)
	}
	_, failures = decodeLocalInputs(pm("create", 1.0, "environment", map[string]any{"A": true},
		"assetPaths", []any{"*.txt"}, "logging", "loud"), commandInputKeys)
	props := map[string]bool{}
	for _, f := range failures {
		props[f.Property] = true
	}
	for _, p := range []string{"create", "environment.A", "assetPaths", "logging"} {
		if !props[p] {
			t.Fatalf("missing failure for %s in %v", p, failures)
		}
	}
}
