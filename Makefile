# nixlxc: see README.md. Everything runs as root on the host it manages.
GO ?= go
PREFIX ?= /usr/local
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build install setup test demo bench fuzz clean

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/nixlxc ./cmd/nixlxc

install: build
	install -D -m 0755 bin/nixlxc $(DESTDIR)$(PREFIX)/bin/nixlxc

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
