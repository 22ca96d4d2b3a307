"""traps: count traps per vCPU (QEMU's contrib/plugins/traps.c, QEMU 10.2).

    -plugin traps

Counts the discontinuities of each vCPU: interrupts (asynchronous events),
exceptions (synchronous ones) and host calls. In llemu's user mode they are
signal deliveries to a guest handler: a fault (SIGSEGV, SIGILL, SIGTRAP,
SIGBUS) is an exception, any other signal an interrupt; there are no host
calls. QEMU's note that user mode reports no interrupts is not printed:
llemu reports them. At exit prints "VCPU, interrupts, exceptions, hostcalls"
and one line of counts per vCPU.
"""
import numpy as np

from plugin_api import *

TrapCounters = np.dtype([("interrupts", np.uint64), ("exceptions", np.uint64),
                         ("hostcalls", np.uint64)])
FIELD = {QEMU_PLUGIN_DISCON_INTERRUPT: "interrupts",
         QEMU_PLUGIN_DISCON_EXCEPTION: "exceptions",
         QEMU_PLUGIN_DISCON_HOSTCALL: "hostcalls"}

traps = None


def vcpu_discon(id, vcpu_index, type, from_pc, to_pc):
    qemu_plugin_scoreboard_find(traps, vcpu_index)[0][FIELD[type]] += 1


def plugin_exit(id, p):
    report = ["VCPU, interrupts, exceptions, hostcalls\n"]
    for vcpu in range(qemu_plugin_num_vcpus()):
        rec = qemu_plugin_scoreboard_find(traps, vcpu)[0]
        report.append(f"{vcpu: 4d}, {rec['interrupts']: 10d}, {rec['exceptions']: 10d}, "
                      f"{rec['hostcalls']: 10d}\n")
    qemu_plugin_outs("".join(report))
    qemu_plugin_scoreboard_free(traps)


def qemu_plugin_install(id, info, args):
    global traps
    traps = qemu_plugin_scoreboard_new(TrapCounters)
    qemu_plugin_register_vcpu_discon_cb(id, QEMU_PLUGIN_DISCON_ALL, vcpu_discon)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
