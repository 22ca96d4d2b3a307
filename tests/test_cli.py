"""The command line: QEMU's options, and one clear line (never a traceback)
with a non-zero status for every kind of bad input."""
from __future__ import annotations

import os
import shutil
import struct
import sys

import pytest

import difftest


def llemu(*args: str, **kw) -> difftest.Result:
    return difftest.run(difftest.LLEMU + list(args), **kw)


def one_error_line(r: difftest.Result) -> str:
    assert r.status != 0
    err = r.stderr.decode()
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("llemu-riscv64: ")
    return lines[0]


@pytest.fixture
def elf_files(tmp_path):
    """Files that are not RISC-V ELF64 programs."""
    text = tmp_path / "text"
    text.write_text("just text\n")
    text.chmod(0o755)
    x86 = tmp_path / "x86"
    shutil.copy(sys.executable if os.path.exists(sys.executable) else "/bin/true", x86)
    elf32 = tmp_path / "elf32"
    # ELF32 little-endian RISC-V header: class 1 is not what we run.
    elf32.write_bytes(b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 243, 1) + bytes(36))
    elf32.chmod(0o755)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    empty.chmod(0o755)
    return {"text": text, "x86": x86, "elf32": elf32, "empty": empty, "dir": tmp_path}


def test_missing_program() -> None:
    line = one_error_line(llemu("/no/such/program"))
    assert "/no/such/program" in line and "No such file or directory" in line


@pytest.mark.parametrize("kind", ["text", "empty", "dir"])
def test_not_a_program(elf_files, kind) -> None:
    line = one_error_line(llemu(str(elf_files[kind])))
    assert str(elf_files[kind]) in line


@pytest.mark.parametrize("kind", ["x86", "elf32"])
def test_wrong_architecture(elf_files, kind) -> None:
    line = one_error_line(llemu(str(elf_files[kind])))
    assert line == f"llemu-riscv64: {elf_files[kind]}: Invalid ELF image for this architecture"


@pytest.mark.parametrize("args, words", [
    (["-foo", "x"], "unknown option 'foo'"),
    ([], "no user program"),
    (["-L"], "needs an argument"),
    (["-d", "nonsense", "hello"], "unknown log item 'nonsense'"),
    (["-s", "lots", "hello"], "invalid stack size"),
    (["-D", "/no/such/dir/log", "hello"], "cannot open log file"),
])
def test_bad_options(args, words) -> None:
    r = llemu(*args)
    assert r.status == 1
    err = r.stderr.decode()
    assert "Traceback" not in err and words in err.splitlines()[0]


def test_version_and_help() -> None:
    r = llemu("-version")
    assert r.status == 0 and r.stdout.startswith(b"llemu-riscv64 version ")
    r = llemu("-h")
    assert r.status == 0 and b"usage: llemu-riscv64 [options] program" in r.stdout
    r = llemu("-d", "help")
    assert r.status == 0 and b"in_asm" in r.stdout and b"strace" in r.stdout


def test_environment_and_argv0() -> None:
    """-E/-U edit the guest's environment; -0 replaces argv[0] (the auxv guest prints both)."""
    prog = difftest.stage(difftest.BIN_DIR / "auxv")
    r = difftest.run(difftest.LLEMU + ["-E", "ALPHA=1,BETA=2", "-U", "BETA", "-0", "renamed", str(prog), "x"])
    out = r.stdout.decode()
    assert "argv[0]" in out and "renamed" in out
    assert "ALPHA=1" in out and "BETA" not in out


def test_debug_items_go_to_the_log_file(tmp_path) -> None:
    log = tmp_path / "log"
    prog = difftest.stage(difftest.BIN_DIR / "hello")
    r = llemu("-d", "in_asm,op,strace", "-D", str(log), str(prog))
    assert r.status == 0 and r.stdout == b"Hello, world!\n"
    text = log.read_text()
    assert "IN:" in text and "OP:" in text and "goto_tb" in text
    assert "write(1," in text and "exit_group(0)" in text


def test_strace_matches_qemu_shape() -> None:
    prog = difftest.stage(difftest.BIN_DIR / "hello")
    ours = llemu("-strace", str(prog)).stderr.decode().splitlines()
    theirs = difftest.run(["qemu-riscv64", "-strace", str(prog)]).stderr.decode().splitlines()
    names = lambda lines: [ln.split(" ", 1)[1].split("(")[0] for ln in lines if " " in ln and "(" in ln]
    assert names(ours) == names(theirs)


def test_out_asm_shows_host_code(tmp_path) -> None:
    log = tmp_path / "log"
    prog = difftest.stage(difftest.BIN_DIR / "rv64i")
    r = llemu("-d", "out_asm", "-D", str(log), str(prog))
    assert r.status == 0
    text = log.read_text()
    assert "OUT: [module 1]" in text and "jmpq" in text


@pytest.mark.parametrize("name", ["rv64i", "fsingle", "atomics", "printf"])
def test_one_insn_per_tb_changes_nothing_visible(name) -> None:
    guest = difftest.GUESTS[name]
    expected = difftest.run_qemu(guest.path, guest.args)
    got = difftest.run_llemu(guest.path, guest.args, extra_opts=("-one-insn-per-tb",))
    assert (got.status, got.stdout) == (expected.status, expected.stdout)


def test_perf_map_names_the_compiled_regions():
    import re
    import subprocess
    prog = difftest.stage(difftest.BIN_DIR / "hello")
    proc = subprocess.Popen(difftest.LLEMU + ["-d", "perfmap,nocache", str(prog)], env={},
                            cwd=difftest.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out == b"Hello, world!\n"
    path = f"/tmp/perf-{proc.pid}.map"
    with open(path) as f:
        lines = f.read().splitlines()
    os.unlink(path)
    assert len(lines) > 50
    for line in lines:
        assert re.fullmatch(r"[0-9a-f]+ [0-9a-f]+ guest_[0-9a-f]+_[0-9a-f]+_\d+blocks(_hot)?", line), line
