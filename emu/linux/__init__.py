"""The Linux personality of the emulator: syscalls, signals, process state.

Entry points: `Process` (process.py) with `Process.syscall(cpu)`, and the
syscall table `TABLE` (syscalls.py).
"""
