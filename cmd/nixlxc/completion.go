package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:  "completion",
		Usage: "print a completion script for bash, zsh or fish: commands, options and container names",
		Description: "Example: source <(nixlxc completion bash)\n" +
			"make install puts the scripts where bash-completion, zsh and fish find them.",
		ArgsUsage: "SHELL",
		Action: func(c *cli.Context) error {
			a, err := args(c, "SHELL")
			if err != nil {
				return err
			}
			spec := completionSpecOf(c.App)
			switch a[0] {
			case "bash":
				return writeBashCompletion(c.App.Writer, spec)
			case "zsh":
				return writeZshCompletion(c.App.Writer, spec)
			case "fish":
				return writeFishCompletion(c.App.Writer, spec)
			}
			return usagef("completion: unknown shell %q (bash, zsh or fish)", a[0])
		},
	}
}

var completionShells = []string{"bash", "zsh", "fish"}

// The scripts are generated from the command definitions, so they offer
// exactly what nixlxc takes. Container names come from the installation
// the command line names: the script hands the global options typed so far
// to `nixlxc list --no-header -c name` (the variables and config.json are
// read by that nixlxc as by any other).

// completionSpec is what a completion script knows.
type completionSpec struct {
	commands []completionCommandSpec // top level, in help's order
	globals  []completionFlag
	byKey    map[string]completionCommandSpec
}

// completionCommandSpec is one command (or subcommand, key "host setup").
type completionCommandSpec struct {
	key   string
	names []string // name, then aliases (subcommands: their own name)
	usage string
	flags []completionFlag
	args  []string // kinds of its positional arguments, in order
	subs  []completionCommandSpec
}

// completionFlag is an option; kind says what its value is ("" if none).
type completionFlag struct {
	names []string // with their dashes
	kind  string   // "", "dir", "file", "format", "columns" or "value"
	usage string
}

// Kinds of values and arguments a script knows how to complete.
const (
	kindContainer  = "container"
	kindNixFile    = "nixfile"
	kindShell      = "shell"
	kindCommand    = "command"
	kindSubcommand = "subcommand"
	kindAny        = "-"
)

// argKinds reads an ArgsUsage: NAME is a container, CONFIG.nix a Nix file,
// SHELL a shell, COMMAND and SUBCOMMAND nixlxc's; nothing after "--".
func argKinds(usage string) []string {
	var kinds []string
	for _, w := range strings.Fields(usage) {
		w = strings.Trim(w, "[].")
		switch w {
		case "--":
			return kinds
		case "NAME":
			kinds = append(kinds, kindContainer)
		case "CONFIG.nix":
			kinds = append(kinds, kindNixFile)
		case "SHELL":
			kinds = append(kinds, kindShell)
		case "COMMAND":
			kinds = append(kinds, kindCommand)
		case "SUBCOMMAND":
			kinds = append(kinds, kindSubcommand)
		default:
			kinds = append(kinds, kindAny)
		}
	}
	return kinds
}

func completionFlagsOf(flags []cli.Flag) []completionFlag {
	var out []completionFlag
	for _, f := range visibleFlags(flags) {
		cf := completionFlag{usage: flagUsage(f)}
		for _, n := range f.Names() {
			if len(n) == 1 {
				cf.names = append(cf.names, "-"+n)
			} else {
				cf.names = append(cf.names, "--"+n)
			}
		}
		if takesValue(f) {
			switch placeholder(f) {
			case "DIR":
				cf.kind = "dir"
			case "FILE":
				cf.kind = "file"
			case "FORMAT":
				cf.kind = "format"
			case "COLUMNS":
				cf.kind = "columns"
			default:
				cf.kind = "value"
			}
		}
		out = append(out, cf)
	}
	return out
}

func completionSpecOf(app *cli.App) completionSpec {
	s := completionSpec{globals: completionFlagsOf(app.Flags), byKey: map[string]completionCommandSpec{}}
	for _, g := range groupsOf(app) {
		for _, c := range g.commands {
			cs := completionCommandSpec{key: c.Name, names: append([]string{c.Name}, c.Aliases...), usage: c.Usage,
				flags: completionFlagsOf(c.Flags), args: argKinds(c.ArgsUsage)}
			for _, sub := range c.Subcommands {
				if sub.Hidden {
					continue
				}
				ss := completionCommandSpec{key: c.Name + " " + sub.Name, names: []string{sub.Name}, usage: sub.Usage,
					flags: completionFlagsOf(sub.Flags), args: argKinds(sub.ArgsUsage)}
				cs.subs = append(cs.subs, ss)
				s.byKey[ss.key] = ss
			}
			s.commands = append(s.commands, cs)
			for _, n := range cs.names {
				s.byKey[n] = cs
			}
		}
	}
	return s
}

// keys are every command key, aliases and subcommands included, sorted.
func (s completionSpec) keys() []string {
	var keys []string
	for k := range s.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s completionSpec) commandNames() []string {
	var names []string
	for _, c := range s.commands {
		names = append(names, c.names...)
	}
	return names
}

func flagNames(flags []completionFlag) []string {
	var names []string
	for _, f := range flags {
		names = append(names, f.names...)
	}
	return names
}

// shellWord quotes s for bash, zsh and fish alike: single quotes, with a
// quote inside written as '\”.
func shellWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeBashCompletion(w io.Writer, s completionSpec) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# bash completion for nixlxc: commands, options and container names.")
	p("# Generated by `nixlxc completion bash`; load it with")
	p("#   source <(nixlxc completion bash)")
	p("# or install it as /usr/local/share/bash-completion/completions/nixlxc (make install).")
	p("")
	p("declare -gA _nixlxc_takes=(")
	for _, f := range s.globals {
		for _, n := range f.names {
			if f.kind != "" {
				p("\t[%s]=%s", shellWord(n), f.kind)
			}
		}
	}
	for _, k := range s.keys() {
		for _, f := range s.byKey[k].flags {
			for _, n := range f.names {
				if f.kind != "" {
					p("\t[%s]=%s", shellWord(k+":"+n), f.kind)
				}
			}
		}
	}
	p(")")
	p("_nixlxc_global_flags=%s", shellWord(strings.Join(append(flagNames(s.globals), "--help", "--version"), " ")))
	p("declare -gA _nixlxc_flags=(")
	for _, k := range s.keys() {
		p("\t[%s]=%s", shellWord(k), shellWord(strings.Join(append(flagNames(s.byKey[k].flags), "--help"), " ")))
	}
	p(")")
	p("declare -gA _nixlxc_args=(")
	for _, k := range s.keys() {
		if a := s.byKey[k].args; len(a) > 0 {
			p("\t[%s]=%s", shellWord(k), shellWord(strings.Join(a, " ")))
		}
	}
	p(")")
	p("declare -gA _nixlxc_subs=(")
	for _, k := range s.keys() {
		c := s.byKey[k]
		if len(c.subs) > 0 && !strings.Contains(k, " ") {
			var names []string
			for _, sub := range c.subs {
				names = append(names, sub.names...)
			}
			p("\t[%s]=%s", shellWord(k), shellWord(strings.Join(names, " ")))
		}
	}
	p(")")
	p("_nixlxc_commands=%s", shellWord(strings.Join(s.commandNames(), " ")))
	p("_nixlxc_formats=%s", shellWord(strings.Join(listFormats, " ")))
	p("_nixlxc_columns=%s", shellWord(strings.Join(columnKeys(), " ")))
	p("_nixlxc_shells=%s", shellWord(strings.Join(completionShells, " ")))
	b.WriteString(bashCompletionFunction)
	_, err := io.WriteString(w, b.String())
	return err
}

// bashCompletionFunction reads COMP_WORDS as nixlxc reads its arguments:
// global options anywhere, a command (and subcommand), options with their
// values, positional arguments; bash splits "--format=json" at "=".
const bashCompletionFunction = `
# _nixlxc_containers GLOBALS...: the containers of the installation the
# global options name (else nixlxc's variables and config file).
_nixlxc_containers() {
	"${_nixlxc_prog:-nixlxc}" "$@" list --no-header -c name 2>/dev/null
}

_nixlxc() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local cmd="" word kind="" pending=""
	local -a globals=() pos=()
	local -i i dashdash=0
	_nixlxc_prog=${COMP_WORDS[0]}
	if [[ $cur == "=" ]]; then
		cur=""
	fi
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if ((dashdash)); then
			pos+=("$word")
			continue
		fi
		if [[ $word == "--" ]]; then
			dashdash=1
			continue
		fi
		if [[ $word == -* ]]; then
			kind=${_nixlxc_takes["$cmd:$word"]:-}
			local global=""
			if [[ -z $kind ]]; then
				kind=${_nixlxc_takes["$word"]:-}
				global=1
			fi
			[[ -n $kind ]] || continue
			if [[ ${COMP_WORDS[i+1]:-} == "=" ]]; then
				((i++))
			fi
			if ((i + 1 >= COMP_CWORD)); then
				pending=$kind
				break
			fi
			if [[ -n $global ]]; then
				globals+=("$word" "${COMP_WORDS[i+1]}")
			fi
			((i++))
			continue
		fi
		if [[ -z $cmd ]]; then
			cmd=$word
		elif [[ -n ${_nixlxc_subs[$cmd]:-} && $cmd != *" "* ]]; then
			cmd="$cmd $word"
		else
			pos+=("$word")
		fi
	done
	COMPREPLY=()
	case $pending in
	dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	file)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	format)
		COMPREPLY=($(compgen -W "$_nixlxc_formats" -- "$cur"))
		return
		;;
	columns)
		local done=""
		if [[ $cur == *,* ]]; then
			done=${cur%,*},
		fi
		COMPREPLY=($(compgen -P "$done" -W "$_nixlxc_columns" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return
		;;
	?*)
		return
		;;
	esac
	if ((dashdash)); then
		return
	fi
	if [[ $cur == -* ]]; then
		# The command's own options; the global ones (taken anywhere)
		# before the command, or where none of its own fits.
		if [[ -n $cmd ]]; then
			COMPREPLY=($(compgen -W "${_nixlxc_flags[$cmd]:-}" -- "$cur"))
		fi
		if ((${#COMPREPLY[@]} == 0)); then
			COMPREPLY=($(compgen -W "$_nixlxc_global_flags" -- "$cur"))
		fi
		return
	fi
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$_nixlxc_commands" -- "$cur"))
		return
	fi
	if [[ -n ${_nixlxc_subs[$cmd]:-} && $cmd != *" "* ]]; then
		COMPREPLY=($(compgen -W "${_nixlxc_subs[$cmd]}" -- "$cur"))
		return
	fi
	local -a kinds=(${_nixlxc_args[$cmd]:-})
	case ${kinds[${#pos[@]}]:-} in
	container)
		COMPREPLY=($(compgen -W "$(_nixlxc_containers "${globals[@]}")" -- "$cur"))
		;;
	nixfile)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.nix' -- "$cur") $(compgen -d -- "$cur"))
		;;
	shell)
		COMPREPLY=($(compgen -W "$_nixlxc_shells" -- "$cur"))
		;;
	command)
		COMPREPLY=($(compgen -W "$_nixlxc_commands" -- "$cur"))
		;;
	subcommand)
		COMPREPLY=($(compgen -W "${_nixlxc_subs[${pos[0]}]:-}" -- "$cur"))
		;;
	esac
}

complete -F _nixlxc nixlxc
`

func writeZshCompletion(w io.Writer, s completionSpec) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("#compdef nixlxc")
	p("# zsh completion for nixlxc: commands, options and container names.")
	p("# Generated by `nixlxc completion zsh`; load it with")
	p("#   source <(nixlxc completion zsh)")
	p("# after compinit, or install it as _nixlxc in a directory of $fpath (make install).")
	p("")
	p("_nixlxc() {")
	p("\tlocal -A takes flags args subs")
	p("\tlocal -a commands")
	var kv []string
	for _, f := range s.globals {
		for _, n := range f.names {
			if f.kind != "" {
				kv = append(kv, shellWord(n), f.kind)
			}
		}
	}
	for _, k := range s.keys() {
		for _, f := range s.byKey[k].flags {
			for _, n := range f.names {
				if f.kind != "" {
					kv = append(kv, shellWord(k+":"+n), f.kind)
				}
			}
		}
	}
	p("\ttakes=(%s)", strings.Join(kv, " "))
	// Options with their descriptions, as _describe takes them.
	describeFlags := func(flags []completionFlag) string {
		var items []string
		for _, f := range flags {
			for _, n := range f.names {
				items = append(items, shellWord(n+":"+f.usage))
			}
		}
		return strings.Join(items, " ")
	}
	p("\tlocal -a global_flags=(%s)", describeFlags(append(s.globals, completionFlag{names: []string{"--help"}, usage: "show help"},
		completionFlag{names: []string{"--version"}, usage: "print the version"})))
	kv = nil
	for _, k := range s.keys() {
		kv = append(kv, shellWord(k), shellWord(describeFlags(append(s.byKey[k].flags, completionFlag{names: []string{"--help"}, usage: "show help"}))))
	}
	p("\tflags=(%s)", strings.Join(kv, " "))
	kv = nil
	for _, k := range s.keys() {
		if a := s.byKey[k].args; len(a) > 0 {
			kv = append(kv, shellWord(k), shellWord(strings.Join(a, " ")))
		}
	}
	p("\targs=(%s)", strings.Join(kv, " "))
	kv = nil
	for _, k := range s.keys() {
		c := s.byKey[k]
		if len(c.subs) > 0 && !strings.Contains(k, " ") {
			var items []string
			for _, sub := range c.subs {
				items = append(items, shellWord(sub.names[0]+":"+sub.usage))
			}
			kv = append(kv, shellWord(k), shellWord(strings.Join(items, " ")))
		}
	}
	p("\tsubs=(%s)", strings.Join(kv, " "))
	var items []string
	for _, c := range s.commands {
		for _, n := range c.names {
			items = append(items, shellWord(n+":"+c.usage))
		}
	}
	p("\tcommands=(%s)", strings.Join(items, " "))
	p("\tlocal formats=%s columns=%s shells=%s", shellWord(strings.Join(listFormats, " ")),
		shellWord(strings.Join(columnKeys(), " ")), shellWord(strings.Join(completionShells, " ")))
	b.WriteString(zshCompletionFunction)
	_, err := io.WriteString(w, b.String())
	return err
}

// zshCompletionFunction is the rest of _nixlxc: the same reading of the
// words as bash's.
const zshCompletionFunction = `	local cmd= word kind= pending= global cur=${words[CURRENT]}
	local -a globals pos items
	local -i i dashdash=0
	for (( i = 2; i < CURRENT; i++ )); do
		word=${words[i]}
		if (( dashdash )); then
			pos+=("$word")
			continue
		fi
		if [[ $word == -- ]]; then
			dashdash=1
			continue
		fi
		if [[ $word == -* ]]; then
			[[ $word == *=* ]] && { globals+=("$word"); continue; }
			kind=${takes[$cmd:$word]}
			global=
			if [[ -z $kind ]]; then
				kind=${takes[$word]}
				global=1
			fi
			[[ -n $kind ]] || continue
			if (( i + 1 >= CURRENT )); then
				pending=$kind
				break
			fi
			[[ -n $global ]] && globals+=("$word" "${words[i+1]}")
			(( i++ ))
			continue
		fi
		if [[ -z $cmd ]]; then
			cmd=$word
		elif [[ -n ${subs[$cmd]} && $cmd != *" "* ]]; then
			cmd="$cmd $word"
		else
			pos+=("$word")
		fi
	done
	if [[ -z $pending && $cur == -*=* ]]; then
		pending=${takes[$cmd:${cur%%=*}]:-${takes[${cur%%=*}]}}
		compset -P '*='
	fi
	case $pending in
	dir) _files -/; return ;;
	file) _files; return ;;
	format) compadd -- ${=formats}; return ;;
	columns) compset -P '*,'; compadd -S '' -q -- ${=columns}; return ;;
	?*) return 1 ;;
	esac
	(( dashdash )) && return 1
	if [[ $cur == -* ]]; then
		[[ -n $cmd ]] && items=("${(@Q)${(z)flags[$cmd]}}")
		items+=($global_flags)
		_describe -t options option items
		return
	fi
	if [[ -z $cmd ]]; then
		_describe -t commands command commands
		return
	fi
	if [[ -n ${subs[$cmd]} && $cmd != *" "* ]]; then
		items=("${(@Q)${(z)subs[$cmd]}}")
		_describe -t commands command items
		return
	fi
	local -a kinds=(${=args[$cmd]})
	case ${kinds[$(( ${#pos} + 1 ))]} in
	container)
		items=(${(f)"$(${words[1]} $globals list --no-header -c name 2>/dev/null)"})
		compadd -- $items
		;;
	nixfile) _files -g '*.nix' ;;
	shell) compadd -- ${=shells} ;;
	command) _describe -t commands command commands ;;
	subcommand)
		items=("${(@Q)${(z)subs[${pos[1]}]}}")
		_describe -t commands command items
		;;
	*) return 1 ;;
	esac
}

if [[ $funcstack[1] == _nixlxc ]]; then
	_nixlxc "$@"
else
	compdef _nixlxc nixlxc
fi
`

func writeFishCompletion(w io.Writer, s completionSpec) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# fish completion for nixlxc: commands, options and container names.")
	p("# Generated by `nixlxc completion fish`; load it with")
	p("#   nixlxc completion fish | source")
	p("# or install it as nixlxc.fish in a vendor_completions.d directory (make install).")
	p("")
	// __nixlxc_takes CMD FLAG: the kind of FLAG's value, if it takes one.
	p("function __nixlxc_takes --argument-names cmd flag")
	p("\tswitch \"$cmd:$flag\"")
	for _, f := range s.globals {
		for _, n := range f.names {
			if f.kind != "" {
				p("\t\tcase %s", shellWord("*:"+n))
				p("\t\t\techo %s", f.kind)
			}
		}
	}
	for _, k := range s.keys() {
		for _, f := range s.byKey[k].flags {
			for _, n := range f.names {
				if f.kind != "" {
					p("\t\tcase %s", shellWord(k+":"+n))
					p("\t\t\techo %s", f.kind)
				}
			}
		}
	}
	p("\t\tcase '*'")
	p("\t\t\treturn 1")
	p("\tend")
	p("end")
	p("")
	p("function __nixlxc_args --argument-names cmd")
	p("\tswitch $cmd")
	for _, k := range s.keys() {
		if a := s.byKey[k].args; len(a) > 0 {
			p("\t\tcase %s", shellWord(k))
			p("\t\t\techo %s", strings.Join(a, " "))
		}
	}
	p("\tend")
	p("end")
	p("")
	p("function __nixlxc_has_subs --argument-names cmd")
	var withSubs []string
	for _, c := range s.commands {
		if len(c.subs) > 0 {
			withSubs = append(withSubs, c.names...)
		}
	}
	p("\tcontains -- $cmd %s", strings.Join(withSubs, " "))
	p("end")
	p("")
	p("function __nixlxc_columns")
	p("\tset -l done (string replace -r '^-[^=]*=' '' -- (commandline -ct) | string replace -r '[^,]*$' '')")
	p("\tfor c in %s", strings.Join(columnKeys(), " "))
	p("\t\techo \"$done$c\"")
	p("\tend")
	p("end")
	b.WriteString(fishCompletionFunctions)
	p("complete -c nixlxc -n '__nixlxc_at shell' -a %s", shellWord(strings.Join(completionShells, " ")))
	// Commands, subcommands, options.
	for _, c := range s.commands {
		for _, n := range c.names {
			p("complete -c nixlxc -n '__nixlxc_at command' -a %s -d %s", shellWord(n), shellWord(c.usage))
		}
		for _, sub := range c.subs {
			p("complete -c nixlxc -n %s -a %s -d %s", shellWord("__nixlxc_at subcommand "+c.key), shellWord(sub.names[0]), shellWord(sub.usage))
		}
	}
	for _, f := range s.globals {
		p("complete -c nixlxc %s", fishFlag(f))
	}
	for _, k := range s.keys() {
		for _, f := range s.byKey[k].flags {
			p("complete -c nixlxc -n %s %s", shellWord("__nixlxc_in "+k), fishFlag(f))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fishFlag is the option part of a fish complete line.
func fishFlag(f completionFlag) string {
	var parts []string
	for _, n := range f.names {
		if strings.HasPrefix(n, "--") {
			parts = append(parts, "-l", strings.TrimPrefix(n, "--"))
		} else {
			parts = append(parts, "-s", strings.TrimPrefix(n, "-"))
		}
	}
	switch f.kind {
	case "dir":
		parts = append(parts, "-x", "-a", shellWord("(__fish_complete_directories)"))
	case "file":
		parts = append(parts, "-r", "-F")
	case "format":
		parts = append(parts, "-x", "-a", shellWord(strings.Join(listFormats, " ")))
	case "columns":
		parts = append(parts, "-x", "-a", shellWord("(__nixlxc_columns)"))
	case "value":
		parts = append(parts, "-x")
	}
	return strings.Join(parts, " ") + " -d " + shellWord(f.usage)
}

// fishCompletionFunctions read the command line as nixlxc does, for the
// conditions of the complete lines.
const fishCompletionFunctions = `
# __nixlxc_parse prints, one per line: the command ("host setup"); the kind
# of argument at the cursor (command, subcommand, container, nixfile,
# shell, value for an option's value, none); the command whose
# subcommands are meant (host, or the COMMAND of help host); then the
# global options given, for the names query.
function __nixlxc_parse
	set -l tokens (commandline -opc)
	set -l cmd ''
	set -l globals
	set -l pos
	set -l dashdash 0
	set -l pending 0
	set -l i 2
	while test $i -le (count $tokens)
		set -l word $tokens[$i]
		set i (math $i + 1)
		if test $dashdash = 1
			set -a pos $word
			continue
		end
		if test "$word" = --
			set dashdash 1
			continue
		end
		if string match -q -- '-*' $word
			if string match -q -- '*=*' $word
				if __nixlxc_takes '' (string split -m 1 = -- $word)[1] >/dev/null
					set -a globals $word
				end
				continue
			end
			__nixlxc_takes "$cmd" $word >/dev/null; or continue
			if test $i -gt (count $tokens)
				set pending 1
				break
			end
			if __nixlxc_takes '' $word >/dev/null
				set -a globals $word $tokens[$i]
			end
			set i (math $i + 1)
			continue
		end
		if test -z "$cmd"
			set cmd $word
		else if __nixlxc_has_subs $cmd; and not string match -q -- '* *' $cmd
			set cmd "$cmd $word"
		else
			set -a pos $word
		end
	end
	set -l kind none
	set -l owner ''
	if test $pending = 1
		set kind value
	else if test $dashdash = 1
		set kind none
	else if test -z "$cmd"
		set kind command
	else if __nixlxc_has_subs $cmd; and not string match -q -- '* *' $cmd
		set kind subcommand
		set owner $cmd
	else
		set -l kinds (string split ' ' -- (__nixlxc_args $cmd))
		set -l n (math (count $pos) + 1)
		if test $n -le (count $kinds)
			set kind $kinds[$n]
		end
		if test "$kind" = subcommand
			set owner $pos[1]
		end
	end
	printf '%s\n' "$cmd" $kind "$owner" $globals
end

# __nixlxc_at KIND [OWNER]: the cursor is at an argument of that kind (for
# subcommands: of OWNER's).
function __nixlxc_at --argument-names kind owner
	set -l p (__nixlxc_parse)
	test "$p[2]" = $kind; or return 1
	test -z "$owner"; or test "$p[3]" = "$owner"
end

# __nixlxc_in CMD: the command is CMD, and the cursor is not at an
# option's value.
function __nixlxc_in --argument-names cmd
	set -l p (__nixlxc_parse)
	test "$p[1]" = "$cmd"
end

function __nixlxc_containers
	set -l p (__nixlxc_parse)
	set -l prog (commandline -opc)[1]
	$prog $p[4..-1] list --no-header -c name 2>/dev/null
end

complete -c nixlxc -f
complete -c nixlxc -n '__nixlxc_at container' -a '(__nixlxc_containers)' -d container
complete -c nixlxc -n '__nixlxc_at nixfile' -F -a '(__fish_complete_suffix .nix)'
`
