"""memtrace: every guest memory access (address, value, size, store, sign), to
PREFIX.<vcpu>.npy (or .parquet).

    -plugin memtrace[,outfile=PREFIX][,format=npy|parquet][,capacity=N][,track=r|w|rw]

Built on llemu's bulk tracing: compiled code appends a record after each
successful access; this plugin writes them out batch by batch.
"""
from __future__ import annotations

import sys

from plugin_api import *
from plugin_api.tracefile import PerVcpuFiles, parse_args

files: PerVcpuFiles | None = None
trace = None
rw = QEMU_PLUGIN_MEM_RW
TRACK = {"r": QEMU_PLUGIN_MEM_R, "w": QEMU_PLUGIN_MEM_W, "rw": QEMU_PLUGIN_MEM_RW}


def tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        llemu_register_trace_mem(qemu_plugin_tb_get_insn(tb, i), trace, rw)


def done(id, _):
    for vcpu, count, path in files.close():
        qemu_plugin_outs(f"vcpu {vcpu}: {count} accesses in {path}\n")


def qemu_plugin_install(id, info, args):
    global files, trace, rw
    rest = []
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "track":
            if value not in TRACK:
                print(f"invalid value for argument track: {opt}", file=sys.stderr)
                return -1
            rw = TRACK[value]
        else:
            rest.append(opt)
    try:
        opts = parse_args(rest, "memtrace")
    except ValueError as e:
        print(e, file=sys.stderr)
        return -1
    files = PerVcpuFiles(opts)
    trace = llemu_trace_buffer_new(id, "mem", files.on_batch, opts["capacity"])
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
    qemu_plugin_register_atexit_cb(id, done, None)
    return 0
