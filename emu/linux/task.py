"""Process, identity, resource, time, random and signal syscalls."""
from __future__ import annotations

import ctypes
import errno
import os
import threading
from typing import TYPE_CHECKING

from emu.linux import host, sigframe, signals, structs
from emu.linux.guest import i32, rd, u32, wr
from emu.linux.signals import SigAction
from emu.log import log

if TYPE_CHECKING:
    from emu.linux.process import Process

RLIMIT_DATA, RLIMIT_STACK, RLIMIT_AS = 2, 3, 9


# ---- exit and identity -----------------------------------------------------

def exit_thread(p: Process, status: int) -> int:
    """exit of the only thread ends the process, as exit_group does."""
    if p.machine is not None and p.machine.live_threads() > 1:
        from emu.linux.process import ThreadExit
        raise ThreadExit(status & 0xFF)
    return p.exit(status & 0xFF)


def exit_group(p: Process, status: int) -> int:
    return p.exit(status & 0xFF)


def getpid(p: Process) -> int:
    return os.getpid()


def getppid(p: Process) -> int:
    return os.getppid()


def gettid(p: Process) -> int:
    return threading.get_native_id()


def getuid(p: Process) -> int:
    return os.getuid()


def geteuid(p: Process) -> int:
    return os.geteuid()


def getgid(p: Process) -> int:
    return os.getgid()


def getegid(p: Process) -> int:
    return os.getegid()


def setuid(p: Process, uid: int) -> int:
    return host.call("setuid", u32(uid))


def setgid(p: Process, gid: int) -> int:
    return host.call("setgid", u32(gid))


def setreuid(p: Process, ruid: int, euid: int) -> int:
    return host.call("setreuid", u32(ruid), u32(euid))


def setregid(p: Process, rgid: int, egid: int) -> int:
    return host.call("setregid", u32(rgid), u32(egid))


def setresuid(p: Process, r: int, e: int, s: int) -> int:
    return host.call("setresuid", u32(r), u32(e), u32(s))


def setresgid(p: Process, r: int, e: int, s: int) -> int:
    return host.call("setresgid", u32(r), u32(e), u32(s))


def setfsuid(p: Process, uid: int) -> int:
    return host.call("setfsuid", u32(uid))


def setfsgid(p: Process, gid: int) -> int:
    return host.call("setfsgid", u32(gid))


def _getres(p: Process, ids: tuple[int, int, int], r: int, e: int, s: int) -> int:
    for addr in (r, e, s):
        wr(p.mem, addr, 4)
    for addr, v in zip((r, e, s), ids):
        p.mem.write_u(addr, 4, v)
    return 0


def getresuid(p: Process, r: int, e: int, s: int) -> int:
    return _getres(p, os.getresuid(), r, e, s)


def getresgid(p: Process, r: int, e: int, s: int) -> int:
    return _getres(p, os.getresgid(), r, e, s)


def getgroups(p: Process, size: int, lst: int) -> int:
    size = i32(size)
    if size < 0:
        raise OSError(errno.EINVAL, "size")
    groups = os.getgroups()
    if size == 0:
        return len(groups)
    if size < len(groups):
        raise OSError(errno.EINVAL, "size")
    p.mem.write(lst, b"".join(g.to_bytes(4, "little") for g in groups))
    return len(groups)


def setgroups(p: Process, size: int, lst: int) -> int:
    size = i32(size)
    if size < 0 or size > 65536:
        raise OSError(errno.EINVAL, "size")
    buf = ctypes.create_string_buffer(p.mem.read(lst, 4 * size), max(4 * size, 1))
    return host.call("setgroups", size, buf)


def getpgid(p: Process, pid: int) -> int:
    return host.call("getpgid", i32(pid))


def setpgid(p: Process, pid: int, pgid: int) -> int:
    return host.call("setpgid", i32(pid), i32(pgid))


def getsid(p: Process, pid: int) -> int:
    return host.call("getsid", i32(pid))


def setsid(p: Process) -> int:
    return host.call("setsid")


def getpriority(p: Process, which: int, who: int) -> int:
    return host.call("getpriority", i32(which), i32(who))


def setpriority(p: Process, which: int, who: int, prio: int) -> int:
    return host.call("setpriority", i32(which), i32(who), i32(prio))


def ioprio_set(p: Process, which: int, who: int, ioprio: int) -> int:
    return host.call("ioprio_set", i32(which), i32(who), i32(ioprio))


def ioprio_get(p: Process, which: int, who: int) -> int:
    return host.call("ioprio_get", i32(which), i32(who))


def uname(p: Process, buf: int) -> int:
    u = os.uname()
    release = p.uname_release or u.release
    p.mem.write(buf, structs.pack_utsname(u.sysname, u.nodename, release, u.version,
                                          "riscv64", _domainname()))
    return 0


def _domainname() -> str:
    try:
        with open("/proc/sys/kernel/domainname") as f:
            return f.read().strip()
    except OSError:
        return "(none)"


# ---- resources -------------------------------------------------------------

def prlimit64(p: Process, pid: int, resource: int, new: int, old: int) -> int:
    """QEMU 7.2: limits on AS, DATA and STACK are not passed to the host (they'd bind the emulator)."""
    resource = u32(resource)
    new_buf = None
    if new:
        new_buf = ctypes.create_string_buffer(p.mem.read(new, 16), 16)
        if resource in (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK):
            new_buf = None
    old_ptr = wr(p.mem, old, 16) if old else None
    return host.call("prlimit64", i32(pid), resource, new_buf, old_ptr)


def getrlimit(p: Process, resource: int, rlim: int) -> int:
    return host.call("prlimit64", 0, u32(resource), None, wr(p.mem, rlim, 16))


def setrlimit(p: Process, resource: int, rlim: int) -> int:
    p.mem.read(rlim, structs.RLIMIT.size)           # NULL or unreadable: EFAULT
    return prlimit64(p, 0, resource, rlim, 0)


def getrusage(p: Process, who: int, usage: int) -> int:
    wr(p.mem, usage, structs.RUSAGE_SIZE)
    buf = host.buffer(structs.RUSAGE_SIZE)
    host.call("getrusage", i32(who), buf)
    p.mem.write(usage, buf.raw)
    return 0


def sysinfo(p: Process, info: int) -> int:
    return host.call("sysinfo", wr(p.mem, info, structs.SYSINFO_SIZE))


def times(p: Process, buf: int) -> int:
    tms = host.buffer(structs.TMS.size)
    r = host.call("times", tms)
    if buf:
        p.mem.write(buf, tms.raw)
    return r


def sched_getaffinity(p: Process, pid: int, size: int, mask: int) -> int:
    size = u32(size)
    if size & 7:
        raise OSError(errno.EINVAL, "size")
    buf = host.buffer(min(size, 1 << 16))
    r = host.call("sched_getaffinity", i32(pid), len(buf), buf)
    p.mem.write(mask, buf.raw[:r])
    return r


def sched_yield(p: Process) -> int:
    os.sched_yield()
    return 0


def getcpu(p: Process, cpu: int, node: int, cache: int) -> int:
    c, n = ctypes.c_uint(), ctypes.c_uint()
    host.call("getcpu", c, n, None)
    if cpu:
        p.mem.write_u(cpu, 4, c.value)
    if node:
        p.mem.write_u(node, 4, n.value)
    return 0


PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_NAME, PR_GET_NAME = 1, 2, 15, 16
# Options without pointer arguments that QEMU 7.2 hands to the host unchanged
# (as Debian's 7.2 does: probed, since libcap's cap_get_bound needs 23).
_PRCTL_PASS = {3, 4, 7, 8, 13, 14, 23, 24, 27, 28, 29, 30, 33, 34, 38, 39, 47, 57, 58}
# Options QEMU 7.2 refuses with EINVAL without logging (the unaligned-access,
# FP-emulation, FP-mode, SVE, pointer-auth, tagged-address and SME ones too).
_PRCTL_EINVAL = {5, 6, 9, 10, 11, 12, 19, 20, 21, 22, 25, 26, 35, 36, 37, 40, 41, 42, 45, 46, 50,
                 51, 52, 53, 54, 55, 56, 59, 63, 64}


def prctl(p: Process, option: int, a2: int, a3: int, a4: int, a5: int) -> int:
    option = i32(option)
    if option == PR_SET_NAME:
        name = p.mem.read_cstr(a2, 16)[:15]
        p.comm = name
        host.call("prctl", PR_SET_NAME, name, 0, 0, 0)
        return 0
    if option == PR_GET_NAME:
        p.mem.write(a2, p.comm[:15].ljust(16, b"\0"))
        return 0
    if option == PR_GET_PDEATHSIG:
        sig = ctypes.c_int()
        host.call("prctl", PR_GET_PDEATHSIG, sig, 0, 0, 0)
        p.mem.write_u(a2, 4, sig.value)
        return 0
    if option == PR_SET_PDEATHSIG or option in _PRCTL_PASS:
        return host.call("prctl", option, a2, a3, a4, a5)
    if option not in _PRCTL_EINVAL and log.on("unimp"):
        log.write(f"Unsupported prctl: {option}\n")
    raise OSError(errno.EINVAL, "prctl")


def set_tid_address(p: Process, tidptr: int) -> int:
    p.thread.clear_child_tid = tidptr
    return gettid(p)


def robust_list(p: Process, *_args: int) -> int:
    """QEMU 7.2 refuses robust futex lists (the kernel cannot walk guest lists): ENOSYS."""
    raise OSError(errno.ENOSYS, "robust list")


def futex(p: Process, uaddr: int, op: int, val: int, utime: int, uaddr2: int, val3: int) -> int:
    """Host futex on the host view of guest memory, as QEMU does."""
    cmd = i32(op) & 0x7F
    if cmd == 2 or cmd > 13:            # FUTEX_FD is gone; unknown commands never reach the host
        raise OSError(errno.ENOSYS, "futex op")
    ua = rd(p.mem, uaddr, 4)
    if cmd in (6, 7, 8, 13):            # the PI operations write the futex word
        wr(p.mem, uaddr, 4)
    timeout: object = 0
    if cmd in (0, 6, 9, 11, 13):        # WAIT, LOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2
        timeout = None if utime == 0 else ctypes.create_string_buffer(p.mem.read(utime, 16), 16)
    elif cmd in (3, 4, 5, 12):          # the requeue and wake-op commands: val2, a number
        timeout = u32(utime)
    ua2 = 0                             # guest numbers reach the host only as checked pointers
    if cmd in (3, 4, 5, 11, 12):        # REQUEUE, CMP_REQUEUE, WAKE_OP, *_REQUEUE_PI
        ua2 = wr(p.mem, uaddr2, 4)
    return host.call("futex", ua, i32(op), u32(val), timeout, ua2, u32(val3))


def wait4(p: Process, pid: int, status: int, options: int, rusage: int) -> int:
    st = ctypes.c_int()
    ru = host.buffer(structs.RUSAGE_SIZE) if rusage else None
    r = host.call("wait4", i32(pid), st, i32(options), ru)
    if status and r > 0:
        p.mem.write_u(status, 4, st.value)
    if rusage and r > 0:
        p.mem.write(rusage, ru.raw)
    return r


# ---- time and randomness ---------------------------------------------------

def clock_gettime(p: Process, clk: int, tp: int) -> int:
    ts = host.buffer(16)
    host.call("clock_gettime", i32(clk), ts)
    p.mem.write(tp, ts.raw)
    return 0


def clock_getres(p: Process, clk: int, tp: int) -> int:
    ts = host.buffer(16)
    host.call("clock_getres", i32(clk), ts)
    if tp:
        p.mem.write(tp, ts.raw)
    return 0


def gettimeofday(p: Process, tv: int, tz: int) -> int:
    t, z = host.buffer(16), host.buffer(8)
    host.call("gettimeofday", t, z)
    if tv:
        p.mem.write(tv, t.raw)
    if tz:
        p.mem.write(tz, z.raw)
    return 0


def nanosleep(p: Process, req: int, rem: int) -> int:
    return _sleep(p, None, 0, req, rem)


def clock_nanosleep(p: Process, clk: int, flags: int, req: int, rem: int) -> int:
    return _sleep(p, i32(clk), i32(flags), req, rem)


def _sleep(p: Process, clk: int | None, flags: int, req: int, rem: int) -> int:
    request = ctypes.create_string_buffer(p.mem.read(req, 16), 16)
    remain = host.buffer(16)
    try:
        if clk is None:
            return host.call("nanosleep", request, remain)
        return host.call("clock_nanosleep", clk, flags, request, remain)
    except OSError as e:
        if e.errno == errno.EINTR and rem:
            p.mem.write(rem, remain.raw)
        raise


def getrandom(p: Process, buf: int, count: int, flags: int) -> int:
    return host.call("getrandom", wr(p.mem, buf, count), count, u32(flags))


# ---- signals ---------------------------------------------------------------

def rt_sigaction(p: Process, sig: int, act: int, oact: int, sigsetsize: int) -> int:
    sig = i32(sig)
    if sigsetsize != structs.SIGSET_SIZE or not 1 <= sig <= signals.NSIG:
        raise OSError(errno.EINVAL, "sig")
    new = None
    if act:
        handler, flags, mask = structs.SIGACTION.unpack(p.mem.read(act, structs.SIGACTION.size))
        if sig in (signals.SIGKILL, signals.SIGSTOP):
            raise OSError(errno.EINVAL, "uncatchable")
        new = SigAction(handler, flags, mask & ~signals.UNBLOCKABLE)
    old = p.signals.actions[sig]
    if oact:
        p.mem.write(oact, structs.SIGACTION.pack(old.handler, old.flags, old.mask))
    if new is not None:
        p.signals.actions[sig] = new
        if p.signals.action(sig) == "ignore":
            p.signals.pending &= ~signals.bit(sig)
            p.signals.codes.pop(sig, None)
        p.set_host_disposition(sig)
    return 0


def rt_sigreturn(p: Process) -> int:
    """Restore the context a handler's frame saved; a0 keeps its restored value."""
    sigframe.pop_frame(p.mem, p.cpu, p.signals)
    return p.cpu.x[10]


def rt_sigsuspend(p: Process, mask: int, sigsetsize: int) -> int:
    """Wait with a temporary mask until a signal is to be handled; the handler's
    frame restores the old mask."""
    if sigsetsize != structs.SIGSET_SIZE:
        raise OSError(errno.EINVAL, "sigsetsize")
    new = p.mem.read_u(mask, 8)
    old = p.signals.set_mask(signals.SIG_SETMASK, new)
    import signal as pysig
    everything = pysig.valid_signals() - {pysig.SIGKILL, pysig.SIGSTOP}
    while True:
        host_mask = pysig.pthread_sigmask(pysig.SIG_BLOCK, everything)
        p.note_host_signals()
        if p.signals.deliverable():
            pysig.pthread_sigmask(pysig.SIG_SETMASK, host_mask)
            break
        host.sigsuspend(host_mask)          # atomically unblock and wait
        pysig.pthread_sigmask(pysig.SIG_SETMASK, host_mask)
    p.signals.saved_mask = old
    return -errno.EINTR


ITIMERVAL_SIZE = 2 * structs.TIMEVAL.size


def setitimer(p: Process, which: int, new: int, old: int) -> int:
    """Interval timers run on the host; their signals reach the guest as host signals."""
    value = host.buffer(ITIMERVAL_SIZE)
    value.raw = p.mem.read(new, ITIMERVAL_SIZE)
    out = host.buffer(ITIMERVAL_SIZE)
    host.call("setitimer", i32(which), value, out)
    if old:
        p.mem.write(old, out.raw)
    return 0


def getitimer(p: Process, which: int, cur: int) -> int:
    out = host.buffer(ITIMERVAL_SIZE)
    host.call("getitimer", i32(which), out)
    p.mem.write(cur, out.raw)
    return 0


def rt_sigprocmask(p: Process, how: int, nset: int, oset: int, sigsetsize: int) -> int:
    how = i32(how)
    if sigsetsize != structs.SIGSET_SIZE:
        raise OSError(errno.EINVAL, "sigsetsize")
    new = None
    if nset:
        if how not in (signals.SIG_BLOCK, signals.SIG_UNBLOCK, signals.SIG_SETMASK):
            raise OSError(errno.EINVAL, "how")
        new = p.mem.read_u(nset, 8)
    if oset:
        p.mem.write_u(oset, 8, p.signals.mask)
    if new is not None:
        p.signals.set_mask(how, new)
        p.deliver_pending()
    return 0


def rt_sigpending(p: Process, set_: int, sigsetsize: int) -> int:
    if sigsetsize > structs.SIGSET_SIZE:
        raise OSError(errno.EINVAL, "sigsetsize")
    p.mem.write_u(set_, 8, p.signals.pending & p.signals.mask)
    return 0


def sigaltstack(p: Process, ss: int, old: int) -> int:
    st = p.signals
    sp, flags, size = st.altstack
    new = None
    if ss:
        nsp, nflags, nsize = structs.STACK_T.unpack(p.mem.read(ss, structs.STACK_T.size))
        mode = nflags & ~signals.SS_AUTODISARM
        if mode not in (0, signals.SS_ONSTACK, signals.SS_DISABLE):
            raise OSError(errno.EINVAL, "ss_flags")
        if mode == signals.SS_DISABLE:
            new = (0, signals.SS_DISABLE, 0)
        else:
            if nsize < signals.MINSIGSTKSZ:
                raise OSError(errno.ENOMEM, "ss_size")
            new = (nsp, nflags & signals.SS_AUTODISARM, nsize)
    if old:
        p.mem.write(old, structs.STACK_T.pack(sp, flags, size))
    if new is not None:
        st.altstack = new
    return 0


def kill(p: Process, pid: int, sig: int) -> int:
    pid, sig = i32(pid), i32(sig)
    if not 0 <= sig <= signals.NSIG:
        raise OSError(errno.EINVAL, "sig")
    if pid == p.pid or pid == 0 or pid == -os.getpgrp():
        if pid != p.pid and sig:            # the rest of our process group, on the host
            _kill_others(pid, sig)
        if sig:
            p.raise_signal(sig)
        return 0
    os.kill(pid, sig)                       # includes pid -1: everyone but ourselves
    return 0


def _kill_others(pid: int, sig: int) -> None:
    """Send to the process group / everyone except ourselves: block it here meanwhile."""
    import signal as pysig
    old = pysig.pthread_sigmask(pysig.SIG_BLOCK, {sig})
    try:
        os.kill(pid, sig)
    except OSError:
        pass
    finally:
        _consume(sig)
        pysig.pthread_sigmask(pysig.SIG_SETMASK, old)


def _consume(sig: int) -> None:
    import signal as pysig
    if sig in pysig.sigpending():
        pysig.sigtimedwait({sig}, 0)


def tkill(p: Process, tid: int, sig: int) -> int:
    tid, sig = i32(tid), i32(sig)
    if tid <= 0 or not 0 <= sig <= signals.NSIG:
        raise OSError(errno.EINVAL, "tkill")
    if tid == gettid(p):
        if sig:
            p.raise_signal(sig, signals.SI_TKILL)
        return 0
    return host.call("tkill", tid, sig)


def tgkill(p: Process, tgid: int, tid: int, sig: int) -> int:
    tgid, tid, sig = i32(tgid), i32(tid), i32(sig)
    if tid <= 0 or tgid <= 0 or not 0 <= sig <= signals.NSIG:
        raise OSError(errno.EINVAL, "tgkill")
    if tid == gettid(p) and tgid == p.pid:
        if sig:
            p.raise_signal(sig, signals.SI_TKILL)
        return 0
    return host.call("tgkill", tgid, tid, sig)
