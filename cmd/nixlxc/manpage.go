package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// exitStatuses are the exit codes' meanings, for the man page (the README
// has the same table).
var exitStatuses = []struct {
	code    int
	meaning string
}{
	{exitOK, "success (exists: the container exists)"},
	{exitError, "failure (exists: it does not)"},
	{exitUsage, "bad usage: arguments, names, config settings"},
	{exitNotFound, "no such container or generation"},
	{exitExists, "the container already exists"},
	{exitState, "wrong state: running when it must be stopped, or the reverse"},
	{exitActivate, "the new system did not activate cleanly"},
	{exitNix, "Nix could not evaluate or build the configuration, or is too old for the nixpkgs"},
}

// writeManPage renders nixlxc(1) from the command definitions help shows:
// every command's synopsis, usage, options with their defaults and
// variables, and example, so the two never disagree (TestManPageMatchesHelp).
func writeManPage(w io.Writer, app *cli.App) error {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line(`.TH NIXLXC 1 "" "nixlxc %s" "User Commands"`, roffText(version))
	// No hyphenation and no justification: the page reads as help does,
	// and words can be searched for.
	line(".nh")
	line(".ad l")
	line(".SH NAME")
	line(`nixlxc \- %s`, roffText(app.Usage))
	line(".SH SYNOPSIS")
	line(`.B nixlxc`)
	line(`[\fIglobal options\fR] \fICOMMAND\fR [\fIoptions\fR] [\fIarguments\fR]`)
	line(".SH DESCRIPTION")
	line("nixlxc runs NixOS in unprivileged LXC containers. Each container's system is built by Nix and moves along its own Nix profile (/nix/var/nix/profiles/per-container/NAME/system), independently of the host: create it from a config file, update it, roll it back, start and stop it.")
	line(".PP")
	line("Options may come before or after the arguments; global options before or after the command. %s", roffText(`Run "nixlxc help COMMAND" for one command.`))
	for _, g := range groupsOf(app) {
		line(".SH %s", roffText(strings.ToUpper(g.name)))
		for _, c := range g.commands {
			writeManCommand(&b, []*cli.Command{c})
			for _, s := range c.Subcommands {
				if !s.Hidden {
					writeManCommand(&b, []*cli.Command{c, s})
				}
			}
		}
	}
	line(".SH GLOBAL OPTIONS")
	writeManFlags(&b, app.Flags)
	line(".SH ENVIRONMENT")
	for _, f := range visibleFlags(app.Flags) {
		if e, ok := f.(interface{ GetEnvVars() []string }); ok {
			for _, v := range e.GetEnvVars() {
				line(".TP")
				line(`.B %s`, roffText(v))
				line("the same as %s", roffText("--"+f.Names()[0]))
			}
		}
	}
	line(".TP")
	line(".B NIX_PATH")
	line("where Nix finds <nixpkgs>, passed to Nix as usual")
	line(".SH EXIT STATUS")
	for _, s := range exitStatuses {
		line(".TP")
		line(".B %d", s.code)
		line("%s", roffText(s.meaning))
	}
	line(".PP")
	line("run and login exit with the command's own status. Errors are one line on standard error, starting with %s.", roffText(`"nixlxc: "`))
	line(".SH FILES")
	for _, f := range [][2]string{
		{"/etc/nixlxc/config.json", "the installation's settings: stateDir, profileDir, hostConfig"},
		{"/etc/nixlxc/host.json", "the host's network settings"},
		{"/var/lib/nixlxc/lxc/NAME/", "a container: config (LXC's), rootfs/, console.log, lxc.log, nixlxc.json"},
		{"/nix/var/nix/profiles/per-container/NAME/system", "the container's Nix profile: one generation per build"},
	} {
		line(".TP")
		line(".I %s", roffText(f[0]))
		line("%s", roffText(f[1]))
	}
	line(".SH SEE ALSO")
	line(`\fBnix-env\fR(1), \fBnix-build\fR(1), \fBlxc.container.conf\fR(5), \fBlxc-info\fR(1); the README of nixlxc (share/doc/nixlxc/README.md)`)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeManCommand(b *strings.Builder, path []*cli.Command) {
	c := path[len(path)-1]
	fmt.Fprintf(b, ".SS %s\n", roffText(commandPathName(path)))
	fmt.Fprintf(b, ".B %s\n", roffText(usageLine(path)))
	fmt.Fprintf(b, ".PP\n%s\n", roffText(c.Usage))
	if len(c.Aliases) > 0 {
		fmt.Fprintf(b, ".PP\nAlias: %s\n", roffText(strings.Join(c.Aliases, ", ")))
	}
	if len(visibleFlags(c.Flags)) > 0 {
		b.WriteString(".RS\n")
		writeManFlags(b, c.Flags)
		b.WriteString(".RE\n")
	}
	if c.Description != "" {
		fmt.Fprintf(b, ".PP\n%s\n", roffText(c.Description))
	}
}

func writeManFlags(b *strings.Builder, flags []cli.Flag) {
	for _, f := range visibleFlags(flags) {
		fmt.Fprintf(b, ".TP\n.B %s\n%s\n", roffText(flagSynopsis(f)), roffText(flagDescription(f)))
	}
}

// roffText escapes text for a roff line: backslashes, hyphens (a plain
// "-" may become a typographic hyphen that copy and paste would keep), and
// a leading dot or quote (a request).
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	s = strings.ReplaceAll(s, "\n", " ")
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
