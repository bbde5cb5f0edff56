# nixlxc: see README.md. Everything runs as root on the host it manages.
GO ?= go
PREFIX ?= /usr/local
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build install install-service setup test demo bench fuzz clean

# urfave_cli_no_docs drops the man-page generator nixlxc does not use; with
# -s -w the binary starts faster (BENCHMARKS.md, figure 1).
build:
	$(GO) build -tags urfave_cli_no_docs -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/nixlxc ./cmd/nixlxc

install: build
	install -D -m 0755 bin/nixlxc $(DESTDIR)$(PREFIX)/bin/nixlxc
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/nixlxc/README.md

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
