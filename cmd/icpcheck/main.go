// Command icpcheck checks cloud instances for ICP filing eligibility, keeps the ledger of
// filing service numbers, and serves the REST API, Alibaba Cloud's Filing Service API and the
// web console. This package only wires the other packages together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/i18n"
	"github.com/icpcheck/icpcheck/policy"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	m.Close()
	os.Exit(exitStatus(err))
}

// Exit statuses: 0 when everything was done, 1 when some input was refused or an operation
// failed, 2 for bad usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError marks an error as bad usage (exit status 2).
type usageError struct{ error }

// errPartial says that the command did its work but refused some input, which it has already
// reported in place (exit status 1, nothing more printed).
var errPartial = errors.New("some input was refused")

func exitStatus(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	}
	return exitFail
}

// Main is the program: its flags, its streams and what it opens. Tests run it in process.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string

	// Global flags.
	DB         string // store DSN: a SQLite file path, or postgres://...
	Server     string // URL of a running icpcheck server; empty: the local store
	PolicyFile string
	LangTag    string

	// AccessKeyID and AccessKeySecret sign requests in --server mode (remote.go).
	AccessKeyID     string
	AccessKeySecret string

	lang    i18n.Lang
	policy  *icpcheck.Policy
	logger  *slog.Logger // serve's, so that the store logs as the server does; nil: slog's default
	closers []func() error
}

// NewMain returns a Main on the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Run parses args and runs the command they name.
func (m *Main) Run(ctx context.Context, args []string) error {
	root := m.rootCommand()
	root.SetArgs(args)
	root.SetIn(m.Stdin)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	switch {
	case err == nil, errors.Is(err, errPartial):
		return err
	case isUsage(err):
		fmt.Fprintf(m.Stderr, "icpcheck: %v\n", err)
		if cmd != nil {
			fmt.Fprintf(m.Stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return usageError{err}
	}
	fmt.Fprintf(m.Stderr, "icpcheck: %s\n", m.errorText(err))
	return err
}

// errorText renders err for the terminal: an *icpcheck.Error in the chosen language, a policy
// document's problems one a line, anything else as it is (the CLI user is the operator, who
// may see internals).
func (m *Main) errorText(err error) string {
	var e *icpcheck.Error
	if pe, ok := policy.AsError(err); ok {
		return pe.Localized(m.lang)
	}
	if errors.As(err, &e) {
		text := e.Localized(m.lang)
		if e.Err != nil {
			text += " (" + e.Err.Error() + ")"
		}
		return text
	}
	return err.Error()
}

// isUsage reports whether err is cobra's complaint about flags or arguments.
func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// Close releases what the command opened.
func (m *Main) Close() {
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
	m.closers = nil
}

func (m *Main) env(name, def string) string {
	if v := m.Getenv(name); v != "" {
		return v
	}
	return def
}

func (m *Main) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "icpcheck",
		Short:         "ICP filing eligibility, service numbers and access checks for cloud providers",
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			lang, ok := i18n.Parse(m.LangTag)
			if !ok {
				return usageError{fmt.Errorf("--lang %q: want zh-CN or en", m.LangTag)}
			}
			m.lang = lang
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&m.DB, "db", m.env("ICPCHECK_DB", "icpcheck.db"), "store: a SQLite file, or postgres://... (env ICPCHECK_DB)")
	f.StringVar(&m.Server, "server", m.env("ICPCHECK_SERVER", ""), "URL of a running icpcheck server to work against instead of the local store (env ICPCHECK_SERVER)")
	f.StringVar(&m.PolicyFile, "policy", m.env("ICPCHECK_POLICY", ""), "policy YAML file; default: the embedded Alibaba Cloud policy (env ICPCHECK_POLICY)")
	m.remoteFlags(f)
	f.StringVar(&m.LangTag, "lang", m.env("ICPCHECK_LANG", "zh-CN"), "language of messages: zh-CN or en (env ICPCHECK_LANG)")

	root.AddCommand(
		m.checkCommand(),
		m.policyCommand(),
		m.demoCommand(),
		m.importCommand(),
		m.keysCommand(),
		m.numbersCommand(),
		m.filingsCommand(),
		m.auditCommand(),
		m.serveCommand(),
		m.monitorCommand(),
		m.adviseCommand(),
	)
	return root
}

// args wraps a cobra argument validator so that its complaint is bad usage.
func args(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := v(cmd, a); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// Policy returns the policy of --policy, loaded once.
func (m *Main) Policy() (*icpcheck.Policy, error) {
	if m.policy != nil {
		return m.policy, nil
	}
	p, _, err := policy.Load(m.PolicyFile)
	if err != nil {
		return nil, err
	}
	m.policy = p
	return p, nil
}
