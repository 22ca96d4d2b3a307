"""Bench plugin: every memory access as a bulk-trace record, consumed by numpy
(a checksum of addresses and values per batch), to measure how many records
per second reach numpy."""
import numpy as np

from plugin_api import *

state = {"records": 0, "checksum": 0}


def on_batch(vcpu, records):
    state["records"] += len(records)
    state["checksum"] ^= int(np.bitwise_xor.reduce(records["addr"] ^ records["value"]))


def qemu_plugin_install(id, info, args):
    buf = llemu_trace_buffer_new(id, "mem", on_batch, 1 << 16)

    def trans(id, tb):
        for i in range(qemu_plugin_tb_n_insns(tb)):
            llemu_register_trace_mem(qemu_plugin_tb_get_insn(tb, i), buf)
    qemu_plugin_register_vcpu_tb_trans_cb(id, trans)
    qemu_plugin_register_atexit_cb(id, lambda id, _: qemu_plugin_outs(
        f"records {state['records']} checksum {state['checksum']:#x}\n"))
    return 0
