package lxcconf

import _ "embed"

// SeccompPolicy is nixlxc's seccomp policy in LXC's own format (see the
// file): every container runs under it (lxc.seccomp.profile), attached
// commands too, and a container file cannot change it.
//
//go:embed nixlxc.seccomp
var SeccompPolicy []byte
