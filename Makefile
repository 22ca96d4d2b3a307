# llemu: common tasks. `make setup` once, then `make run` / `make test`.
PYTHON ?= python3
SYSROOT ?= build/sysroot

.PHONY: setup run test bench guests lint sysroot clean

setup:
	$(PYTHON) -m pip install -e '.[test]'

run:
	$(PYTHON) -m emu -plugin hotblocks,inline=on tests/guest/bin/compute

test:
	$(PYTHON) -m pytest -q -n 2

bench:
	$(PYTHON) bench/run.py --write docs/BENCHMARKS.md

guests:
	$(MAKE) -C tests/guest

sysroot:
	tools/fetch-sysroot $(SYSROOT)

lint:
	$(PYTHON) -m ruff check --select F,E9 emu jit tests

clean:
	rm -rf build .pytest_cache
