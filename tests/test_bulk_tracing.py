"""Bulk tracing (llemu's extension): insntrace and memtrace write every
instruction / access, exactly as many as QEMU counts, readable by numpy."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import difftest


def trace(tmp_path, plugin: str, guest: str, *opts: str) -> difftest.Result:
    spec = ",".join([plugin, f"outfile={tmp_path / plugin}", *opts])
    r = difftest.run_llemu(guest, extra_opts=("-plugin", spec))
    assert r.status == difftest.load_expectation(guest).status, r.stderr.decode()
    return r


@pytest.mark.parametrize("guest", ["plug_loop", "atomics", "hello"])
def test_insntrace_has_every_instruction(tmp_path, guest):
    r = trace(tmp_path, "insntrace", guest, "capacity=1000")
    pcs = np.load(tmp_path / "insntrace.0.npy", mmap_mode="r")["pc"]
    assert len(pcs) == difftest.load_expectation(guest).insns
    assert f"vcpu 0: {len(pcs)} instructions" in r.stderr.decode()


@pytest.mark.parametrize("guest", ["plug_mem", "atomics", "hello"])
def test_memtrace_has_every_access(tmp_path, guest):
    trace(tmp_path, "memtrace", guest, "capacity=333")
    rec = np.load(tmp_path / "memtrace.0.npy", mmap_mode="r")
    assert len(rec) == difftest.load_expectation(guest).mems
    assert set(np.unique(rec["size"])) <= {1, 2, 4, 8}
    assert set(np.unique(rec["store"])) == {0, 1}


def test_memtrace_values_and_track(tmp_path):
    """Stores only: each record's value is what a load of the same address reads next."""
    trace(tmp_path, "memtrace", "plug_mem", "track=w")
    stores = np.load(tmp_path / "memtrace.0.npy")
    assert len(stores) and stores["store"].all()
    trace(tmp_path, "memtrace", "plug_mem")
    both = np.load(tmp_path / "memtrace.0.npy")
    last = {}
    for a, v, size, store in zip(both["addr"], both["value"], both["size"], both["store"]):
        if store:
            last[(int(a), int(size))] = int(v)
        elif (int(a), int(size)) in last:
            assert int(v) == last[(int(a), int(size))]


def test_parquet_or_a_clear_error(tmp_path):
    if importlib.util.find_spec("pyarrow") is None:
        r = difftest.run_llemu("hello", extra_opts=("-plugin", f"memtrace,format=parquet,outfile={tmp_path}/m"))
        assert r.status == 1 and b"format=parquet needs pyarrow" in r.stderr
        return
    import pyarrow.parquet as pq
    trace(tmp_path, "memtrace", "hello", "format=parquet")
    table = pq.read_table(tmp_path / "memtrace.0.parquet")
    assert table.num_rows == difftest.load_expectation("hello").mems
    assert table.column_names == ["addr", "value", "size", "store", "sign"]


def test_bad_arguments(tmp_path):
    r = difftest.run_llemu("hello", extra_opts=("-plugin", "memtrace,capacity=zero"))
    assert r.status == 1 and b"option parsing failed: capacity=zero" in r.stderr
