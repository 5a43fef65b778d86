# mulan — the two commands of the README are `make demo` and `make test`.
GO ?= go
PKGS := ./...



.PHONY: all setup build test vet race bench demo fuzz clean

all: build

setup:
	./scripts/setup.sh

build: setup
	$(GO) build -o bin/mulan ./cmd/mulan

demo: build
	./bin/mulan demo

vet:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

race:
	./scripts/race.sh

test: setup vet
	$(GO) test -count=1 $(PKGS)
	$(MAKE) race
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/mulan

bench: build
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

clean:
	rm -rf bin
