package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// testSSHHost is a real OpenSSH sshd in its own network namespace, reachable
// from the test over a veth pair (the same set-up as
// test/support/netns-host.ts, on 10.214.x.0/30 instead of 10.213.x.0/30).
type testSSHHost struct {
	Address    string // the sshd's address inside the namespace
	Port       int
	HostKey    string // host public key, authorized_keys format
	ClientKey  string // client private key (OpenSSH PEM) accepted for root
	OtherKey   string // a second host public key that is NOT the sshd's
	Dir        string // temp dir with keys and config
	HostSideIP string // this side's address on the link (closed ports)
}

// Tools the netns sshd needs; scripts/bootstrap installs them.
var netnsTools = []string{"ip", "sshd", "ssh-keygen"}

// requireNetnsTools fails the test (never skips it) when the set-up cannot
// work here, naming the fix.
func requireNetnsTools(t *testing.T) map[string]string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("remote provider tests need root to create a network namespace for a test sshd; " +
			"run them as root in the peva-lab dev environment (see scripts/bootstrap)")
	}
	paths := map[string]string{}
	for _, tool := range netnsTools {
		p, err := exec.LookPath(tool)
		if err != nil {
			// sshd usually lives in /usr/sbin, which may not be on PATH.
			if _, serr := os.Stat("/usr/sbin/" + tool); serr == nil {
				p = "/usr/sbin/" + tool
			} else {
				t.Fatalf("%s not found (needed for the netns sshd used by the remote provider tests); "+
					"run scripts/bootstrap to install openssh-server, openssh-client and iproute2", tool)
			}
		}
		paths[tool] = p
	}
	return paths
}

// startSSHHost starts the namespace sshd and registers its removal (sshd,
// namespace, link, temp dir) with t.Cleanup.
func startSSHHost(t *testing.T) *testSSHHost {
	t.Helper()
	tools := requireNetnsTools(t)
	host, cleanup, failure := newSSHHost(tools)
	if failure != "" {
		t.Fatal(failure)
	}
	t.Cleanup(func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	})
	return host
}

// newSSHHost creates the namespace, link, keys and sshd, and waits until an
// SSH handshake succeeds. On failure it cleans up and returns a message.
func newSSHHost(tools map[string]string) (host *testSSHHost, cleanup []func(), failure string) {
	ip, sshd, keygen := tools["ip"], tools["sshd"], tools["ssh-keygen"]
	id := fmt.Sprintf("%d%03d", os.Getpid()%1000, rand.IntN(1000))
	ns := "peva-cmd-" + id
	hostSide, nsSide := "pch"+id, "pcn"+id // interface names: at most 15 bytes
	// 10.214.0-127.x; the e2e scenario (e2e/e2e.mjs) uses 10.214.128-255.x.
	subnet := fmt.Sprintf("10.214.%d", rand.IntN(128))
	dir, err := os.MkdirTemp("", "peva-cmd-sshd-")
	if err != nil {
		return nil, nil, err.Error()
	}
	cleanup = append(cleanup, func() { _ = os.RemoveAll(dir) })
	fail := func(format string, args ...any) (*testSSHHost, []func(), string) {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
		return nil, nil, fmt.Sprintf(format, args...)
	}
	sh := func(name string, args ...string) error {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}

	if err := sh(ip, "netns", "add", ns); err != nil {
		return fail("%v", err)
	}
	cleanup = append(cleanup, func() { _ = exec.Command(ip, "netns", "del", ns).Run() })
	if err := sh(ip, "link", "add", hostSide, "type", "veth", "peer", "name", nsSide); err != nil {
		return fail("%v", err)
	}
	cleanup = append(cleanup, func() { _ = exec.Command(ip, "link", "del", hostSide).Run() })
	address := subnet + ".2"
	for _, args := range [][]string{
		{"link", "set", nsSide, "netns", ns},
		{"addr", "add", subnet + ".1/30", "dev", hostSide},
		{"link", "set", hostSide, "up"},
		{"netns", "exec", ns, ip, "addr", "add", address + "/30", "dev", nsSide},
		{"netns", "exec", ns, ip, "link", "set", nsSide, "up"},
		{"netns", "exec", ns, ip, "link", "set", "lo", "up"},
	} {
		if err := sh(ip, args...); err != nil {
			return fail("%v", err)
		}
	}
	for _, name := range []string{"host_key", "client_key", "other_host_key"} {
		if err := sh(keygen, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", filepath.Join(dir, name)); err != nil {
			return fail("%v", err)
		}
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return string(b)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(read("client_key.pub")), 0o600); err != nil {
		return fail("%v", err)
	}
	_ = os.MkdirAll("/run/sshd", 0o755) // sshd's privilege-separation directory
	config := strings.Join([]string{
		"ListenAddress " + address,
		"Port 22",
		"HostKey " + filepath.Join(dir, "host_key"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"PermitRootLogin prohibit-password",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"StrictModes no",
		"Subsystem sftp internal-sftp",
		"",
	}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(config), 0o600); err != nil {
		return fail("%v", err)
	}
	logFile, err := os.Create(filepath.Join(dir, "sshd.log"))
	if err != nil {
		return fail("%v", err)
	}
	daemon := exec.Command(ip, "netns", "exec", ns, sshd, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	daemon.Stdout, daemon.Stderr = logFile, logFile
	if err := daemon.Start(); err != nil {
		return fail("start sshd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = daemon.Wait(); close(exited) }()
	cleanup = append(cleanup, func() {
		_ = daemon.Process.Kill()
		<-exited
		_ = logFile.Close()
	})

	host = &testSSHHost{Address: address, Port: 22, HostKey: read("host_key.pub"), ClientKey: read("client_key"),
		OtherKey: read("other_host_key.pub"), Dir: dir, HostSideIP: subnet + ".1"}
	signer, err := ssh.ParsePrivateKey([]byte(host.ClientKey))
	if err != nil {
		return fail("%v", err)
	}
	cfg := &ssh.ClientConfig{User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 2 * time.Second} //nolint:gosec // test probe
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := ssh.Dial("tcp", net.JoinHostPort(address, "22"), cfg)
		if err == nil {
			_ = c.Close()
			return host, cleanup, ""
		}
		select {
		case <-exited:
			return fail("sshd in namespace %s exited: %s", ns, read("sshd.log"))
		default:
		}
		if time.Now().After(deadline) {
			return fail("sshd in namespace %s did not accept a login within 20s: %v; log: %s", ns, err, read("sshd.log"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// conn returns a connection property map for the test host, pinned to its
// host key unless overridden.
func (h *testSSHHost) conn(overrides map[string]any) map[string]any {
	c := map[string]any{
		"host": h.Address, "port": float64(h.Port), "user": "root",
		"privateKey": h.ClientKey, "hostKey": h.HostKey,
		"dialErrorLimit": float64(2), "perDialTimeout": float64(5),
	}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}
