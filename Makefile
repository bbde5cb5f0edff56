# nixlxc: see README.md. Everything runs as root on the host it manages.
GO ?= go
PREFIX ?= /usr/local
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
# Where the completion scripts go: where bash-completion and zsh look under
# PREFIX; fish reads no /usr/local/share of its own, so a /usr/local
# install puts its script in /etc/fish/completions, fish's directory for
# the administrator's.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
ifeq ($(PREFIX),/usr/local)
FISHCOMPDIR ?= /etc/fish/completions
else
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
endif
# nixlxc-helper (helper/README.md), a small C program linked against
# liblxc that nixlxc finds next to itself or in ../libexec/nixlxc/.
HELPER ?= bin/nixlxc-helper
CFLAGS ?= -O2
# Warnings are errors here; the Nix package turns that off (WERROR=), so
# a newer compiler's new warning does not stop a user's build.
WERROR ?= -Werror
PKG_CONFIG ?= pkg-config
LXC_CFLAGS = $(shell $(PKG_CONFIG) --cflags lxc 2>/dev/null)
LXC_LIBS = $(shell $(PKG_CONFIG) --libs lxc 2>/dev/null || echo -llxc)

.PHONY: build helper docs install install-service setup test demo bench fuzz clean

# urfave_cli_no_docs drops urfave/cli's own doc generator: the man page
# comes from nixlxc's (`nixlxc help --man`, the definitions help shows);
# with -s -w the binary starts faster (BENCHMARKS.md, figure 1).
build: helper
	$(GO) build -tags urfave_cli_no_docs -trimpath -ldflags "-s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o bin/nixlxc ./cmd/nixlxc

helper: $(HELPER)

$(HELPER): helper/nixlxc-helper.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wall -Wextra $(WERROR) $(LXC_CFLAGS) -o $@ $< $(LDFLAGS) $(LXC_LIBS)

# The man page and the completion scripts, written by the binary just built
# from its own command definitions, so they never disagree with its help.
docs: build
	mkdir -p bin/completions
	bin/nixlxc help --man >bin/nixlxc.1
	bin/nixlxc completion bash >bin/completions/nixlxc.bash
	bin/nixlxc completion zsh >bin/completions/_nixlxc
	bin/nixlxc completion fish >bin/completions/nixlxc.fish

install: build docs
	install -D -m 0755 bin/nixlxc $(DESTDIR)$(PREFIX)/bin/nixlxc
	install -D -m 0755 $(HELPER) $(DESTDIR)$(PREFIX)/libexec/nixlxc/nixlxc-helper
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/nixlxc/README.md
	install -D -m 0644 bin/nixlxc.1 $(DESTDIR)$(PREFIX)/share/man/man1/nixlxc.1
	install -D -m 0644 bin/completions/nixlxc.bash $(DESTDIR)$(BASHCOMPDIR)/nixlxc
	install -D -m 0644 bin/completions/_nixlxc $(DESTDIR)$(ZSHCOMPDIR)/_nixlxc
	install -D -m 0644 bin/completions/nixlxc.fish $(DESTDIR)$(FISHCOMPDIR)/nixlxc.fish

# The boot service: `nixlxc autostart` at boot, `nixlxc shutdown-all` at
# shutdown. Enabled, not started.
install-service: install
	install -D -m 0644 systemd/nixlxc.service $(DESTDIR)/etc/systemd/system/nixlxc.service
	systemctl daemon-reload
	systemctl enable nixlxc.service

setup:
	bash scripts/setup-host.sh

test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

fuzz:
	FUZZTIME=60s bash scripts/test.sh

clean:
	rm -rf bin
