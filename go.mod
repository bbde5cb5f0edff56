module github.com/nixlxc/nixlxc

go 1.26.0

require golang.org/x/sys v0.49.0

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/lxc/go-lxc v0.0.0-20260316180011-3af4ce000ed7 // indirect
	github.com/mattn/go-sqlite3 v1.14.53 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/urfave/cli/v2 v2.27.7 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
)
