package main

import (
	"fmt"
	"io"

	"github.com/nixlxc/nixlxc/container"
)

// printEvents shows a command's events as lines of text. A line the
// container printed is marked as the container's ("NAME> "), so it cannot
// pass for one of nixlxc's own.
func printEvents(w io.Writer) func(container.Event) {
	return func(e container.Event) {
		if e.Kind == container.Output {
			fmt.Fprintf(w, "%s> %s\n", e.Container, e.Text)
			return
		}
		fmt.Fprintln(w, e.Text)
	}
}
