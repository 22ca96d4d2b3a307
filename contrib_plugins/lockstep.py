"""lockstep: run two emulators in lockstep and report where their execution
diverges (QEMU's contrib/plugins/lockstep.c).

    -plugin lockstep,sockpath=PATH[,verbose=on|off]

The first process creates the UNIX socket PATH and waits for the second,
which connects to it ("setup_socket::ready" / "connect_socket::ready").
Before each block runs, each side sends the other its (pc, instructions so
far) and compares the pc it gets back. A divergence is reported as
"@ 0x<ours> vs 0x<theirs> (<divergences>/<blocks> since last)" when it
follows the previous one closely (or always, with verbose); two in a row
mean the runs will not resynchronise: the plugin prints "Δ insn_count ...",
the last blocks ("  previously @ ..."), "too much divergence... giving up."
and uninstalls itself. At exit (if it did not give up): "No divergence :-)",
"Executed N/N blocks" and "Executed ~N instructions".

Single-threaded guests only, as in QEMU.
"""
import contextlib
import os
import socket
import struct
import sys
from dataclasses import dataclass

from plugin_api import *

EXEC_STATE = struct.Struct("=QQ")      # what each side sends: pc, insn_count

our_id = None
bb_count = 0
insn_count = 0
verbose = False
sock = None
path_to_unlink = None
giving_up = False


@dataclass
class BlockInfo:
    """A translated block."""
    pc: int
    insns: int


@dataclass
class ExecInfo:
    """One block in the execution log."""
    block: BlockInfo
    insn_count: int
    block_count: int


@dataclass
class DivergeState:
    log_pos: int        # length of the log when it happened
    distance: int       # blocks since the previous divergence


exec_log = []           # ExecInfo, oldest first
divergence_log = []     # DivergeState, oldest first


def plugin_cleanup(id):
    sock.close()
    if path_to_unlink:
        with contextlib.suppress(OSError):     # gone already: nothing to clean
            os.unlink(path_to_unlink)


def plugin_exit(id, p):
    qemu_plugin_outs(f"No divergence :-)\nExecuted {bb_count}/{len(exec_log)} blocks\n"
                     f"Executed ~{insn_count} instructions\n")
    plugin_cleanup(id)


def give_up(message):
    """Stop comparing: uninstalling is asynchronous, and blocks may still start
    before it is done, so they must not talk to the other side meanwhile."""
    global giving_up
    giving_up = True
    qemu_plugin_outs(message)
    qemu_plugin_uninstall(our_id, plugin_cleanup)


def report_divergence(us, them):
    divrec = DivergeState(len(exec_log), 0)
    diverged = False

    # If we have diverged before, did we get back on track or are we totally losing it?
    if divergence_log:
        last = divergence_log[-1]
        divrec.distance = len(exec_log) - last.log_pos
        # two divergences in a row: we will not get back in sync with the other end
        diverged = divrec.distance == 1 and last.distance == 1
    divergence_log.append(divrec)

    if verbose or divrec.distance == 1 or diverged:
        qemu_plugin_outs(f"@ 0x{us[0]:016x} vs 0x{them[0]:016x} "
                         f"({len(divergence_log)}/{divrec.distance} since last)\n")

    if diverged:
        out = [f"Δ insn_count @ 0x{us[0]:016x} ({us[1]}) vs 0x{them[0]:016x} ({them[1]})\n"]
        for prev in reversed(exec_log[-5:]):
            out.append(f"  previously @ 0x{prev.block.pc:016x}/{prev.block.insns} "
                       f"({prev.insn_count} insns)\n")
        qemu_plugin_outs("".join(out))
        give_up("too much divergence... giving up.")


def vcpu_tb_exec(cpu_index, bi):
    global insn_count, bb_count
    if giving_up:
        return
    us = (bi.pc, insn_count)

    # Tell the other end where we are; if that fails it probably died: stop quietly.
    try:
        sock.sendall(EXEC_STATE.pack(*us))
    except OSError:
        give_up("problem writing to socket")
        return

    # Then learn where it is.
    try:
        data = sock.recv(EXEC_STATE.size, socket.MSG_WAITALL)
    except OSError:
        give_up("problem reading from socket")
        return
    if len(data) < EXEC_STATE.size:
        give_up("read less than expected")
        return
    them = EXEC_STATE.unpack(data)

    if us[0] != them[0]:
        report_divergence(us, them)

    # Assume this block will run fully, and log it.
    insn_count += bi.insns
    bb_count += 1
    exec_log.append(ExecInfo(bi, insn_count, bb_count))


def vcpu_tb_trans(id, tb):
    bi = BlockInfo(qemu_plugin_tb_vaddr(tb), qemu_plugin_tb_n_insns(tb))
    qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, bi)


def setup_socket(path):
    """The first process: create the socket and wait for the other one."""
    global sock, path_to_unlink
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    step = "bind socket"
    try:
        server.bind(path)
        path_to_unlink = path       # remember to clean up
        step = "listen socket"
        server.listen(1)
        step = "accept socket"
        sock, _ = server.accept()
    except OSError as e:
        print(f"{step}: {e.strerror or e}", file=sys.stderr)
        return False
    finally:
        server.close()
    qemu_plugin_outs("setup_socket::ready\n")
    return True


def connect_socket(path):
    """The second process: the socket exists, connect to the first."""
    global sock
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as e:
        print(f"failed to connect: {e.strerror or e}", file=sys.stderr)
        sock.close()
        return False
    qemu_plugin_outs("connect_socket::ready\n")
    return True


def qemu_plugin_install(id, info, args):
    global our_id, verbose
    sock_path = None
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "verbose":
            ok, verbose = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
        elif name == "sockpath":
            sock_path = value
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1

    if not sock_path:
        print("Need a socket path to talk to other instance.", file=sys.stderr)
        return -1
    # No master/slave roles: whoever finds no socket there is the first.
    ready = connect_socket(sock_path) if os.path.exists(sock_path) else setup_socket(sock_path)
    if not ready:
        print("Failed to setup socket for communications.", file=sys.stderr)
        return -1

    our_id = id
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
