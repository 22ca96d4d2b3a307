"""QEMU's `-d item[,item]` / `-D file` debug log, shared by every stage."""
from __future__ import annotations

import sys
from typing import TextIO

# The items `-d` accepts, with QEMU's meaning where QEMU has the item.
ITEMS: dict[str, str] = {
    "in_asm": "show guest code of each translated block",
    "op": "show the IR of each translated block",
    "op_plugin": "show the IR after plugin instrumentation",
    "out_asm": "show the host code generated for each block",
    "exec": "show each block as it is entered (slow: disables chaining)",
    "unimp": "log unimplemented functionality (e.g. unknown syscalls)",
    "strace": "log each syscall and its result (same as -strace)",
    "plugin": "output from plugins (qemu_plugin_outs)",
    "page": "show the guest memory layout at start-up",
    "nochain": "do not chain blocks (every block returns to the dispatcher)",
    "stats": "print translation and run-loop statistics at exit",
    "nocache": "compile everything: do not use the on-disk code cache",
    "tier": "show each hot region as it is optimized",
    "notier": "never optimize hot regions (all code stays as first compiled)",
    "perfmap": "write /tmp/perf-PID.map, so that perf names the compiled guest code",
}


class Log:
    """Enabled debug items and where their output goes."""

    def __init__(self) -> None:
        self.items: set[str] = set()
        self.out: TextIO = sys.stderr

    def parse(self, spec: str) -> None:
        """Enable a comma-separated list of items; raises ValueError naming a bad one."""
        for item in spec.split(","):
            item = item.strip()
            if item not in ITEMS:
                raise ValueError(item)
            self.items.add(item)

    def open(self, path: str) -> None:
        self.out = open(path, "w", buffering=1)

    def on(self, item: str) -> bool:
        return item in self.items

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


log = Log()
