// Package config owns Upward's settings: one struct, read from environment
// variables, each overridable by a command-line flag, and validated before
// anything starts so that a bad value stops the program with one clear line.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Environments Upward knows. Production turns on the strict defaults
// (Secure cookies, HSTS, no development database).
const (
	EnvDev  = "dev"
	EnvProd = "prod"
)

// Password hash costs (user.StandardCost and user.TestCost).
const (
	HashCostStandard = "standard"
	HashCostTest     = "test"
)

// Config holds every setting of the upward binary.
type Config struct {
	DatabaseURL     string         // empty in dev: use the project-private cluster under DataDir
	DatabaseRole    string         // role the server's queries run as; owns no table, so RLS applies
	ListenAddr      string         // host:port for the HTTP server
	BaseDomain      string         // portals live at {slug}.BaseDomain, the console at BaseDomain
	DataDir         string         // uploads, the private dev cluster
	SMTPURL         string         // smtp://user:pass@host:port; empty keeps mail in the dev mailbox
	MailFrom        string         // From of outgoing mail
	Env             string         // dev or prod
	TrustedProxies  []netip.Prefix // only these peers may set X-Forwarded-For
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	APIRateLimit    int // requests a minute per API key
	LogLevel        slog.Level
	LogFormat       string // text or json
	// PasswordHashCost is the argon2id cost of new password hashes:
	// "standard" (empty means standard) or "test", which only test
	// suites use and a production configuration refuses.
	PasswordHashCost string
	// JobsOff keeps this process from working background jobs (mail,
	// reminders, webhooks): it still queues them, and another process
	// with WORK_JOBS=on works them. Web-only servers run so, and so do the
	// tests that send no mail.
	JobsOff bool

	// DBMaxConns sizes the web server's database pool (0: the postgres
	// package's default).
	DBMaxConns int
	// PostgreSQL's own limits on every connection of the server's pools
	// (statement_timeout, idle_in_transaction_session_timeout,
	// lock_timeout); zero leaves the database server's setting.
	DBStatementTimeout         time.Duration
	DBIdleInTransactionTimeout time.Duration
	DBLockTimeout              time.Duration

	// ReadHeaderTimeout is how long a client may take to send a request's
	// headers (a slowloris holds connections open by sending them slowly);
	// zero means 10 seconds. Tests shorten it.
	ReadHeaderTimeout time.Duration
}

// Error names the setting that is wrong and why, in one line.
type Error struct {
	Setting string // the environment variable's name
	Flag    string
	Reason  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (--%s): %s", e.Setting, e.Flag, e.Reason)
}

// setting is one configurable value: its environment variable, flag, default
// and how to parse it into the Config.
type setting struct {
	env, flag, def, usage string
	parse                 func(c *Config, v string) error
}

var settings = []setting{
	{"DATABASE_URL", "database-url", "", "PostgreSQL URL (postgres://user:pass@host:port/db); unset in dev starts a private cluster under DATA_DIR",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
				return fmt.Errorf("must be a postgres:// URL")
			}
			c.DatabaseURL = v
			return nil
		}},
	{"LISTEN_ADDR", "listen-addr", ":8080", "address the HTTP server listens on (host:port)",
		func(c *Config, v string) error {
			host, port, err := net.SplitHostPort(v)
			if err != nil {
				return fmt.Errorf("%q is not a host:port address", v)
			}
			if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
				return fmt.Errorf("%q has no valid port number", v)
			}
			if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
				return fmt.Errorf("%q has an invalid host", v)
			}
			c.ListenAddr = v
			return nil
		}},
	{"BASE_DOMAIN", "base-domain", "localhost", "domain of the platform console; portals are {slug}.BASE_DOMAIN",
		func(c *Config, v string) error {
			v = strings.ToLower(v)
			if !validHostname(v) {
				return fmt.Errorf("%q is not a domain name", v)
			}
			c.BaseDomain = v
			return nil
		}},
	{"DATA_DIR", "data-dir", ".data", "folder for uploads and the private development database",
		func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("must not be empty")
			}
			c.DataDir = v
			return nil
		}},
	{"SMTP_URL", "smtp-url", "", "mail server as smtp://user:pass@host:port; empty disables outgoing mail",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
				return fmt.Errorf("must be an smtp:// or smtps:// URL with a host")
			}
			c.SMTPURL = v
			return nil
		}},
	{"MAIL_FROM", "mail-from", "", "sender address of outgoing mail, e.g. no-reply@example.com (the name shown is the portal's); default no-reply@BASE_DOMAIN",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			a, err := mail.ParseAddress(v)
			if err != nil {
				return fmt.Errorf("%q is not an e-mail address", v)
			}
			// Only the address: each message's From names its portal, and
			// the envelope and the header must agree.
			c.MailFrom = a.Address
			return nil
		}},
	{"ENV", "env", EnvDev, "dev or prod",
		func(c *Config, v string) error {
			if v != EnvDev && v != EnvProd {
				return fmt.Errorf("%q must be dev or prod", v)
			}
			c.Env = v
			return nil
		}},
	{"TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed",
		func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, s := range strings.Split(v, ",") {
				s = strings.TrimSpace(s)
				if s == "" {
					continue
				}
				p, err := netip.ParsePrefix(s)
				if err != nil {
					a, aerr := netip.ParseAddr(s)
					if aerr != nil {
						return fmt.Errorf("%q is not an IP address or CIDR", s)
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
				c.TrustedProxies = append(c.TrustedProxies, p.Masked())
			}
			return nil
		}},
	{"REQUEST_TIMEOUT", "request-timeout", "30s", "longest time a request may run",
		func(c *Config, v string) error { return parseDuration(v, &c.RequestTimeout) }},
	{"SHUTDOWN_TIMEOUT", "shutdown-timeout", "15s", "how long shutdown waits for in-flight requests",
		func(c *Config, v string) error { return parseDuration(v, &c.ShutdownTimeout) }},
	{"DB_MAX_CONNS", "db-max-conns", "16", "connections of the web server's database pool",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return fmt.Errorf("%q must be a whole number from 1 to 1000", v)
			}
			c.DBMaxConns = n
			return nil
		}},
	// Unset, a statement may run as long as the request that sends it: a
	// CSV export is one statement streaming its rows for as long as its
	// page may run, so a shorter limit would cut downloads the request's
	// own deadline allows (raise REQUEST_TIMEOUT and both follow).
	{"DB_STATEMENT_TIMEOUT", "db-statement-timeout", "", "longest time one SQL statement may run (PostgreSQL statement_timeout); default REQUEST_TIMEOUT",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			return parseDuration(v, &c.DBStatementTimeout)
		}},
	{"DB_IDLE_IN_TRANSACTION_TIMEOUT", "db-idle-in-transaction-timeout", "60s", "PostgreSQL ends a session whose transaction waits this long for its next statement (idle_in_transaction_session_timeout)",
		func(c *Config, v string) error { return parseDuration(v, &c.DBIdleInTransactionTimeout) }},
	{"DB_LOCK_TIMEOUT", "db-lock-timeout", "10s", "longest time a statement waits for a lock (PostgreSQL lock_timeout)",
		func(c *Config, v string) error { return parseDuration(v, &c.DBLockTimeout) }},
	{"API_RATE_LIMIT", "api-rate-limit", "600", "requests an API key may make a minute",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%q must be a whole number above 0", v)
			}
			c.APIRateLimit = n
			return nil
		}},
	{"PASSWORD_HASH_COST", "password-hash-cost", HashCostStandard, "argon2id cost of new password hashes: standard, or test (for test suites only; refused with ENV=prod)",
		func(c *Config, v string) error {
			if v != HashCostStandard && v != HashCostTest {
				return fmt.Errorf("%q must be standard or test", v)
			}
			c.PasswordHashCost = v
			return nil
		}},
	{"WORK_JOBS", "work-jobs", "on", "on: this process works background jobs (mail, reminders, webhooks); off: it only queues them, for a web-only server beside one with them on",
		func(c *Config, v string) error {
			if v != "on" && v != "off" {
				return fmt.Errorf("%q must be on or off", v)
			}
			c.JobsOff = v == "off"
			return nil
		}},
	{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error",
		func(c *Config, v string) error {
			if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("%q must be debug, info, warn or error", v)
			}
			return nil
		}},
	{"LOG_FORMAT", "log-format", "text", "text or json",
		func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("%q must be text or json", v)
			}
			c.LogFormat = v
			return nil
		}},
}

// Flags registers every setting on fs, with defaults taken from the
// environment through getenv. Call Parse on fs, then Load.
func Flags(fs *flag.FlagSet, getenv func(string) string) *Values {
	vals := &Values{raw: make(map[string]*string, len(settings))}
	for _, s := range settings {
		def := s.def
		if v, ok := lookup(getenv, s.env); ok {
			def = v
		}
		vals.raw[s.env] = fs.String(s.flag, def, s.usage+" (env "+s.env+")")
	}
	return vals
}

// Values are the raw strings gathered from the environment and flags.
type Values struct {
	raw map[string]*string
}

// Load validates the gathered values and returns the Config, or an *Error
// naming the first bad setting.
func (v *Values) Load() (Config, error) {
	var c Config
	for _, s := range settings {
		if err := s.parse(&c, *v.raw[s.env]); err != nil {
			return Config{}, &Error{Setting: s.env, Flag: s.flag, Reason: err.Error()}
		}
	}
	if c.MailFrom == "" {
		c.MailFrom = "no-reply@" + c.BaseDomain
	}
	if c.DBStatementTimeout == 0 {
		c.DBStatementTimeout = c.RequestTimeout
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks the rules between settings, for a Config however it was
// made (Load calls it; so does the server before it starts).
func (c Config) Validate() error {
	if c.Env == EnvProd && c.DatabaseURL == "" {
		return &Error{Setting: "DATABASE_URL", Flag: "database-url", Reason: "must be set when ENV=prod"}
	}
	if c.Env == EnvProd && c.PasswordHashCost == HashCostTest {
		return &Error{Setting: "PASSWORD_HASH_COST", Flag: "password-hash-cost", Reason: "test is for test suites only: it protects no password, and ENV=prod refuses it"}
	}
	return nil
}

// Production reports whether strict production defaults apply.
func (c Config) Production() bool { return c.Env == EnvProd }

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func parseDuration(v string, dst *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration such as 30s", v)
	}
	*dst = d
	return nil
}

var hostnameRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

func validHostname(h string) bool {
	return len(h) <= 253 && hostnameRE.MatchString(strings.ToLower(h))
}
