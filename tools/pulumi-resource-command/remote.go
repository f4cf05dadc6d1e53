package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Backoff between dial attempts: the same shape as upstream's (Pulumi's
// retry.Until defaults), start at 100 ms, grow 1.5x, at most 5 s.
const (
	dialFirstDelay = 100 * time.Millisecond
	dialBackoff    = 1.5
	dialMaxDelay   = 5 * time.Second
)

// hostKeyMismatchError is returned when the server's host key is not the
// pinned connection.hostKey. It is never retried: a different key means a
// different (or impersonated) host, which waiting does not fix.
type hostKeyMismatchError struct {
	Target    string
	Got, Want ssh.PublicKey
}

func (e *hostKeyMismatchError) Error() string {
	return fmt.Sprintf("host key mismatch for %s: the server presented %s %s, but connection.hostKey is %s %s; refusing to connect",
		e.Target, e.Got.Type(), ssh.FingerprintSHA256(e.Got), e.Want.Type(), ssh.FingerprintSHA256(e.Want))
}

// pinnedHostKey accepts exactly the key want.
func pinnedHostKey(target string, want ssh.PublicKey) ssh.HostKeyCallback {
	return func(_ string, _ net.Addr, got ssh.PublicKey) error {
		if bytes.Equal(got.Marshal(), want.Marshal()) {
			return nil
		}
		return &hostKeyMismatchError{Target: target, Got: got, Want: want}
	}
}

// hostKeyAlgorithms makes the server present a key of the pinned type (a
// server usually has several). An RSA key can be used with three signature
// algorithms; modern servers refuse the SHA-1 one ("ssh-rsa"), so offer the
// SHA-2 ones first.
func hostKeyAlgorithms(key ssh.PublicKey) []string {
	if key.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{key.Type()}
}

// clientConfig builds the SSH client configuration. Authentication methods
// are offered in upstream's order: private key, password (also answering
// keyboard-interactive prompts), then the SSH agent. The returned cleanup
// closes the agent connection; call it once the handshake is over.
func (c connection) clientConfig() (*ssh.ClientConfig, func(), error) {
	cfg := &ssh.ClientConfig{User: c.User}
	if c.HostKey != nil {
		key, err := parseHostKey(*c.HostKey)
		if err != nil {
			return nil, nil, err
		}
		cfg.HostKeyCallback = pinnedHostKey(c.target(), key)
		cfg.HostKeyAlgorithms = hostKeyAlgorithms(key)
	} else {
		// Upstream compatibility: without connection.hostKey any host key is
		// accepted. peva-lab always pins the key (see README.md).
		cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // documented upstream behaviour
	}
	if c.PrivateKey != nil {
		signer, err := c.signer()
		if err != nil {
			return nil, nil, err
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if c.Password != nil {
		password := *c.Password
		cfg.Auth = append(cfg.Auth, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = password
				}
				return answers, nil
			}))
	}
	cleanup := func() {}
	if sock, explicit := c.agentSocket(); sock != "" {
		conn, err := net.Dial("unix", sock)
		switch {
		case err == nil:
			cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
			cleanup = func() { _ = conn.Close() }
		case explicit:
			return nil, nil, fmt.Errorf("connection.agentSocketPath: cannot reach the SSH agent at %s: %v", sock, err)
		default:
			// SSH_AUTH_SOCK points at a dead agent: carry on without it
			// rather than fail a connection that may not need the agent.
		}
	}
	return cfg, cleanup, nil
}

// agentSocket returns connection.agentSocketPath, or else $SSH_AUTH_SOCK as
// upstream does. explicit tells which one it is.
func (c connection) agentSocket() (path string, explicit bool) {
	if c.AgentSocketPath != nil && *c.AgentSocketPath != "" {
		return *c.AgentSocketPath, true
	}
	return os.Getenv("SSH_AUTH_SOCK"), false
}

// dialSSH connects and authenticates, retrying failed attempts with backoff.
// As upstream, dialErrorLimit is the number of failed attempts tolerated:
// the attempt after the last tolerated failure is the final one (so 0 means
// a single attempt, and -1 retries until ctx ends). Each attempt, TCP connect
// and SSH handshake together, is bounded by perDialTimeout seconds.
// Authentication failures are retried like upstream (a new host may not have
// its authorized key yet); a host key mismatch is not.
func dialSSH(ctx context.Context, c connection, status func(string)) (*ssh.Client, error) {
	cfg, cleanup, err := c.clientConfig()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	perDial := time.Duration(c.PerDialTimeout) * time.Second

	delay := dialFirstDelay
	for failures := 1; ; failures++ {
		client, err := dialOnce(ctx, addr, cfg, perDial)
		if err == nil {
			return client, nil
		}
		var mismatch *hostKeyMismatchError
		switch {
		case errors.As(err, &mismatch):
			return nil, mismatch
		case ctx.Err() != nil:
			return nil, fmt.Errorf("dial %s: %w (last error: %v)", c.target(), ctx.Err(), err)
		case c.DialErrorLimit >= 0 && failures > c.DialErrorLimit:
			return nil, fmt.Errorf("dial %s: giving up after %d failed attempts (connection.dialErrorLimit is %d): %w",
				c.target(), failures, c.DialErrorLimit, err)
		}
		if status != nil {
			limit := "unlimited"
			if c.DialErrorLimit >= 0 {
				limit = strconv.Itoa(c.DialErrorLimit + 1)
			}
			status(fmt.Sprintf("dial %s: attempt %d/%s failed (%v); retrying in %v",
				c.target(), failures, limit, err, delay.Round(time.Millisecond)))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dial %s: %w (last error: %v)", c.target(), ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(time.Duration(float64(delay)*dialBackoff), dialMaxDelay)
	}
}

// dialOnce makes one connection attempt. perDial (0 = none) bounds the TCP
// connect and the SSH handshake; ctx cancellation aborts either.
func dialOnce(ctx context.Context, addr string, cfg *ssh.ClientConfig, perDial time.Duration) (*ssh.Client, error) {
	dialer := net.Dialer{Timeout: perDial}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if perDial > 0 {
		_ = conn.SetDeadline(time.Now().Add(perDial))
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if !stop() {
		// ctx ended during the handshake and closed conn.
		if err == nil {
			_ = sshConn.Close()
		}
		return nil, ctx.Err()
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sshConn, chans, reqs), nil
}
