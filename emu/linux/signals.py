"""Guest signals: names, default actions, and the state syscalls record.

Signal numbers are the same on riscv64 and x86_64 (asm-generic), so guest
and host numbers are used interchangeably. Handlers are only recorded here;
delivering a signal to a guest handler is the run loop's job. What this
module does do is the default action of a fatal signal: the emulator dies
by that same host signal, so the parent sees exactly what Linux would show.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import sys
from dataclasses import dataclass, field

NSIG = 64                     # highest signal number (_NSIG on riscv64)
SIG_DFL, SIG_IGN = 0, 1
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
MINSIGSTKSZ = 2048            # riscv64 kernel value
SI_USER, SI_TKILL = 0, -6     # si_code of kill() and tkill()/tgkill()
SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND = 0x08000000, 0x10000000, 0x40000000, 0x80000000

NAMES: dict[int, str] = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
    7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
    13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD",
    18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG",
    24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO",
    30: "SIGPWR", 31: "SIGSYS",
}
SIGINT, SIGABRT, SIGBUS, SIGKILL, SIGSEGV, SIGPIPE, SIGTERM, SIGCHLD, SIGSTOP = 2, 6, 7, 9, 11, 13, 15, 17, 19
UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))

# Default actions (signal(7)); every other signal, real-time ones included, terminates.
DEFAULT_IGNORE = frozenset({17, 18, 23, 28})            # CHLD CONT URG WINCH
DEFAULT_STOP = frozenset({19, 20, 21, 22})              # STOP TSTP TTIN TTOU
DEFAULT_CORE = frozenset({3, 4, 5, 6, 7, 8, 11, 24, 25, 31})

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_libc.signal.restype = ctypes.c_void_p
_libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]


def name(sig: int) -> str:
    return NAMES.get(sig, str(sig))


def bit(sig: int) -> int:
    return 1 << (sig - 1)


@dataclass
class SigAction:
    handler: int = SIG_DFL
    flags: int = 0
    mask: int = 0


@dataclass
class SignalState:
    """What the guest asked for with rt_sigaction, rt_sigprocmask and sigaltstack."""
    actions: list[SigAction] = field(default_factory=lambda: [SigAction() for _ in range(NSIG + 1)])
    mask: int = 0
    pending: int = 0                 # raised while blocked or caught by a guest handler
    codes: dict[int, int] = field(default_factory=dict)   # si_code of each pending signal
    altstack: tuple[int, int, int] = (0, SS_DISABLE, 0)   # ss_sp, ss_flags, ss_size
    saved_mask: int | None = None    # rt_sigsuspend: the mask the handler's frame restores

    def action(self, sig: int) -> str:
        """What raising `sig` would do now: handler, ignore, term, core or stop."""
        h = self.actions[sig].handler
        if h == SIG_IGN and sig not in (SIGKILL, SIGSTOP):
            return "ignore"
        if h not in (SIG_DFL, SIG_IGN) and sig not in (SIGKILL, SIGSTOP):
            return "handler"
        if sig in DEFAULT_IGNORE:
            return "ignore"
        if sig in DEFAULT_STOP:
            return "stop"
        return "core" if sig in DEFAULT_CORE else "term"

    def set_mask(self, how: int, value: int) -> int:
        """rt_sigprocmask: returns the old mask; SIGKILL and SIGSTOP stay unblocked."""
        old = self.mask
        if how == SIG_BLOCK:
            self.mask |= value
        elif how == SIG_UNBLOCK:
            self.mask &= ~value
        else:
            self.mask = value
        self.mask &= ~UNBLOCKABLE & ((1 << NSIG) - 1)
        return old

    def deliverable(self) -> list[int]:
        """Pending signals that are no longer blocked, lowest first."""
        ready = self.pending & ~self.mask
        return [s for s in range(1, NSIG + 1) if ready & bit(s)]


def die_by_signal(sig: int) -> None:
    """Terminate the emulator by host signal `sig`, as the guest would die.

    Core-dumping signals get RLIMIT_CORE 0 first: the guest has no core
    worth writing and the emulator's (with its 256 GiB reservation) is not
    wanted. Falls back to exit status 128+sig if the signal does not kill.
    """
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except (OSError, ValueError):
            pass
    if sig in DEFAULT_CORE:
        _, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    _libc.signal(sig, SIG_DFL)
    import signal as _signal
    _signal.pthread_sigmask(_signal.SIG_UNBLOCK, {sig})
    os.kill(os.getpid(), sig)
    os._exit(128 + sig)


def stop_self(sig: int) -> None:
    """Default action of SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU: stop until SIGCONT."""
    os.kill(os.getpid(), SIGSTOP if sig == SIGSTOP else sig)
