package config_test

import (
	"errors"
	"flag"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/config"
)

func load(t *testing.T, env map[string]string, args ...string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	vals := config.Flags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return vals.Load()
}

func TestLoad_Defaults(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":8080" || c.BaseDomain != "localhost" || c.DataDir != ".data" || c.Env != "dev" ||
		c.RequestTimeout != 30*time.Second || c.DatabaseURL != "" || c.Production() {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

// A statement may run as long as its request unless told otherwise: a CSV
// export streams from one statement for as long as its page may run.
func TestLoad_DatabaseLimits(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DBMaxConns != 16 || c.DBStatementTimeout != 30*time.Second || c.DBIdleInTransactionTimeout != time.Minute || c.DBLockTimeout != 10*time.Second {
		t.Errorf("defaults: %d connections, statements %v, idle in transaction %v, locks %v",
			c.DBMaxConns, c.DBStatementTimeout, c.DBIdleInTransactionTimeout, c.DBLockTimeout)
	}
	c, err = load(t, map[string]string{"REQUEST_TIMEOUT": "2m"})
	if err != nil || c.DBStatementTimeout != 2*time.Minute {
		t.Errorf("REQUEST_TIMEOUT=2m: statements %v, %v; want 2m", c.DBStatementTimeout, err)
	}
	c, err = load(t, map[string]string{"REQUEST_TIMEOUT": "2m", "DB_STATEMENT_TIMEOUT": "5s", "DB_MAX_CONNS": "2"})
	if err != nil || c.DBStatementTimeout != 5*time.Second || c.DBMaxConns != 2 {
		t.Errorf("DB_STATEMENT_TIMEOUT=5s, DB_MAX_CONNS=2: statements %v, %d connections, %v", c.DBStatementTimeout, c.DBMaxConns, err)
	}
}

func TestLoad_FlagOverridesEnvironment(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"LISTEN_ADDR": ":9000", "BASE_DOMAIN": "example.com"}, "--listen-addr", "127.0.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != "127.0.0.1:7000" {
		t.Errorf("ListenAddr = %q, want the flag's value", c.ListenAddr)
	}
	if c.BaseDomain != "example.com" {
		t.Errorf("BaseDomain = %q, want the environment's value", c.BaseDomain)
	}
}

func TestLoad_TrustedProxies(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0] != want[0] || c.TrustedProxies[1] != want[1] {
		t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
	}
}

// A sender written with a name keeps only its address: each message's
// From names its portal, and mail refuses a named address there.
func TestLoad_MailFromKeepsTheAddress(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"MAIL_FROM": "Upward <no-reply@example.com>"})
	if err != nil || c.MailFrom != "no-reply@example.com" {
		t.Errorf("MailFrom = %q, %v", c.MailFrom, err)
	}
}

func TestLoad_BadValueNamesTheSetting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env     map[string]string
		setting string
	}{
		{map[string]string{"LISTEN_ADDR": "nonsense"}, "LISTEN_ADDR"},
		{map[string]string{"LISTEN_ADDR": ":99999"}, "LISTEN_ADDR"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"BASE_DOMAIN": "not a domain"}, "BASE_DOMAIN"},
		{map[string]string{"ENV": "staging"}, "ENV"},
		{map[string]string{"SMTP_URL": "http://mail"}, "SMTP_URL"},
		{map[string]string{"TRUSTED_PROXIES": "10.0.0.0/99"}, "TRUSTED_PROXIES"},
		{map[string]string{"REQUEST_TIMEOUT": "-1s"}, "REQUEST_TIMEOUT"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"API_RATE_LIMIT": "0"}, "API_RATE_LIMIT"},
		{map[string]string{"DB_MAX_CONNS": "0"}, "DB_MAX_CONNS"},
		{map[string]string{"DB_STATEMENT_TIMEOUT": "soon"}, "DB_STATEMENT_TIMEOUT"},
		{map[string]string{"DB_IDLE_IN_TRANSACTION_TIMEOUT": "0s"}, "DB_IDLE_IN_TRANSACTION_TIMEOUT"},
		{map[string]string{"DB_LOCK_TIMEOUT": "-1s"}, "DB_LOCK_TIMEOUT"},
		{map[string]string{"API_RATE_LIMIT": "lots"}, "API_RATE_LIMIT"},
		{map[string]string{"ENV": "prod"}, "DATABASE_URL"}, // prod never falls back to the dev database
		{map[string]string{"PASSWORD_HASH_COST": "cheap"}, "PASSWORD_HASH_COST"},
		// The cost test suites use protects no password.
		{map[string]string{"ENV": "prod", "DATABASE_URL": "postgres://u@h/db", "PASSWORD_HASH_COST": "test"}, "PASSWORD_HASH_COST"},
	}
	for _, c := range cases {
		t.Run(c.setting, func(t *testing.T) {
			_, err := load(t, c.env)
			var cerr *config.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if cerr.Setting != c.setting {
				t.Errorf("error names %s, want %s: %v", cerr.Setting, c.setting, err)
			}
		})
	}
}
