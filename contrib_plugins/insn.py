"""QEMU's tests/tcg/plugins/insn.c: count executed instructions.

Arguments: inline=on|off (inline ops instead of callbacks), sizes=on|off
(report how many translated instructions have each length instead),
match=PREFIX (repeatable: count instructions whose disassembly starts with
PREFIX, and the instructions between two matches), trace=on|off (a line
per matched execution).
At exit: "cpu <n> insns: N" per vCPU and "total insns: N" (or
"len <n> bytes: N insns"), then for each match "Match: PREFIX, hits N" and
"  <vaddr>: <disas> (hits N)" per matched instruction.
"""
import sys
import threading
from dataclasses import dataclass

import numpy as np

from plugin_api import *

MatchCount = np.dtype([("hits", np.uint64), ("last_hit", np.uint64), ("total_delta", np.uint64)])


@dataclass
class Match:
    match_string: str
    counts: object              # scoreboard of MatchCount


@dataclass
class Instruction:
    match: Match
    vaddr: int
    disas: str
    hits: int = 0


insn_count = None
do_inline = do_size = do_trace = False
sizes: dict[int, int] = {}
matches: list[Match] = []
match_insn_records: dict[str, Instruction] = {}
match_hash_lock = threading.Lock()


def get_insn_record(disas, vaddr, m):
    """One record per matched instruction, however often it is translated."""
    key = f"{vaddr:x} {disas}"
    with match_hash_lock:
        record = match_insn_records.get(key)
        if record is None:
            record = match_insn_records[key] = Instruction(m, vaddr, disas)
            qemu_plugin_outs(f"Created record for: {key}\n")
    return record


def vcpu_init(id, vcpu_index):
    """Every register must be readable from a vCPU event."""
    for rd in qemu_plugin_get_registers():
        assert len(qemu_plugin_read_register(rd.handle)) > 0


def vcpu_insn_exec_before(cpu_index, udata):
    qemu_plugin_u64_add(insn_count, cpu_index, 1)


def vcpu_insn_matched_exec_before(cpu_index, insn):
    match = qemu_plugin_scoreboard_find(insn.match.counts, cpu_index)[0]
    insn.hits += 1
    icount = qemu_plugin_u64_get(insn_count, cpu_index)
    delta = icount - int(match["last_hit"])
    match["hits"] += 1
    match["total_delta"] += delta
    match["last_hit"] = icount
    if do_trace:
        qemu_plugin_outs(f"0x{insn.vaddr:x}, '{insn.disas}', {insn.hits} hits , cpu {cpu_index}, "
                         f"{match['hits']} match hits, Δ+{delta} since last match, "
                         f"{match['total_delta'] // match['hits']} avg insns/match\n")


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        if do_inline:
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                                insn_count, 1)
        else:
            qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec_before,
                                                   QEMU_PLUGIN_CB_NO_REGS, None)
        if do_size:
            sz = qemu_plugin_insn_size(insn)
            sizes[sz] = sizes.get(sz, 0) + 1
        # Matched instructions need their address and text when they run.
        if matches:
            disas = qemu_plugin_insn_disas(insn)
            for m in matches:
                if disas.startswith(m.match_string):
                    rec = get_insn_record(disas, qemu_plugin_insn_vaddr(insn), m)
                    qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_matched_exec_before,
                                                           QEMU_PLUGIN_CB_NO_REGS, rec)


def plugin_exit(id, p):
    if do_size:
        out = "".join(f"len {n} bytes: {sizes[n]} insns\n" for n in sorted(sizes) if sizes[n])
    else:
        out = "".join(f"cpu {i} insns: {qemu_plugin_u64_get(insn_count, i)}\n"
                      for i in range(qemu_plugin_num_vcpus()))
        out += f"total insns: {qemu_plugin_u64_sum(insn_count)}\n"
    qemu_plugin_outs(out)
    qemu_plugin_scoreboard_free(insn_count.score)
    with match_hash_lock:
        for m in matches:
            hits = qemu_plugin_u64_sum(qemu_plugin_scoreboard_u64_in_struct(m.counts, "hits"))
            qemu_plugin_outs(f"Match: {m.match_string}, hits {hits}\n")
            for record in match_insn_records.values():
                if record.match is m:
                    qemu_plugin_outs(f"  {record.vaddr:x}: {record.disas} (hits {record.hits})\n")
            qemu_plugin_scoreboard_free(m.counts)


def qemu_plugin_install(id, info, args):
    global insn_count, do_inline, do_size, do_trace
    for opt in args:
        name, _, value = opt.partition("=")
        if name in ("inline", "sizes", "trace"):
            ok, flag = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
            if name == "inline":
                do_inline = flag
            elif name == "sizes":
                do_size = flag
            else:
                do_trace = flag
        elif name == "match":
            matches.append(Match(value, qemu_plugin_scoreboard_new(MatchCount)))
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1

    insn_count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init)
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
