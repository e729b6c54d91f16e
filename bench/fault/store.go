package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/icpcheck/icpcheck"
	"github.com/icpcheck/icpcheck/demo"
)

// keyPair is an AccessKey pair as `icpcheck keys create --format json` prints it.
type keyPair struct {
	Account string `json:"account"`
	ID      string `json:"access_key_id"`
	Secret  string `json:"access_key_secret"`
}

// fixture is the prepared store: where it is, what it holds and the keys to sign with.
type fixture struct {
	db        string // --db of the server: the SQLite file or the PostgreSQL DSN
	inventory []*icpcheck.Instance
	admin     keyPair // demo.Admin, an admin
	customer  keyPair // demo.Customer, the owner of the hand-picked demo instances
}

// buildBinary builds icpcheck into dir, unless cfg names a binary.
func buildBinary(ctx context.Context, cfg *Config, dir string) (string, error) {
	if cfg.Bin != "" {
		return cfg.Bin, nil
	}
	bin := filepath.Join(dir, "icpcheck")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/icpcheck/icpcheck/cmd/icpcheck")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w: %s", err, out)
	}
	return bin, nil
}

// prepare fills the store at db the way an operator would: the demo inventory (generated at
// the real clock, since the server decides at the real clock) through `icpcheck import`, and
// an admin and a customer key through `icpcheck keys create`.
func prepare(ctx context.Context, cfg *Config, bin, dir, db string) (*fixture, error) {
	fx := &fixture{db: db}
	fx.inventory = demo.Inventory(demo.Options{Seed: cfg.Seed, Count: cfg.Inventory, At: time.Now()})
	path := filepath.Join(dir, "inventory.jsonl")
	var buf bytes.Buffer
	for _, in := range fx.inventory {
		line, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return nil, err
	}
	out, err := cli(ctx, bin, "--db", db, "import", "--format", "json", path)
	if err != nil {
		return nil, err
	}
	loaded := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line struct {
			Action string `json:"action"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Action == string(icpcheck.PutCreated) {
			loaded++
		}
	}
	if loaded != len(fx.inventory) {
		return nil, fmt.Errorf("import created %d of %d instances", loaded, len(fx.inventory))
	}
	if fx.admin, err = createKey(ctx, bin, db, demo.Admin, icpcheck.RoleAdmin); err != nil {
		return nil, err
	}
	if fx.customer, err = createKey(ctx, bin, db, demo.Customer, icpcheck.RoleCustomer); err != nil {
		return nil, err
	}
	return fx, nil
}

func createKey(ctx context.Context, bin, db, account string, role icpcheck.Role) (keyPair, error) {
	var k keyPair
	out, err := cli(ctx, bin, "--db", db, "keys", "create", "--account", account, "--role", string(role), "--format", "json")
	if err != nil {
		return k, err
	}
	if err := json.Unmarshal(out, &k); err != nil || k.ID == "" || k.Secret == "" {
		return k, fmt.Errorf("keys create printed %q", out)
	}
	return k, nil
}

// cli runs one icpcheck command and returns its standard output; a failure carries its
// standard error.
func cli(ctx context.Context, bin string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("icpcheck %s: %w: %s", strings.Join(redactArgs(args), " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// redactArgs leaves a DSN's password out of a command line shown in an error.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if at := strings.Index(a, "@"); at > 0 && strings.Contains(a, "://") {
			scheme := a[:strings.Index(a, "://")+3]
			if cred := a[len(scheme):at]; strings.Contains(cred, ":") {
				out[i] = scheme + cred[:strings.Index(cred, ":")] + ":***" + a[at:]
			}
		}
	}
	return out
}
