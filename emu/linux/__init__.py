"""The Linux personality of the emulator: syscalls, signals, process state.

process.py   Process (the guest's OS-level state) and Process.syscall(cpu)
syscalls.py  THE syscall table: number -> name, handler, -strace format
fs.py        file and file-system handlers      mm.py    memory handlers
task.py      process, time, signal handlers     strace.py QEMU -strace lines
signals.py   signal numbers, dispositions, death by signal
structs.py   riscv64 structure layouts          guest.py checked guest arguments
host.py      raw host (x86_64) syscalls
"""
