package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func strp(s string) *string { return &s }

func TestRunEnvDirStdin(t *testing.T) {
	dir := t.TempDir()
	in := commandInputs{
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
	stdout, _, err := runCommand(context.Background(), `printf 'a\n\n'`, commandInputs{}, runOptions{})
	if err != nil || stdout != "a\n" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
}

func TestRunExitCodeError(t *testing.T) {
	_, _, err := runCommand(context.Background(), `echo out; echo boom >&2; exit 3`, commandInputs{}, runOptions{})
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
	// A secret command text is left out; secret values are masked in the output, the rest of it stays.
	_, _, err := runCommand(context.Background(), `echo TOPSECRET diagnostics >&2; exit 4`, commandInputs{}, runOptions{Redact: true, Mask: masker{"TOPSECRET"}})
	if err == nil || strings.Contains(err.Error(), "TOPSECRET") || !strings.Contains(err.Error(), "exit code 4") ||
		!strings.Contains(err.Error(), "[secret] diagnostics") || !strings.Contains(err.Error(), "command [secret] failed") {
		t.Fatalf("unexpected error %v", err)
	}
}

func TestSecretStringsMasksValuesAndKeyLines(t *testing.T) {
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nshort\n-----END OPENSSH PRIVATE KEY-----"
	props := resource.PropertyMap{
		"create":      resource.NewProperty("ansible-playbook site.yml"),
		"environment": resource.MakeSecret(resource.NewPropertyValue(map[string]any{"KEY": key, "TOKEN": "s3cret-token"})),
		"stdin":       resource.NewProperty("not secret"),
	}
	m := masker(secretStrings(props))
	got := m.mask("token s3cret-token; key line b3BlbnNzaC1rZXktdjEAAAAA; short stays; not secret stays")
	if got != "token [secret]; key line [secret]; short stays; not secret stays" {
		t.Fatalf("masked = %q", got)
	}
	if commandTextSecret(props) {
		t.Fatal("a plain create is not a secret command text")
	}
	props["create"] = resource.MakeSecret(resource.NewProperty("echo hidden"))
	if !commandTextSecret(props) {
		t.Fatal("a secret create is a secret command text")
	}
}

func TestRunMissingDir(t *testing.T) {
	_, _, err := runCommand(context.Background(), `true`, commandInputs{Dir: strp("/does/not/exist")}, runOptions{})
	if err == nil {
		t.Fatal("expected an error for a missing dir")
	}
}

func TestRunInterpreter(t *testing.T) {
	stdout, _, err := runCommand(context.Background(), "print-me",
		commandInputs{Interpreter: []string{"/bin/echo", "arg"}}, runOptions{})
	if err != nil || stdout != "arg print-me" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
}

func TestRunPreviousOutputEnv(t *testing.T) {
	opts := runOptions{PrevStdout: "old-out", PrevStderr: "old-err"}
	script := `echo "[$PULUMI_COMMAND_STDOUT][$PULUMI_COMMAND_STDERR]"`
	stdout, _, err := runCommand(context.Background(), script, commandInputs{AddPreviousOutputInEnv: true}, opts)
	if err != nil || stdout != "[old-out][old-err]" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
	stdout, _, err = runCommand(context.Background(), script, commandInputs{AddPreviousOutputInEnv: false}, opts)
	if err != nil || stdout != "[][]" {
		t.Fatalf("stdout = %q, err = %v", stdout, err)
	}
}

func TestRunLogging(t *testing.T) {
	var lines []string
	log := func(stream, line string) { lines = append(lines, stream+":"+line) }
	_, _, err := runCommand(context.Background(), `echo one; echo two >&2; printf three`,
		commandInputs{Logging: logStdout}, runOptions{Log: log})
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
	_, _, err := runCommand(ctx, `sleep 30 & sleep 30`, commandInputs{}, runOptions{})
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestRunBackgroundProcessDoesNotHang(t *testing.T) {
	start := time.Now()
	stdout, _, err := runCommand(context.Background(), `echo started; sleep 30 &`, commandInputs{}, runOptions{})
	if err != nil || stdout != "started" || time.Since(start) > 15*time.Second {
		t.Fatalf("stdout = %q, err = %v after %v", stdout, err, time.Since(start))
	}
}

func TestDecodeInputs(t *testing.T) {
	in, failures := decodeCommandInputs(pm("create", "a", "interpreter", []any{"/bin/bash", "-c"},
		"environment", map[string]any{"A": "1"}, "logging", "none", "addPreviousOutputInEnv", false), localCommandKeys)
	if len(failures) != 0 || *in.Create != "a" || len(in.Interpreter) != 2 || in.Environment["A"] != "1" ||
		in.Logging != logNone || in.AddPreviousOutputInEnv {
		t.Fatalf("in = %+v, failures = %v", in, failures)
	}
	_, failures = decodeCommandInputs(pm("create", 1.0, "environment", map[string]any{"A": true},
		"assetPaths", []any{"*.txt"}, "logging", "loud"), localCommandKeys)
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
