"""The guest process's OS-level state and the syscall entry point.

Guest file descriptors, cwd, umask and identity are the emulator's own (as in
QEMU); what is guest-only lives here: signal dispositions and mask, the
clear-child-tid address, the thread name, the loaded image.
"""
from __future__ import annotations

import errno
import os
import threading
import time
from typing import Callable, NoReturn

from emu.linux import signals, strace
from emu.linux.signals import SignalState
from emu.linux.syscalls import TABLE, Syscall
from emu.loader import Image, resolve_under
from emu.log import log
from emu.memory import GuestFault, GuestMemory
from emu.state import CpuState

MASK64 = (1 << 64) - 1
_PROC_FILES = (b"exe", b"maps", b"stat", b"cmdline", b"auxv")


class GuestExit(Exception):
    """The guest process ended: exit/exit_group, or killed by a signal's default action.

    status: exit status for the emulator (128+signal for a signal death).
    signal: non-zero when the guest was killed by that signal; the emulator
            must then die by the same signal (terminate() does it), so its
            parent sees what Linux would show (e.g. -6 for abort()).
    """

    def __init__(self, status: int, signal: int = 0):
        super().__init__(f"guest {'killed by ' + signals.name(signal) if signal else 'exit'} "
                         f"(status {status})")
        self.status = status
        self.signal = signal

    def terminate(self) -> NoReturn:
        """Leave the emulator the way the guest left: exit status or death by signal."""
        if self.signal:
            signals.die_by_signal(self.signal)
        raise SystemExit(self.status)


# Syscalls that may wait in the host: plugins hear vcpu_idle before and vcpu_resume after.
BLOCKING = frozenset({"futex", "nanosleep", "clock_nanosleep", "rt_sigsuspend", "wait4", "ppoll",
                      "pselect6", "epoll_pwait"})


class ThreadExit(Exception):
    """exit() of one thread while others live: only that vCPU stops."""

    def __init__(self, status: int):
        super().__init__(f"thread exit ({status})")
        self.status = status


class Process:
    """One guest process (single-threaded for now)."""

    def __init__(self, mem: GuestMemory, image: Image, *, sysroot: str | None = None):
        self.mem = mem
        self.image = image
        self.sysroot = sysroot
        self.pid = os.getpid()
        self.signals = SignalState()
        self.comm = os.fsencode(os.path.basename(image.exe_path))[:15]
        # When the process started, in clock ticks since boot (/proc/self/stat).
        self.start_ticks = int(time.clock_gettime(time.CLOCK_BOOTTIME) * os.sysconf("SC_CLK_TCK"))
        self.uname_release: str | None = None   # QEMU's -r
        # Signals the guest raised on itself whose default action applies once
        # the current syscall has returned (as the kernel acts on return to user).
        self.taken: list[tuple[int, int]] = []  # (signal, si_code)
        self.plugins = None                     # the plugin manager, when a machine runs us
        # Set by the machine: the native catcher of host signals, and the machine
        # itself (threads); each vCPU thread sets `local.cpu` to itself.
        self.host_signals = None
        self.machine = None
        self.local = threading.local()

    @property
    def cpu(self) -> CpuState:
        """The registers of the calling thread's vCPU (rt_sigreturn, clone need them)."""
        return self.local.cpu.state

    @property
    def thread(self):
        """The calling thread's vCPU."""
        return self.local.cpu

    @property
    def tid(self) -> int:
        return threading.get_native_id()

    # ---- the entry point -------------------------------------------------
    def syscall(self, cpu: CpuState) -> None:
        """Run the syscall in cpu.x[17] with args cpu.x[10..15]; write the result (or -errno) to cpu.x[10].

        cpu.pc is left alone: QEMU's cpu_loop advances it past the ecall
        *before* the call, which handlers that redirect pc (rt_sigreturn,
        signal delivery) will need. Raises GuestExit when the guest ends.
        """
        num = cpu.x[17]
        args = [cpu.x[i] for i in range(10, 16)]
        sc = TABLE.get(num)
        if sc is not None and not sc.traced:
            cpu.x[10] = sc.handler(self, *args[:sc.nargs]) & MASK64
            return
        plugins, thread = self.plugins, getattr(self.local, "cpu", None)
        if plugins:
            plugins.syscall(thread, num, args)
        tracing = log.on("strace")
        if tracing:
            log.write(strace.format_call(self, num, sc, args))
        skipped = plugins.syscall_filter(thread, num, args) if plugins else None
        if skipped is not None:
            ret = skipped
        elif sc is None:
            if log.on("unimp"):
                log.write(f"Unsupported syscall: {num - (1 << 64) if num >> 63 else num}\n")
            ret = -errno.ENOSYS
        else:
            waits = plugins is not None and sc.name in BLOCKING
            if waits:
                plugins.vcpu_event("vcpu_idle", thread)
            ret = self.run(sc, args)
            if waits:
                plugins.vcpu_event("vcpu_resume", thread)
            if tracing:
                log.write(strace.format_ret(self, sc, ret, args))
        cpu.x[10] = ret & MASK64
        if plugins:
            plugins.syscall_ret(thread, num, ret)
        if self.taken:
            self.take_signals(tracing)

    def take_signals(self, tracing: bool = False) -> None:
        """Apply the default actions recorded during the syscall: stop, or die (GuestExit)."""
        taken, self.taken = self.taken, []
        for sig, code in taken:
            if tracing:
                log.write(strace.format_signal(sig, code, self.pid, os.getuid()))
            if self.signals.action(sig) == "stop":
                signals.stop_self(sig)
            else:
                raise GuestExit(128 + sig, signal=sig)

    def run(self, sc: Syscall, args: list[int]) -> int:
        """Call a handler, turning guest faults and host errors into -errno."""
        try:
            return sc.handler(self, *args[:sc.nargs])
        except GuestFault:
            return -errno.EFAULT
        except OSError as e:
            return -(e.errno or errno.EINVAL)
        except (OverflowError, ValueError):    # a guest value no host call accepts
            return -errno.EINVAL

    # ---- services for the handlers --------------------------------------
    def resolve_path(self, guest_path: bytes) -> bytes:
        """QEMU's -L rule: an absolute path that exists under sysroot resolves there first."""
        return os.fsencode(resolve_under(self.sysroot, os.fsdecode(guest_path)))

    def exit(self, status: int) -> NoReturn:
        raise GuestExit(status)

    def raise_signal(self, sig: int, code: int = signals.SI_USER) -> None:
        """The guest sent `sig` to itself: act as Linux would with its disposition.

        Default stop and fatal actions are queued in `taken` and applied when
        the syscall returns (GuestExit(signal=sig) for fatal ones); blocked or
        handled signals stay pending (delivery to a guest handler is the run
        loop's job: see signals.pending and mask); ignored ones vanish.
        """
        st = self.signals
        if st.mask & signals.bit(sig):
            st.pending |= signals.bit(sig)
            st.codes[sig] = code
            return
        action = st.action(sig)
        if action == "handler":
            st.pending |= signals.bit(sig)
            st.codes[sig] = code
        elif action != "ignore":
            self.taken.append((sig, code))

    def note_host_signals(self) -> None:
        """Host signals caught natively since the last look become pending guest signals."""
        if self.host_signals is not None:
            for sig, code in self.host_signals.take():
                self.raise_signal(sig, code)
            if self.taken:
                self.take_signals(log.on("strace"))

    def next_handled_signal(self) -> tuple[int, int] | None:
        """The next pending, unblocked signal that runs a guest handler: (signal, si_code).

        Pending signals whose action is now the default one are acted on here."""
        self.note_host_signals()
        self.deliver_pending()
        if self.taken:
            self.take_signals(log.on("strace"))
        st = self.signals
        for sig in st.deliverable():
            st.pending &= ~signals.bit(sig)
            return sig, st.codes.pop(sig, signals.SI_USER)
        return None

    def fault_signal(self, sig: int) -> bool:
        """A synchronous fault: True if a guest handler takes it, else the guest dies
        (a blocked or ignored fault kills, as the kernel's force_sig does)."""
        st = self.signals
        if st.action(sig) == "handler" and not st.mask & signals.bit(sig):
            return True
        raise GuestExit(128 + sig, signal=sig)

    def set_host_disposition(self, sig: int) -> None:
        """Make the host deliver `sig` the way the guest asked (see rt_sigaction)."""
        if self.host_signals is None or sig in (signals.SIGKILL, signals.SIGSTOP,
                                                signals.SIGSEGV, signals.SIGBUS):
            return
        action = self.signals.action(sig)
        if action == "handler":
            restart = bool(self.signals.actions[sig].flags & signals.SA_RESTART)
            self.host_signals.catch(sig, restart)
        else:
            self.host_signals.release(sig, ignore=self.signals.actions[sig].handler == signals.SIG_IGN)

    def deliver_pending(self) -> None:
        """After an unmask or a disposition change: pending signals that now act by default."""
        st = self.signals
        for sig in st.deliverable():
            action = st.action(sig)
            if action == "handler":
                continue
            st.pending &= ~signals.bit(sig)
            code = st.codes.pop(sig, signals.SI_USER)
            if action != "ignore":
                self.taken.append((sig, code))

    def pipe_checked(self, fn: Callable[..., int], *args) -> int:
        """A write-like host call: EPIPE also raises SIGPIPE on the guest, as the kernel does."""
        try:
            return fn(*args)
        except OSError as e:
            if e.errno == errno.EPIPE:
                self.raise_signal(signals.SIGPIPE, signals.SI_USER)
            raise

    def is_proc_self(self, name: bytes, entry: bytes) -> bool:
        """True for /proc/self/<entry> and /proc/<our pid>/<entry>."""
        return name in (b"/proc/self/" + entry, b"/proc/%d/" % self.pid + entry)

    def proc_self(self, name: bytes, flags: int) -> int | None:
        """Open a /proc/self file that must show the guest, not the emulator (as QEMU fakes them)."""
        if not name.startswith(b"/proc/"):
            return None
        for entry in _PROC_FILES:
            if self.is_proc_self(name, entry):
                break
        else:
            return None
        if entry == b"exe":
            fd = os.open(self.image.exe_path, os.O_RDONLY)
        else:
            content = {b"maps": self._maps, b"stat": self._stat, b"cmdline": self._cmdline,
                       b"auxv": self._auxv}[entry]()
            fd = os.memfd_create(entry.decode(), 0)
            os.write(fd, content)
            os.lseek(fd, 0, os.SEEK_SET)
        os.set_inheritable(fd, not flags & os.O_CLOEXEC)   # os.open/memfd default to CLOEXEC
        return fd

    def _maps(self) -> bytes:
        lines = []
        for v in self.mem.vmas:
            perms = "".join(c if v.prot & bit else "-" for c, bit in (("r", 1), ("w", 2), ("x", 4)))
            perms += "s" if v.flags & 0x01 else "p"
            dev, ino = "00:00", 0
            if v.name and not v.name.startswith("["):
                try:
                    st = os.stat(v.name)
                    dev, ino = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}", st.st_ino
                except OSError:
                    pass
            head = f"{v.start:08x}-{v.end:08x} {perms} {v.offset:08x} {dev} {ino}"
            lines.append(f"{head:<72} {v.name}".rstrip() if v.name else head)
        return ("\n".join(lines) + "\n").encode()

    def _stat(self) -> bytes:
        """QEMU 7.2's open_self_stat: 44 fields, all 0 but pid, comm (the basename
        of argv[0], at most 15 bytes), ppid, starttime and the start of the stack."""
        argv0 = os.fsencode(self.image.argv[0]) if self.image.argv else b""
        fields = [b"0"] * 44
        fields[0] = b"%d" % os.getpid()
        fields[1] = b"(" + argv0.rsplit(b"/", 1)[-1][:15] + b")"
        fields[3] = b"%d" % os.getppid()
        fields[21] = b"%d" % self.start_ticks
        fields[27] = b"%d" % self.image.start_stack
        return b" ".join(fields) + b"\n"

    def _cmdline(self) -> bytes:
        return b"".join(os.fsencode(a) + b"\0" for a in self.image.argv)

    def _auxv(self) -> bytes:
        return b"".join(k.to_bytes(8, "little") + (v & MASK64).to_bytes(8, "little")
                        for k, v in self.image.auxv)
