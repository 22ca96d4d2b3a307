# llemu: common tasks. `make setup` once, then `make run` / `make test`.
PYTHON ?= python3
SYSROOT ?= build/sysroot

.PHONY: setup run test bench guests lint sysroot clean

setup:
	$(PYTHON) -m pip install -e '.[test]'

run:
	$(PYTHON) -m emu tests/guest/bin/hello

test:
	$(PYTHON) -m pytest -q -n 2

bench:
	$(PYTHON) bench/run.py

guests:
	$(MAKE) -C tests/guest

sysroot:
	tools/fetch-sysroot $(SYSROOT)

lint:
	$(PYTHON) -m pyflakes emu jit plugin_api contrib_plugins tests bench 2>/dev/null || $(PYTHON) -m compileall -q emu jit

clean:
	rm -rf build .pytest_cache
