"""The riscv64 signal frame: what Linux pushes to run a guest handler, and
what rt_sigreturn pops (arch/riscv/kernel/signal.c, uapi asm/ucontext.h).

    struct rt_sigframe { siginfo_t info; struct ucontext uc; }
    struct ucontext {
        u64 uc_flags; ucontext *uc_link; stack_t uc_stack;     //  0,  8, 16
        sigset_t uc_sigmask; u8 unused[120];                    // 40
        struct sigcontext uc_mcontext (16-aligned);             // 176
    }
    struct sigcontext { u64 pc, x1..x31; u64 f[32]; u32 fcsr; ... }  // q-ext union: 528 bytes of FP
"""
from __future__ import annotations

import struct

from emu.linux import signals
from emu.memory import GuestMemory
from emu.state import CpuState

SIGINFO_SIZE = 128
UC = SIGINFO_SIZE                  # the ucontext follows the siginfo
UC_STACK = UC + 16
UC_SIGMASK = UC + 40
UC_MCONTEXT = UC + 176
SC_FPREGS = UC_MCONTEXT + 256
SC_FCSR = SC_FPREGS + 256
FRAME_SIZE = UC_MCONTEXT + 256 + 528
SIGRETURN_CODE = struct.pack("<II", 0x08B00893, 0x00000073)   # li a7, 139; ecall


def siginfo(sig: int, code: int, *, addr: int | None = None, pid: int = 0, uid: int = 0) -> bytes:
    """A 128-byte siginfo_t: faults carry si_addr, the others sender pid and uid."""
    head = struct.pack("<iii4x", sig, 0, code)
    if addr is not None:
        body = struct.pack("<Q", addr)
    else:
        body = struct.pack("<iI", pid, uid)
    return (head + body).ljust(SIGINFO_SIZE, b"\0")


def on_stack(st: signals.SignalState, sp: int) -> bool:
    ss_sp, flags, size = st.altstack
    return not flags & signals.SS_DISABLE and ss_sp < sp <= ss_sp + size


def push_frame(mem: GuestMemory, cpu: CpuState, st: signals.SignalState, sig: int,
               info: bytes, trampoline: int) -> None:
    """Save the interrupted context on the guest stack and enter the handler.

    Raises GuestFault if the frame cannot be written (the caller kills the guest)."""
    action = st.actions[sig]
    sp = cpu.x[2]
    ss_sp, ss_flags, ss_size = st.altstack
    if action.flags & signals.SA_ONSTACK and not ss_flags & signals.SS_DISABLE and not on_stack(st, sp):
        sp = ss_sp + ss_size
    frame = (sp - FRAME_SIZE) & ~0xF
    old_mask = st.saved_mask if st.saved_mask is not None else st.mask
    st.saved_mask = None
    stack_flags = signals.SS_ONSTACK if on_stack(st, cpu.x[2]) else ss_flags
    regs = [cpu.pc] + [cpu.x[i] for i in range(1, 32)]
    fcsr = (cpu.frm << 5) | cpu.fflags
    uc = struct.pack("<QQQi4xQQ", 0, 0, ss_sp, stack_flags, ss_size, old_mask)
    image = bytearray(FRAME_SIZE)
    image[:SIGINFO_SIZE] = info
    image[UC:UC + len(uc)] = uc
    image[UC_MCONTEXT:SC_FPREGS] = struct.pack("<32Q", *regs)
    image[SC_FPREGS:SC_FCSR] = struct.pack("<32Q", *cpu.f)
    image[SC_FCSR:SC_FCSR + 4] = struct.pack("<I", fcsr)
    mem.write(frame, image)
    if ss_flags & signals.SS_AUTODISARM and sp == ss_sp + ss_size:
        st.altstack = (0, signals.SS_DISABLE, 0)
    st.mask |= action.mask | (0 if action.flags & signals.SA_NODEFER else signals.bit(sig))
    st.mask &= ~signals.UNBLOCKABLE
    if action.flags & signals.SA_RESETHAND:
        st.actions[sig] = signals.SigAction()
    cpu.x[1] = trampoline
    cpu.x[2] = frame
    cpu.x[10], cpu.x[11], cpu.x[12] = sig, frame, frame + UC
    cpu.pc = action.handler
    cpu.res_addr = (1 << 64) - 1


def pop_frame(mem: GuestMemory, cpu: CpuState, st: signals.SignalState) -> None:
    """rt_sigreturn: restore the context saved at the guest's sp."""
    frame = cpu.x[2]
    image = mem.read(frame, FRAME_SIZE)
    regs = struct.unpack_from("<32Q", image, UC_MCONTEXT)
    cpu.pc = regs[0]
    for i in range(1, 32):
        cpu.x[i] = regs[i]
    for i, v in enumerate(struct.unpack_from("<32Q", image, SC_FPREGS)):
        cpu.f[i] = v
    fcsr = struct.unpack_from("<I", image, SC_FCSR)[0]
    cpu.fflags, cpu.frm = fcsr & 0x1F, (fcsr >> 5) & 7
    st.mask = struct.unpack_from("<Q", image, UC_SIGMASK)[0] & ~signals.UNBLOCKABLE
    ss_sp, ss_flags, ss_size = struct.unpack_from("<QixxxxQ", image, UC_STACK)
    if not on_stack(st, cpu.x[2]):
        st.altstack = (ss_sp, ss_flags & ~signals.SS_ONSTACK, ss_size)
    cpu.res_addr = (1 << 64) - 1
