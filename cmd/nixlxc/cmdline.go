package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// commandLine is argv taken apart as nixlxc reads it, before urfave/cli
// sees it: flags may follow positional arguments, as nixcloud-container
// accepted (`create web web.nix -n "-I nixpkgs=/x"`), where urfave/cli
// stops at the first positional argument; global flags may follow the
// command; and every mistake is named before anything runs, one line each,
// in nixlxc's words (urfave/cli would blame the argument after a flag that
// lacks its value, and print its own help text).
type commandLine struct {
	globals []string       // global flags and their values, as written
	path    []*cli.Command // the command, then its subcommand
	flags   []string       // the command's own flags and their values
	args    []string       // positional arguments, "--" kept where written
	values  []flagValue    // every value a flag took, for checkValues
	help    bool           // -h or --help
	version bool           // --version before the command
}

// flagValue is a flag given a value: `--timeout 2m` or `--timeout=2m`.
type flagValue struct {
	written  string // as written, without "=value"
	flag     cli.Flag
	value    string
	separate bool // the value was the next word, not after "="
	// afterCommand: the flag followed the command, where the word it took
	// may have been meant as one of the command's arguments.
	afterCommand bool
}

// parseCommandLine reads argv (argv[0] is the program).
func parseCommandLine(app *cli.App, argv []string) (commandLine, error) {
	var l commandLine
	rest := argv[1:]
	i := 0
	// Global flags before the command.
	for ; i < len(rest) && isOptionWord(rest[i]); i++ {
		a := rest[i]
		switch {
		case isHelpWord(a):
			l.help = true
			continue
		case a == "--version" || a == "-version":
			l.version = true
			continue
		}
		f := lookupFlag(app.Flags, a)
		if f == nil {
			return l, usagef("unknown option %s (see nixlxc help)", a)
		}
		next, err := l.take(&l.globals, f, a, rest, i, "")
		if err != nil {
			return l, err
		}
		i = next
	}
	if i == len(rest) {
		if v := l.lastSeparateValue(); v != nil && app.Command(v.value) != nil {
			return l, usagef("%s needs a value before the command (it took %q)", v.written, v.value)
		}
		return l, nil
	}
	cmd := app.Command(rest[i])
	if cmd == nil {
		if v := l.lastSeparateValue(); v != nil && app.Command(v.value) != nil {
			return l, usagef("%s needs a value before the command (it took %q)", v.written, v.value)
		}
		return l, usagef("unknown command %q%s (see nixlxc help)", rest[i], suggest(app, rest[i]))
	}
	l.path = []*cli.Command{cmd}
	i++
	if len(cmd.Subcommands) > 0 {
		// Help, and global flags, may come between the two.
		for ; i < len(rest) && isOptionWord(rest[i]); i++ {
			if isHelpWord(rest[i]) {
				l.help = true
				continue
			}
			f := lookupFlag(app.Flags, rest[i])
			if f == nil {
				return l, usagef("%s: unknown option %s (see nixlxc help %s)", cmd.Name, rest[i], cmd.Name)
			}
			next, err := l.take(&l.globals, f, rest[i], rest, i, cmd.Name)
			if err != nil {
				return l, err
			}
			i = next
		}
		switch {
		case i < len(rest) && rest[i] == "help":
			l.help = true
			i++
		case i < len(rest) && !isOptionWord(rest[i]):
			sub := cmd.Command(rest[i])
			if sub == nil {
				return l, usagef("unknown command %q %q (see nixlxc help %s)", cmd.Name, rest[i], cmd.Name)
			}
			l.path = append(l.path, sub)
			i++
		case !l.help:
			return l, usagef("%s needs a command: %s (see nixlxc help %s)", cmd.Name, strings.Join(subcommandNames(cmd), " or "), cmd.Name)
		}
	}
	leaf := l.path[len(l.path)-1]
	free := freeTail[leaf.Name]
	for ; i < len(rest); i++ {
		a := rest[i]
		if a == "--" || free && len(l.args) > 0 {
			l.args = append(l.args, rest[i:]...)
			break
		}
		if !isOptionWord(a) {
			l.args = append(l.args, a)
			continue
		}
		if isHelpWord(a) {
			l.help = true
			continue
		}
		into, f := &l.flags, lookupFlag(leaf.Flags, a)
		if f == nil {
			into, f = &l.globals, lookupFlag(app.Flags, a)
		}
		if f == nil {
			return l, usagef("%s: unknown option %s (see nixlxc help %s)", l.name(), a, l.name())
		}
		next, err := l.take(into, f, a, rest, i, leaf.Name)
		if err != nil {
			return l, err
		}
		i = next
	}
	return l, nil
}

// take appends the flag at rest[i] (and its value) to into and returns
// the index of the last word it used.
func (l *commandLine) take(into *[]string, f cli.Flag, a string, rest []string, i int, cmd string) (int, error) {
	*into = append(*into, a)
	if !takesValue(f) {
		return i, nil
	}
	name, value, hasValue := strings.Cut(a, "=")
	if hasValue {
		l.values = append(l.values, flagValue{written: name, flag: f, value: value})
		return i, nil
	}
	prefix, see := "", "nixlxc help"
	if cmd != "" {
		prefix, see = l.name()+": ", "nixlxc help "+l.name()
	}
	// No word left, or the next word is one of nixlxc's own options: the
	// value is missing (the next word is not a bad value).
	if i+1 == len(rest) {
		return i, usagef("%s%s needs a value%s (see %s)", prefix, a, valueHint(f), see)
	}
	if isOptionWord(rest[i+1]) && (isHelpWord(rest[i+1]) || l.knownOption(rest[i+1])) {
		return i, usagef("%s%s needs a value%s; to give it %s, write %s=%s (see %s)", prefix, a, valueHint(f), rest[i+1], a, rest[i+1], see)
	}
	*into = append(*into, rest[i+1])
	l.values = append(l.values, flagValue{written: a, flag: f, value: rest[i+1], separate: true, afterCommand: cmd != ""})
	return i + 1, nil
}

// knownOption reports whether a names a flag of the command or a global
// one (so it cannot be the value of the flag before it).
func (l *commandLine) knownOption(a string) bool {
	if len(l.path) > 0 && lookupFlag(l.path[len(l.path)-1].Flags, a) != nil {
		return true
	}
	return a == "--version" || lookupFlag(globalFlags(), a) != nil
}

// lastSeparateValue is the last value a flag took from the next word.
func (l *commandLine) lastSeparateValue() *flagValue {
	if len(l.values) == 0 || !l.values[len(l.values)-1].separate {
		return nil
	}
	return &l.values[len(l.values)-1]
}

// name is the command as the user calls it: "start", "host setup".
func (l commandLine) name() string {
	var names []string
	for _, c := range l.path {
		names = append(names, c.Name)
	}
	return strings.Join(names, " ")
}

// argv is the command line for urfave/cli: global flags, the command, its
// flags, then the positional arguments. -h, --help and no command at all
// ask help; --version asks version.
func (l commandLine) argv(prog string) []string {
	out := append([]string{prog}, l.globals...)
	switch {
	case l.help || len(l.path) == 0 && !l.version:
		out = append(out, "help")
		for _, c := range l.path {
			out = append(out, c.Name)
		}
		return out
	case l.version && len(l.path) == 0:
		return append(out, "version")
	}
	for _, c := range l.path {
		out = append(out, c.Name)
	}
	out = append(out, l.flags...)
	return append(out, l.args...)
}

// checkValues refuses a value its flag cannot take, and names a value that
// is missing rather than the argument the flag took in its place: in
// `start --timeout web`, web is the NAME the user meant, not a bad
// duration.
func (l commandLine) checkValues() error {
	cmd := l.name()
	prefix, see := "", "nixlxc help"
	if cmd != "" {
		prefix, see = cmd+": ", "nixlxc help "+cmd
	}
	short := len(l.path) > 0 && positionalCount(l.args) < minArgs(l.path[len(l.path)-1].ArgsUsage)
	for _, v := range l.values {
		var problem string
		switch v.flag.(type) {
		case *cli.DurationFlag:
			d, err := time.ParseDuration(v.value)
			switch {
			case err != nil:
				problem = fmt.Sprintf("%q is not a duration; write a number and a unit, like 60s, 2m or 1h30m", v.value)
			case d < 0:
				problem = fmt.Sprintf("%q is negative", v.value)
			}
		case *cli.IntFlag:
			if n, err := strconv.Atoi(v.value); err != nil || n < 1 {
				problem = fmt.Sprintf("%q is not a positive whole number, like 4", v.value)
			}
		default:
			if v.afterCommand && short {
				return usagef("%s needs %s, got %d argument(s): %s took %q as its value (see nixlxc help %s)",
					cmd, strings.Join(argNames(l.path[len(l.path)-1].ArgsUsage), " and "), positionalCount(l.args), v.written, v.value, cmd)
			}
		}
		if problem == "" {
			continue
		}
		if v.afterCommand && short {
			return usagef("%s%s needs a value%s (see %s)", prefix, v.written, valueHint(v.flag), see)
		}
		return usagef("%s%s: %s", prefix, v.written, problem)
	}
	return nil
}

// freeTail names the commands whose arguments after the first belong to
// something else (the command run runs), flags included.
var freeTail = map[string]bool{"run": true}

func positionalCount(args []string) int {
	n := 0
	for _, a := range args {
		if a != "--" {
			n++
		}
	}
	return n
}

// argNames are the required arguments an ArgsUsage names: "NAME CONFIG.nix"
// gives both, "NAME -- COMMAND [ARGS...]" gives NAME and COMMAND, and
// "[COMMAND]" none.
func argNames(usage string) []string {
	var names []string
	for _, w := range strings.Fields(usage) {
		if w == "--" || strings.HasPrefix(w, "[") {
			if strings.HasPrefix(w, "[") {
				break
			}
			continue
		}
		names = append(names, strings.TrimSuffix(w, "..."))
	}
	return names
}

func minArgs(usage string) int { return len(argNames(usage)) }

func valueHint(f cli.Flag) string {
	switch f.(type) {
	case *cli.DurationFlag:
		return ": a duration, like 60s or 2m"
	case *cli.IntFlag:
		return ": a number, like 4"
	}
	if p := placeholder(f); p != "VALUE" {
		return ": " + p
	}
	return ""
}

func isOptionWord(a string) bool { return strings.HasPrefix(a, "-") && len(a) > 1 && a != "--" }

func isHelpWord(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

func flagName(arg string) string {
	name := strings.TrimLeft(arg, "-")
	name, _, _ = strings.Cut(name, "=")
	return name
}

func lookupFlag(flags []cli.Flag, arg string) cli.Flag {
	name := flagName(arg)
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	_, isBool := f.(*cli.BoolFlag)
	return !isBool
}

func subcommandNames(cmd *cli.Command) []string {
	var names []string
	for _, s := range cmd.Subcommands {
		if !s.Hidden {
			names = append(names, s.Name)
		}
	}
	return names
}

// otherTools maps what nixos-container, Incus and LXC users type to
// nixlxc's command, where the name differs.
var otherTools = map[string]string{
	"delete":   "destroy",
	"rm":       "destroy",
	"remove":   "destroy",
	"exec":     "run",
	"attach":   "run",
	"shell":    "login",
	"enter":    "login",
	"ls":       "list",
	"ps":       "list",
	"launch":   "create, then start,",
	"ip":       "show-ip",
	"upgrade":  "update",
	"rebuild":  "update",
	"kill":     "terminate",
	"gc":       "delete-generations",
	"versions": "version",
}

// suggest names the command the user probably meant.
func suggest(app *cli.App, word string) string {
	if c, ok := otherTools[word]; ok {
		return fmt.Sprintf("; nixlxc calls it %s", c)
	}
	type scored struct {
		name string
		d    int
	}
	var best []scored
	for _, c := range app.Commands {
		if c.Hidden {
			continue
		}
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if d := editDistance(word, n); d <= 2 && d < len(n) {
				best = append(best, scored{n, d})
			}
		}
	}
	if len(best) == 0 {
		return ""
	}
	sort.Slice(best, func(i, j int) bool {
		return best[i].d < best[j].d || best[i].d == best[j].d && best[i].name < best[j].name
	})
	return fmt.Sprintf("; did you mean %s?", best[0].name)
}

// editDistance is Levenshtein's distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
