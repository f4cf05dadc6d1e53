package main

import (
	"fmt"
	"math"
	"net"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
)

// Defaults of the connection inputs, as in the official schema (the SDK
// usually fills them in already).
const (
	defaultSSHPort        = 22
	defaultSSHUser        = "root"
	defaultDialErrorLimit = 10 // -1 means unlimited
	defaultPerDialTimeout = 15 // seconds; 0 means no limit
)

// connection is the decoded `connection` input of the remote resources.
type connection struct {
	Host               string
	Port               int
	User               string
	Password           *string
	PrivateKey         *string
	PrivateKeyPassword *string
	AgentSocketPath    *string
	DialErrorLimit     int
	PerDialTimeout     int
	HostKey            *string
}

// target names the endpoint in messages, e.g. "root@10.0.0.2:22". It holds
// no credentials, so it is safe in errors and logs.
func (c connection) target() string {
	return c.User + "@" + net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// connectionDefaults are applied by Check to properties that are not set.
var connectionDefaults = map[resource.PropertyKey]resource.PropertyValue{
	"port":           resource.NewProperty(float64(defaultSSHPort)),
	"user":           resource.NewProperty(defaultSSHUser),
	"dialErrorLimit": resource.NewProperty(float64(defaultDialErrorLimit)),
	"perDialTimeout": resource.NewProperty(float64(defaultPerDialTimeout)),
}

// checkConnection validates the `connection` input and returns it with the
// schema defaults filled in and marked secret. Upstream marks the whole
// connection secret (it holds privateKey and password), so it never appears
// in plain text in the state, whatever the program sent.
func checkConnection(raw resource.PropertyValue) (resource.PropertyValue, []checkFailure) {
	if unwrapSecret(raw).IsNull() {
		return raw, []checkFailure{{Property: "connection", Reason: "missing required property 'connection'"}}
	}
	if isUnknown(raw) {
		return makeSecret(raw), nil
	}
	if _, _, failures := decodeConnection(raw); len(failures) > 0 {
		return raw, failures
	}
	obj := unwrapSecret(raw).ObjectValue().Copy()
	for k, v := range connectionDefaults {
		if _, ok := present(obj, k); !ok {
			obj[k] = v
		}
	}
	return resource.MakeSecret(resource.NewProperty(obj)), nil
}

// makeSecret wraps v as a secret unless it already is one.
func makeSecret(v resource.PropertyValue) resource.PropertyValue {
	if v.IsSecret() {
		return v
	}
	return resource.MakeSecret(v)
}

// decodeConnection decodes and validates a `connection` value. unknown is
// true when some part is not known yet (preview); the result is then partial.
// Failure messages never quote privateKey, password or privateKeyPassword.
func decodeConnection(raw resource.PropertyValue) (c connection, unknown bool, failures []checkFailure) {
	c = connection{Port: defaultSSHPort, User: defaultSSHUser,
		DialErrorLimit: defaultDialErrorLimit, PerDialTimeout: defaultPerDialTimeout}
	fail := func(prop, format string, args ...any) {
		failures = append(failures, checkFailure{Property: "connection." + prop, Reason: fmt.Sprintf(format, args...)})
	}
	if isUnknown(raw) {
		return c, true, nil
	}
	v := unwrapSecret(raw)
	if !v.IsObject() {
		return c, false, []checkFailure{{Property: "connection",
			Reason: fmt.Sprintf("connection must be an object, got %s", v.TypeString())}}
	}
	obj := v.ObjectValue()

	str := func(key resource.PropertyKey) *string {
		raw, ok := present(obj, key)
		if !ok {
			return nil
		}
		if isUnknown(raw) {
			unknown = true
			return nil
		}
		v := unwrapSecret(raw)
		if !v.IsString() {
			fail(string(key), "connection.%s must be a string, got %s", key, v.TypeString())
			return nil
		}
		s := v.StringValue()
		return &s
	}
	integer := func(key resource.PropertyKey, def, lo, hi int) int {
		raw, ok := present(obj, key)
		if !ok {
			return def
		}
		if isUnknown(raw) {
			unknown = true
			return def
		}
		v := unwrapSecret(raw)
		if !v.IsNumber() {
			fail(string(key), "connection.%s must be a whole number, got %s", key, v.TypeString())
			return def
		}
		n := v.NumberValue()
		if n != math.Trunc(n) {
			fail(string(key), "connection.%s must be a whole number, got %v", key, n)
			return def
		}
		if n < float64(lo) || n > float64(hi) {
			fail(string(key), "connection.%s must be between %d and %d, got %v", key, lo, hi, n)
			return def
		}
		return int(n)
	}

	_, hostSet := present(obj, "host")
	if h := str("host"); h != nil && *h != "" {
		c.Host = *h
	} else if !hostSet || h != nil {
		// Absent or empty; an unknown or mistyped host is handled by str.
		fail("host", "missing required property 'connection.host'")
	}
	if u := str("user"); u != nil && *u != "" {
		c.User = *u
	}
	c.Port = integer("port", defaultSSHPort, 1, 65535)
	c.DialErrorLimit = integer("dialErrorLimit", defaultDialErrorLimit, -1, math.MaxInt32)
	c.PerDialTimeout = integer("perDialTimeout", defaultPerDialTimeout, 0, math.MaxInt32)
	c.Password = str("password")
	c.PrivateKey = str("privateKey")
	c.PrivateKeyPassword = str("privateKeyPassword")
	c.AgentSocketPath = str("agentSocketPath")
	c.HostKey = str("hostKey")

	if _, ok := present(obj, "proxy"); ok {
		fail("proxy", "%s", unsupportedReason("`connection.proxy` (a bastion host)"))
	}
	if c.HostKey != nil {
		if _, err := parseHostKey(*c.HostKey); err != nil {
			fail("hostKey", "%v", err)
		}
	}
	if c.PrivateKey != nil {
		if _, err := c.signer(); err != nil {
			fail("privateKey", "%v", err)
		}
	}
	return c, unknown, failures
}

// parseHostKey parses a pinned host key given in authorized_keys format,
// e.g. "ssh-ed25519 AAAAC3Nza... comment" (the content of a host's
// /etc/ssh/ssh_host_ed25519_key.pub).
func parseHostKey(s string) (ssh.PublicKey, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("connection.hostKey is not a public key in authorized_keys format "+
			"(e.g. \"ssh-ed25519 AAAA...\"): %v", err)
	}
	return key, nil
}

// signer parses privateKey (with privateKeyPassword when set). The errors of
// the ssh package describe the problem without quoting the key.
func (c connection) signer() (ssh.Signer, error) {
	var (
		s   ssh.Signer
		err error
	)
	if c.PrivateKeyPassword != nil {
		s, err = ssh.ParsePrivateKeyWithPassphrase([]byte(*c.PrivateKey), []byte(*c.PrivateKeyPassword))
	} else {
		s, err = ssh.ParsePrivateKey([]byte(*c.PrivateKey))
	}
	if err != nil {
		return nil, fmt.Errorf("connection.privateKey cannot be used: %v", err)
	}
	return s, nil
}
