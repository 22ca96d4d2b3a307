"""insntrace: every executed instruction's pc, to PREFIX.<vcpu>.npy (or .parquet).

    -plugin insntrace[,outfile=PREFIX][,format=npy|parquet][,capacity=N]

Built on llemu's bulk tracing: compiled code appends the records, this
plugin writes them out batch by batch. numpy.load(path, mmap_mode="r")
reads a trace of any size.
"""
from __future__ import annotations

import sys

from plugin_api.tracefile import parse_args, writer_for
from plugin_api import *

writers = {}
opts = {}
trace = None


def on_batch(vcpu, records):
    if vcpu not in writers:
        writers[vcpu] = writer_for(f"{opts['outfile']}.{vcpu}.{opts['format']}", records.dtype, opts["format"])
    writers[vcpu].write(records)


def tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        llemu_register_trace_insn(qemu_plugin_tb_get_insn(tb, i), trace)


def done(id, _):
    for vcpu, w in sorted(writers.items()):
        w.close()
        qemu_plugin_outs(f"vcpu {vcpu}: {w.count} instructions in {opts['outfile']}.{vcpu}.{opts['format']}\n")


def qemu_plugin_install(id, info, args):
    global trace
    try:
        opts.update(parse_args(args, "insntrace"))
    except ValueError as e:
        print(e, file=sys.stderr)
        return -1
    trace = llemu_trace_buffer_new(id, "insn", on_batch, opts["capacity"])
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
    qemu_plugin_register_atexit_cb(id, done, None)
    return 0
