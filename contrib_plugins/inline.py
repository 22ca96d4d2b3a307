"""QEMU's tests/tcg/plugins/inline.c: check that callbacks, inline ops and
conditional callbacks count the same blocks, instructions and accesses.

Each block, instruction and access is counted three ways: by a callback,
by an inline ADD, and by a conditional callback that fires every 100th
time (an inline ADD on a tracker, the callback when it reaches 100, which
resets it). An inline STORE of a per-block (per-instruction, per-access)
value just before each callback lets the callback check that it runs
right after that STORE, for the same block. Any mismatch fails an
assertion at exit, which stops llemu with status 1.
"""
import threading

import numpy as np

from plugin_api import *

CPUCount = np.dtype([(name, np.uint64) for name in (
    "count_tb", "count_tb_inline", "count_insn", "count_insn_inline", "count_mem",
    "count_mem_inline", "tb_cond_num_trigger", "tb_cond_track_count",
    "insn_cond_num_trigger", "insn_cond_track_count")])
CPUData = np.dtype([("data_insn", np.uint64), ("data_tb", np.uint64), ("data_mem", np.uint64)])
COND_TRIGGER_LIMIT = 100

counts = data = None
u64 = {}                # the u64 members of both, by field name
global_count_tb = global_count_insn = global_count_mem = 0
max_cpu_index = 0
lock = threading.Lock()


def stats(what, expected, cond_label=None):
    """The totals of one kind (tb, insn, mem): they must all be `expected`."""
    per_vcpu = qemu_plugin_u64_sum(u64[f"count_{what}"])
    inl_per_vcpu = qemu_plugin_u64_sum(u64[f"count_{what}_inline"])
    out = f"{what}: {expected}\n{what}: {per_vcpu} (per vcpu)\n{what}: {inl_per_vcpu} (per vcpu inline)\n"
    conditional = None
    if cond_label:
        conditional = (qemu_plugin_u64_sum(u64[f"{what}_cond_num_trigger"]) * COND_TRIGGER_LIMIT
                       + qemu_plugin_u64_sum(u64[f"{what}_cond_track_count"]))
        out += f"{what}: {conditional} ({cond_label})\n"
    qemu_plugin_outs(out)
    assert expected > 0
    assert per_vcpu == expected
    assert inl_per_vcpu == expected
    assert conditional is None or conditional == expected


def plugin_exit(id, udata):
    num_cpus = qemu_plugin_num_vcpus()
    assert num_cpus == max_cpu_index + 1
    for i in range(num_cpus):
        c = {name: qemu_plugin_u64_get(u64[name], i) for name in CPUCount.names}
        qemu_plugin_outs(
            f"cpu {i}: tb ({c['count_tb']}, {c['count_tb_inline']}, {c['tb_cond_num_trigger']} * "
            f"{COND_TRIGGER_LIMIT} + {c['tb_cond_track_count']}) | "
            f"insn ({c['count_insn']}, {c['count_insn_inline']}, {c['insn_cond_num_trigger']} * "
            f"{COND_TRIGGER_LIMIT} + {c['insn_cond_track_count']}) | "
            f"mem ({c['count_mem']}, {c['count_mem_inline']})\n")
        for what in ("tb", "insn"):
            assert c[f"count_{what}"] == c[f"count_{what}_inline"]
            assert c[f"{what}_cond_num_trigger"] == c[f"count_{what}"] // COND_TRIGGER_LIMIT
            assert c[f"{what}_cond_track_count"] == c[f"count_{what}"] % COND_TRIGGER_LIMIT
        assert c["count_mem"] == c["count_mem_inline"]

    stats("tb", global_count_tb, "conditional cb")
    stats("insn", global_count_insn, "cond cb")
    stats("mem", global_count_mem)
    qemu_plugin_scoreboard_free(counts)
    qemu_plugin_scoreboard_free(data)


def vcpu_tb_exec(cpu_index, udata):
    global global_count_tb, max_cpu_index
    qemu_plugin_u64_add(u64["count_tb"], cpu_index, 1)
    assert qemu_plugin_u64_get(u64["data_tb"], cpu_index) == udata
    with lock:
        max_cpu_index = max(max_cpu_index, cpu_index)
        global_count_tb += 1


def vcpu_tb_cond_exec(cpu_index, udata):
    assert qemu_plugin_u64_get(u64["tb_cond_track_count"], cpu_index) == COND_TRIGGER_LIMIT
    assert qemu_plugin_u64_get(u64["data_tb"], cpu_index) == udata
    qemu_plugin_u64_set(u64["tb_cond_track_count"], cpu_index, 0)
    qemu_plugin_u64_add(u64["tb_cond_num_trigger"], cpu_index, 1)


def vcpu_insn_cond_exec(cpu_index, udata):
    assert qemu_plugin_u64_get(u64["insn_cond_track_count"], cpu_index) == COND_TRIGGER_LIMIT
    assert qemu_plugin_u64_get(u64["data_insn"], cpu_index) == udata
    qemu_plugin_u64_set(u64["insn_cond_track_count"], cpu_index, 0)
    qemu_plugin_u64_add(u64["insn_cond_num_trigger"], cpu_index, 1)


def vcpu_insn_exec(cpu_index, udata):
    global global_count_insn
    qemu_plugin_u64_add(u64["count_insn"], cpu_index, 1)
    assert qemu_plugin_u64_get(u64["data_insn"], cpu_index) == udata
    with lock:
        global_count_insn += 1


def vcpu_mem_access(cpu_index, info, vaddr, udata):
    global global_count_mem
    qemu_plugin_u64_add(u64["count_mem"], cpu_index, 1)
    assert qemu_plugin_u64_get(u64["data_mem"], cpu_index) == udata
    with lock:
        global_count_mem += 1


def vcpu_tb_trans(id, tb):
    # QEMU stores pointers to its block and instruction objects; their guest
    # addresses tell them apart as well, and are the same in every run, so
    # the compiled blocks are too (and come from the disk cache next time).
    tb_store = qemu_plugin_tb_vaddr(tb)
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_STORE_U64,
                                                      u64["data_tb"], tb_store)
    qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, tb_store)
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                                      u64["count_tb_inline"], 1)
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64,
                                                      u64["tb_cond_track_count"], 1)
    qemu_plugin_register_vcpu_tb_exec_cond_cb(tb, vcpu_tb_cond_exec, QEMU_PLUGIN_CB_NO_REGS,
                                              QEMU_PLUGIN_COND_EQ, u64["tb_cond_track_count"],
                                              COND_TRIGGER_LIMIT, tb_store)
    for idx in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, idx)
        insn_store = qemu_plugin_insn_vaddr(insn)
        mem_store = insn_store + 0xFF
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64,
                                                            u64["data_insn"], insn_store)
        qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec, QEMU_PLUGIN_CB_NO_REGS, insn_store)
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                            u64["count_insn_inline"], 1)
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                            u64["insn_cond_track_count"], 1)
        qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, vcpu_insn_cond_exec, QEMU_PLUGIN_CB_NO_REGS,
                                                    QEMU_PLUGIN_COND_EQ, u64["insn_cond_track_count"],
                                                    COND_TRIGGER_LIMIT, insn_store)
        qemu_plugin_register_vcpu_mem_inline_per_vcpu(insn, QEMU_PLUGIN_MEM_RW, QEMU_PLUGIN_INLINE_STORE_U64,
                                                      u64["data_mem"], mem_store)
        qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem_access, QEMU_PLUGIN_CB_NO_REGS,
                                         QEMU_PLUGIN_MEM_RW, mem_store)
        qemu_plugin_register_vcpu_mem_inline_per_vcpu(insn, QEMU_PLUGIN_MEM_RW,
                                                      QEMU_PLUGIN_INLINE_ADD_U64, u64["count_mem_inline"], 1)


def qemu_plugin_install(id, info, args):
    global counts, data
    counts = qemu_plugin_scoreboard_new(CPUCount)
    data = qemu_plugin_scoreboard_new(CPUData)
    for score, struct in ((counts, CPUCount), (data, CPUData)):
        for name in struct.names:
            u64[name] = qemu_plugin_scoreboard_u64_in_struct(score, name)
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
