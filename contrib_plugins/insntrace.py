"""insntrace: every executed instruction's pc, to PREFIX.<vcpu>.npy (or .parquet).

    -plugin insntrace[,outfile=PREFIX][,format=npy|parquet][,capacity=N]

Built on llemu's bulk tracing: compiled code appends the records, this
plugin writes them out batch by batch. numpy.load(path, mmap_mode="r")
reads a trace of any size.
"""
from __future__ import annotations

import sys

from plugin_api import *
from plugin_api.tracefile import PerVcpuFiles, parse_args

files: PerVcpuFiles | None = None
trace = None


def tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        llemu_register_trace_insn(qemu_plugin_tb_get_insn(tb, i), trace)


def done(id, _):
    for vcpu, count, path in files.close():
        qemu_plugin_outs(f"vcpu {vcpu}: {count} instructions in {path}\n")


def qemu_plugin_install(id, info, args):
    global files, trace
    try:
        opts = parse_args(args, "insntrace")
    except ValueError as e:
        print(e, file=sys.stderr)
        return -1
    files = PerVcpuFiles(opts)
    trace = llemu_trace_buffer_new(id, "insn", files.on_batch, opts["capacity"])
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
    qemu_plugin_register_atexit_cb(id, done, None)
    return 0
