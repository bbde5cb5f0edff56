package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The in-process CLI tests never read the host's /etc/nixlxc/config.json
// (a NixOS host with the module has one): they name their own.
func TestMain(m *testing.M) {
	os.Setenv("NIXLXC_CONFIG", filepath.Join(os.TempDir(), "nixlxc-test-no-config.json"))
	os.Exit(m.Run())
}

// Where an installation lives: a flag, else its variable, else the config
// file (NIXLXC_CONFIG or --config, default /etc/nixlxc/config.json), else
// the built-in default. Observed through the directories the command makes.
func TestInstallationPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	config := path("config.json")
	if err := os.WriteFile(config, []byte(`{ "stateDir": "`+path("file-state")+`", "profileDir": "`+path("file-profiles")+`",
	  "hostConfig": "`+path("file-host.json")+`" }`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"NIXLXC_STATE_DIR", "NIXLXC_PROFILE_DIR", "NIXLXC_HOST_CONFIG"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	run := func(args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"nixlxc"}, args...), &stdout, &stderr); code != 0 {
			t.Fatalf("nixlxc %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
		}
	}
	made := func(name string) bool {
		_, err := os.Stat(path(name))
		os.RemoveAll(path(name))
		return err == nil
	}

	// The file, through NIXLXC_CONFIG.
	t.Setenv("NIXLXC_CONFIG", config)
	run("list")
	if !made("file-state") || !made("file-profiles") {
		t.Error("the config file's stateDir and profileDir were not used")
	}
	// A variable beats the file.
	t.Setenv("NIXLXC_STATE_DIR", path("env-state"))
	run("list")
	if !made("env-state") || made("file-state") || !made("file-profiles") {
		t.Error("NIXLXC_STATE_DIR did not take precedence over the file (alone)")
	}
	// A flag beats both.
	run("--state-dir", path("flag-state"), "list")
	if !made("flag-state") || made("env-state") || made("file-state") || !made("file-profiles") {
		t.Error("--state-dir did not take precedence")
	}
	os.Unsetenv("NIXLXC_STATE_DIR")
	// --config beats NIXLXC_CONFIG.
	other := path("other.json")
	if err := os.WriteFile(other, []byte(`{ "profileDir": "`+path("other-profiles")+`" }`), 0o644); err != nil {
		t.Fatal(err)
	}
	run("--config", other, "--state-dir", path("flag-state"), "list")
	if !made("other-profiles") || made("file-profiles") {
		t.Error("--config did not replace NIXLXC_CONFIG")
	}
	// A missing file means no settings.
	run("--config", path("none.json"), "--state-dir", path("flag-state"), "--profile-dir", path("flag-profiles"), "list")
}

// A config file nixlxc cannot trust to mean what it says is refused.
func TestInstallationConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ content, mention string }{
		{`{ "stateDri": "/x" }`, `unknown field "stateDri"`},
		{`{ "stateDir": "var/lib/nixlxc" }`, `stateDir "var/lib/nixlxc" is not an absolute path`},
		{`{ "stateDir": `, "unexpected EOF"},
	} {
		config := filepath.Join(dir, "config.json")
		if err := os.WriteFile(config, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := run([]string{"nixlxc", "--config", config, "--state-dir", dir + "/s", "--profile-dir", dir + "/p", "list"}, &stdout, &stderr)
		msg := stderr.String()
		if code != exitUsage || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, config) || !strings.Contains(msg, c.mention) {
			t.Errorf("%s: exit %d, %q; want exit %d naming the file and %q", c.content, code, msg, exitUsage, c.mention)
		}
	}
}
