"""ips: limit the guest to N instructions per second (QEMU's contrib/plugins/ips.c).

    -plugin ips,ips=N[k|m|g]        default 1g; k, m, g multiply by 10^3, 10^6, 10^9

Each vCPU checks its pace ten times per (guest) second: after every N/10
instructions it sleeps for as long as it ran ahead of N per second. The
plugin also moves guest time with the time-control API, as QEMU does; in
user mode guest time is the host's, so there it only throttles. Prints
nothing.
"""
import sys
import threading
import time

import numpy as np

from plugin_api import *

NUM_TIME_UPDATE_PER_SEC = 10
NSEC_IN_ONE_SEC = 1000 * 1000 * 1000

global_state_lock = threading.Lock()
max_insn_per_second = 1000 * 1000 * 1000       # per vCPU
max_insn_per_quantum = 0                        # a callback every this many instructions
virtual_time_ns = 0                             # last guest time set
time_handle = None

vCPUTime = np.dtype([("total_insn", np.uint64),
                     ("quantum_insn", np.uint64),          # instructions in this quantum
                     ("last_quantum_time", np.int64)])     # when this quantum started
vcpus = None


def now_ns():
    return time.time_ns()


def num_insn_during(elapsed_ns):
    return int(elapsed_ns / NSEC_IN_ONE_SEC * max_insn_per_second)


def time_for_insn(num_insn):
    return int(num_insn / max_insn_per_second * NSEC_IN_ONE_SEC)


def update_system_time(vcpu):
    global virtual_time_ns
    elapsed_ns = now_ns() - int(vcpu["last_quantum_time"])
    max_insn = num_insn_during(elapsed_ns)
    quantum_insn = int(vcpu["quantum_insn"])
    if quantum_insn >= max_insn:
        # this vCPU ran faster than allowed: sleep until it is on time
        time.sleep(time_for_insn(quantum_insn - max_insn) / NSEC_IN_ONE_SEC)

    vcpu["total_insn"] += quantum_insn
    vcpu["quantum_insn"] = 0
    vcpu["last_quantum_time"] = now_ns()

    # the guest time this many instructions take
    new_virtual_time = time_for_insn(int(vcpu["total_insn"]))
    with global_state_lock:
        # time only moves forward: another vCPU may have moved it further
        if new_virtual_time > virtual_time_ns:
            qemu_plugin_update_ns(time_handle, new_virtual_time)
            virtual_time_ns = new_virtual_time


def vcpu_init(id, cpu_index):
    vcpu = qemu_plugin_scoreboard_find(vcpus, cpu_index)[0]
    vcpu["total_insn"] = 0
    vcpu["quantum_insn"] = 0
    vcpu["last_quantum_time"] = now_ns()


def vcpu_exit(id, cpu_index):
    update_system_time(qemu_plugin_scoreboard_find(vcpus, cpu_index)[0])


def every_quantum_insn(cpu_index, udata):
    vcpu = qemu_plugin_scoreboard_find(vcpus, cpu_index)[0]
    assert vcpu["quantum_insn"] >= max_insn_per_quantum
    update_system_time(vcpu)


def vcpu_tb_trans(id, tb):
    quantum_insn = qemu_plugin_scoreboard_u64_in_struct(vcpus, "quantum_insn")
    # count once per block, and call Python only when a quantum is over
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(
        tb, QEMU_PLUGIN_INLINE_ADD_U64, quantum_insn, qemu_plugin_tb_n_insns(tb))
    qemu_plugin_register_vcpu_tb_exec_cond_cb(
        tb, every_quantum_insn, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_COND_GE,
        quantum_insn, max_insn_per_quantum, None)


def plugin_exit(id, udata):
    qemu_plugin_scoreboard_free(vcpus)


# a bit like units.h but not binary
SCALES = {"k": 1000, "m": 1000 * 1000, "g": 1000 * 1000 * 1000}


def qemu_plugin_install(id, info, args):
    global max_insn_per_second, max_insn_per_quantum, time_handle, vcpus
    for opt in args:
        name, _, value = opt.partition("=")
        if name != "ips":
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
        digits = value[:len(value) - len(value.lstrip("0123456789"))]
        suffix = value[len(digits):]
        if not digits:
            print(f"qemu_plugin_install: couldn't parse {value}", file=sys.stderr)
            return -1
        if suffix and suffix.lower() not in SCALES:
            print(f"bad suffix: {suffix}", file=sys.stderr)
            return -1
        max_insn_per_second = int(digits) * SCALES.get(suffix.lower(), 1)

    vcpus = qemu_plugin_scoreboard_new(vCPUTime)
    max_insn_per_quantum = max_insn_per_second // NUM_TIME_UPDATE_PER_SEC
    if max_insn_per_quantum == 0:
        print(f"minimum of {NUM_TIME_UPDATE_PER_SEC} instructions per second needed",
              file=sys.stderr)
        return -1

    time_handle = qemu_plugin_request_time_control()
    assert time_handle is not None

    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init)
    qemu_plugin_register_vcpu_exit_cb(id, vcpu_exit)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
