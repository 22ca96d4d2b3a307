"""`python -m emu ...` is `llemu-riscv64 ...`."""
import sys

from emu.cli import main

sys.exit(main())
