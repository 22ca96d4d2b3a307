"""Writing trace records as they arrive (for plugins on bulk tracing): .npy, or Parquet with pyarrow.

Shared by the insntrace and memtrace plugins. A .npy file is written as
the batches come, with a fixed-size header that is rewritten at the end
with the final record count, so a trace bigger than memory can be written
and read back with numpy.load(path, mmap_mode="r").
"""
from __future__ import annotations

import numpy as np

HEADER_SIZE = 256           # magic, version, header length and the padded dict (64-aligned)


class NpyWriter:
    def __init__(self, path: str, dtype: np.dtype):
        self.path, self.dtype, self.count = path, dtype, 0
        self.file = open(path, "wb")
        self.file.write(self._header())

    def _header(self) -> bytes:
        fields = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": (self.count,)}
        text = repr(fields).encode("latin1")
        pad = HEADER_SIZE - 10 - len(text) - 1
        if pad < 0:
            raise ValueError("record type too large for the fixed .npy header")
        return b"\x93NUMPY\x01\x00" + (HEADER_SIZE - 10).to_bytes(2, "little") + text + b" " * pad + b"\n"

    def write(self, records: np.ndarray) -> None:
        records.tofile(self.file)
        self.count += len(records)

    def close(self) -> None:
        self.file.seek(0)
        self.file.write(self._header())
        self.file.close()


class ParquetWriter:
    def __init__(self, path: str, dtype: np.dtype):
        import pyarrow as pa
        import pyarrow.parquet as pq
        self.names = [n for n in dtype.names if not dtype.fields[n][0].kind == "V"]
        self.pa = pa
        self.schema = pa.schema([(n, pa.from_numpy_dtype(dtype.fields[n][0])) for n in self.names])
        self.writer = pq.ParquetWriter(path, self.schema)
        self.count = 0

    def write(self, records: np.ndarray) -> None:
        columns = [self.pa.array(np.ascontiguousarray(records[n])) for n in self.names]
        self.writer.write_table(self.pa.Table.from_arrays(columns, schema=self.schema))
        self.count += len(records)

    def close(self) -> None:
        self.writer.close()


def writer_for(path: str, dtype: np.dtype, fmt: str):
    if fmt == "parquet":
        return ParquetWriter(path, dtype)
    return NpyWriter(path, dtype)


def parse_args(args: list[str], default_name: str) -> dict:
    """outfile=PREFIX (files PREFIX.<vcpu>.npy|parquet), format=npy|parquet, capacity=N."""
    opts = {"outfile": default_name, "format": "npy", "capacity": 1 << 16}
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "outfile" and value:
            opts["outfile"] = value
        elif name == "format" and value in ("npy", "parquet"):
            opts["format"] = value
        elif name == "capacity" and value.isdigit() and int(value) > 0:
            opts["capacity"] = int(value)
        else:
            raise ValueError(f"option parsing failed: {opt}")
    if opts["format"] == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ValueError("format=parquet needs pyarrow (pip install 'llemu[parquet]')") from None
    return opts


class PerVcpuFiles:
    """One output file per vCPU, made when its first batch arrives: the
    on_batch of a trace buffer that writes everything out."""

    def __init__(self, opts: dict):
        self.opts = opts
        self.writers: dict[int, object] = {}

    def path(self, vcpu: int) -> str:
        return f"{self.opts['outfile']}.{vcpu}.{self.opts['format']}"

    def on_batch(self, vcpu: int, records) -> None:
        if vcpu not in self.writers:
            self.writers[vcpu] = writer_for(self.path(vcpu), records.dtype, self.opts["format"])
        self.writers[vcpu].write(records)

    def close(self) -> list[tuple[int, int, str]]:
        """Finish the files; (vcpu, records, path) of each."""
        done = []
        for vcpu, w in sorted(self.writers.items()):
            w.close()
            done.append((vcpu, w.count, self.path(vcpu)))
        return done
