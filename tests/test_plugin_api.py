"""Every public function of plugin_api, each exercised by a small plugin run
under llemu on a guest whose behaviour is known.

The plugins are Python sources written to temporary files; their output
(qemu_plugin_outs, on stderr) is checked line by line. The guests are the
plug_* programs of tests/guest (written for these tests: see their
comments) and a few of the general guest programs. The last test checks
that every function of plugin_api.__all__ appears in a plugin here.
"""
from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import difftest
import plugin_api

HEADER = "from plugin_api import *\n"
SOURCES: list[str] = []     # every plugin of this file, for test_every_function_is_exercised


def plugin(source: str) -> str:
    """A plugin's source (dedented, with the import every plugin makes)."""
    text = HEADER + textwrap.dedent(source)
    SOURCES.append(text)
    return text


def run(tmp_path: Path, guest: str, *plugins, args=(), stdin=b"", sysroot=None) -> difftest.Result:
    """Run `guest` (a tests/guest/bin program) with plugins: sources (written to
    tmp_path as p0.py, p1.py... or (name, source) pairs) or -plugin specs."""
    opts = []
    for i, p in enumerate(plugins):
        if isinstance(p, tuple) or "\n" in p:
            name, source = p if isinstance(p, tuple) else (f"p{i}", p)
            path = tmp_path / f"{name}.py"
            path.write_text(source)
            p = str(path)
        opts += ["-plugin", p]
    return difftest.run_llemu(guest, args, sysroot=sysroot, extra_opts=opts, stdin=stdin)


def lines(r: difftest.Result) -> list[str]:
    return r.stderr.decode().splitlines()


def values(r: difftest.Result, key: str) -> list[str]:
    """The rest of each output line that starts with `key `."""
    return [ln[len(key) + 1:] for ln in lines(r) if ln.startswith(key + " ")]


def symbol(guest: str, name: str) -> int:
    with open(difftest.BIN_DIR / guest, "rb") as f:
        sym = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)
        return sym[0]["st_value"]


def stdout_values(r: difftest.Result) -> dict[str, int]:
    """name=<hex> lines of the assembly guests."""
    return {m[1]: int(m[2], 16) for m in re.finditer(r"^(\w+)=([0-9a-f]{16})", r.stdout.decode(), re.M)}


# ---- registers and callback flags -------------------------------------------------

FLAGS = plugin('''
    TARGET = bytes.fromhex("93843400")      # addi s1, s1, 3: runs 1000 times
    regs = {}
    hits = 0

    def reg(name):
        return int.from_bytes(qemu_plugin_read_register(regs[name]), "little")

    def no_regs(vcpu, vaddr):
        if hits == 0:
            qemu_plugin_outs(f"no_regs {qemu_plugin_read_register(regs['s1'])} "
                             f"{qemu_plugin_write_register(regs['s1'], bytes(8))}\\n")
            qemu_plugin_set_pc(0)           # not allowed here: returns, changes nothing

    def r_regs(vcpu, vaddr):
        global hits
        hits += 1
        if hits <= 3:
            qemu_plugin_outs(f"r_regs s0={reg('fp')} s1={reg('s1')} pc_is_insn={reg('pc') == vaddr} "
                             f"write={qemu_plugin_write_register(regs['s1'], bytes(8))}\\n")

    def rw_regs(vcpu, vaddr):
        if hits == 1:
            s1 = qemu_plugin_write_register(regs["s1"], (reg("s1") + 100).to_bytes(8, "little"))
            pc = qemu_plugin_write_register(regs["pc"], bytes(8))
            zero = qemu_plugin_write_register(regs["zero"], (5).to_bytes(8, "little"))
            qemu_plugin_outs(f"rw_regs s1={s1} pc={pc} zero={zero}\\n")

    def rw_regs_pc(vcpu, vaddr):
        if reg("fp") == 500:                # gdb's name for s0
            qemu_plugin_outs("skip\\n")
            qemu_plugin_set_pc(vaddr + 4)   # the 501st addi does not run

    FLAGS = ((no_regs, QEMU_PLUGIN_CB_NO_REGS), (r_regs, QEMU_PLUGIN_CB_R_REGS),
             (rw_regs, QEMU_PLUGIN_CB_RW_REGS), (rw_regs_pc, QEMU_PLUGIN_CB_RW_REGS_PC))

    def tb_trans(id, tb):
        for i in range(qemu_plugin_tb_n_insns(tb)):
            insn = qemu_plugin_tb_get_insn(tb, i)
            if qemu_plugin_insn_data(insn) == TARGET:
                for cb, flags in FLAGS:
                    qemu_plugin_register_vcpu_insn_exec_cb(insn, cb, flags, qemu_plugin_insn_vaddr(insn))

    def qemu_plugin_install(id, info, args):
        for r in qemu_plugin_get_registers():
            regs[r.name] = r.handle
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        return 0
''')


def test_callback_flags(tmp_path):
    """NO_REGS: no register access and no set_pc; R_REGS: the exact values
    mid-block, pc included, but no writes; RW_REGS: writes that the guest
    sees (not pc nor zero); RW_REGS_PC: set_pc skips an instruction."""
    r = run(tmp_path, "plug_loop", FLAGS)
    assert r.status == 0, r.stderr
    assert values(r, "no_regs") == ["None False"]
    assert values(r, "r_regs") == ["s0=1000 s1=0 pc_is_insn=True write=False",
                                   "s0=999 s1=103 pc_is_insn=True write=False",
                                   "s0=998 s1=106 pc_is_insn=True write=False"]
    assert values(r, "rw_regs") == ["s1=True pc=False zero=False"]
    assert lines(r).count("skip") == 1
    assert stdout_values(r) == {"sum": 3000 + 100 - 3}


REGS = plugin('''
    NAMES = "a0 a1 a2 a3 a4 a5 a6 a7 s2 s11 ft0 frm fflags fcsr zero pc".split()
    regs = {}
    flushes = 0

    def show(what):
        qemu_plugin_outs(what + " " + " ".join(
            f"{n}={int.from_bytes(qemu_plugin_read_register(regs[n].handle), 'little'):#x}"
            for n in NAMES) + "\\n")

    def probe(vcpu, _):
        show("probe")
        qemu_plugin_write_register(regs["a2"].handle, (0x4242).to_bytes(8, "little"))

    def skip(vcpu, vaddr):
        qemu_plugin_set_pc(vaddr + 4)

    def round_up(vcpu, _):
        fp = {n: int.from_bytes(qemu_plugin_read_register(regs[n].handle), "little")
              for n in ("fflags", "frm", "fcsr")}
        qemu_plugin_outs(f"fp {fp}\\n")
        qemu_plugin_write_register(regs["frm"].handle, (3).to_bytes(4, "little"))

    def tb_trans(id, tb):
        for i in range(qemu_plugin_tb_n_insns(tb)):
            insn = qemu_plugin_tb_get_insn(tb, i)
            sym = qemu_plugin_insn_symbol(insn)
            if qemu_plugin_insn_disas(insn) == "fdiv.d ft4, ft1, ft2":
                qemu_plugin_register_vcpu_insn_exec_cb(insn, round_up, QEMU_PLUGIN_CB_RW_REGS, None)
            if sym == "reg_probe":
                qemu_plugin_register_vcpu_insn_exec_cb(insn, probe, QEMU_PLUGIN_CB_RW_REGS, None)
            elif sym == "reg_skip" and qemu_plugin_insn_disas(insn) == "addi a3, zero, 7":
                qemu_plugin_register_vcpu_insn_exec_cb(insn, skip, QEMU_PLUGIN_CB_RW_REGS_PC,
                                                       qemu_plugin_insn_vaddr(insn))

    def init(id, vcpu):
        qemu_plugin_outs(f"init {vcpu} {len(qemu_plugin_read_register(regs['pc'].handle))}\\n")

    def flush(id):
        global flushes
        flushes += 1

    def at_exit(id, userdata):
        qemu_plugin_outs(f"flushes {flushes} {userdata}\\n")

    def qemu_plugin_install(id, info, args):
        descs = qemu_plugin_get_registers()
        for d in descs:
            regs[d.name] = d
        qemu_plugin_outs("names " + " ".join(d.name for d in descs) + "\\n")
        qemu_plugin_outs("readonly " + " ".join(d.name for d in descs if d.is_readonly) + "\\n")
        qemu_plugin_outs("features " + " ".join(sorted({d.feature for d in descs})) + "\\n")
        qemu_plugin_register_vcpu_init_cb(id, init)
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        qemu_plugin_register_flush_cb(id, flush)
        qemu_plugin_register_atexit_cb(id, at_exit, "bye")
        return 0
''')


def test_registers(tmp_path):
    """Descriptors named as gdb names them; values of integer, FP and CSR
    registers, fflags with the flags the host FPU has not handed over yet;
    writes the guest sees (a2; frm, used by the next instruction of the
    same block); set_pc skipping `li a3, 7`; the fence.i flush; registers
    readable at vcpu init; atexit's userdata."""
    r = run(tmp_path, "plug_regs", REGS)
    assert r.status == 0, r.stderr
    x = "zero ra sp gp tp t0 t1 t2 fp s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6"
    f = ("ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 fs0 fs1 fa0 fa1 fa2 fa3 fa4 fa5 fa6 fa7 "
         "fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 ft8 ft9 ft10 ft11")
    assert values(r, "names") == [f"{x} pc {f} fflags frm fcsr"]
    assert values(r, "readonly") == ["zero pc"]
    assert values(r, "features") == ["org.gnu.gdb.riscv.cpu org.gnu.gdb.riscv.fpu"]
    assert values(r, "init") == ["0 8"]
    assert values(r, "fp") == ["{'fflags': 1, 'frm': 2, 'fcsr': 65}"]      # NX, rdn
    assert values(r, "probe") == [
        "a0=0x1010 a1=0x1011 a2=0x1012 a3=0x1013 a4=0x1014 a5=0x1015 a6=0x1016 a7=0x1017 "
        f"s2=0x1022 s11=0x1031 ft0=0x3ff8000000000000 frm=0x3 fflags=0x1 fcsr=0x61 zero=0x0 "
        f"pc={symbol('plug_regs', 'reg_probe'):#x}"]
    assert stdout_values(r) == {"div": 0x3FD5555555555556, "frm": 3, "a2": 0x4242, "a3": 0x1013}
    flushes, userdata = values(r, "flushes")[0].split()
    assert int(flushes) >= 1 and userdata == "bye"


# ---- inline operations, conditional callbacks, scoreboards ------------------------------------

INLINE = plugin('''
    import numpy as np

    TARGET = bytes.fromhex("93843400")      # addi s1, s1, 3: runs 1000 times
    CONDS = {"NEVER": QEMU_PLUGIN_COND_NEVER, "ALWAYS": QEMU_PLUGIN_COND_ALWAYS,
             "EQ": QEMU_PLUGIN_COND_EQ, "NE": QEMU_PLUGIN_COND_NE, "LT": QEMU_PLUGIN_COND_LT,
             "LE": QEMU_PLUGIN_COND_LE, "GT": QEMU_PLUGIN_COND_GT, "GE": QEMU_PLUGIN_COND_GE}
    # A struct per vCPU, with a field that is not a u64 between the counters.
    Counts = np.dtype([("insn", np.uint64), ("tag", "S8"), ("last", np.uint64), ("tb", np.uint64)])
    fired = {}

    def on_cond(vcpu, key):
        fired[key] = fired.get(key, 0) + 1

    def tb_trans(id, tb):
        insns = [qemu_plugin_tb_get_insn(tb, i) for i in range(qemu_plugin_tb_n_insns(tb))]
        target = [i for i in insns if qemu_plugin_insn_data(i) == TARGET]
        if not target:
            return
        insn = target[0]
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64, insn_count, 1)
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_STORE_U64, last, 7)
        for name, cond in CONDS.items():
            qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, on_cond, QEMU_PLUGIN_CB_NO_REGS, cond,
                                                        insn_count, 500, name)
        # Conditions compare as unsigned: -1 is the largest u64.
        qemu_plugin_register_vcpu_insn_exec_cond_cb(insn, on_cond, QEMU_PLUGIN_CB_NO_REGS,
                                                    QEMU_PLUGIN_COND_LT, insn_count, -1, "LT-1")
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, tb_count, 1)
        qemu_plugin_register_vcpu_tb_exec_cond_cb(tb, on_cond, QEMU_PLUGIN_CB_NO_REGS,
                                                  QEMU_PLUGIN_COND_GE, tb_count, 2, "TB-GE")
        qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_ADD_U64, plain_u64, 2)

    def at_exit(id, _):
        qemu_plugin_outs(" ".join(f"{k}={v}" for k, v in sorted(fired.items())) + "\\n")
        element = qemu_plugin_scoreboard_find(counts, 0)[0]
        qemu_plugin_outs(f"struct insn={element['insn']} tag={element['tag'].decode()} "
                         f"last={element['last']} tb={element['tb']}\\n")
        qemu_plugin_outs(f"u64 get={qemu_plugin_u64_get(insn_count, 0)} "
                         f"sum={qemu_plugin_u64_sum(insn_count)} "
                         f"tb={qemu_plugin_u64_sum(tb_count)} plain={qemu_plugin_u64_get(plain_u64, 0)}\\n")
        qemu_plugin_u64_set(last, 0, 5)
        qemu_plugin_u64_add(last, 0, 10)
        element = qemu_plugin_scoreboard_find(counts, 0)[0]
        qemu_plugin_outs(f"set+add {qemu_plugin_u64_get(last, 0)} {element['last']}\\n")
        qemu_plugin_scoreboard_free(counts)

    def qemu_plugin_install(id, info, args):
        global counts, insn_count, last, tb_count, plain_u64
        counts = qemu_plugin_scoreboard_new(Counts)
        qemu_plugin_scoreboard_find(counts, 0)[0]["tag"] = b"vcpu0"
        insn_count = qemu_plugin_scoreboard_u64_in_struct(counts, "insn")
        last = qemu_plugin_scoreboard_u64_in_struct(counts, "last")
        tb_count = qemu_plugin_scoreboard_u64_in_struct(counts, 24)     # by byte offset
        plain_u64 = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        qemu_plugin_register_atexit_cb(id, at_exit, None)
        return 0
''')


def test_inline_ops_and_conditional_callbacks(tmp_path):
    """Inline ADD and STORE on members of a numpy-struct scoreboard, found by
    name and by offset; a conditional callback per condition, as unsigned
    `entry <cond> imm` with the count of executions so far (1..1000)."""
    r = run(tmp_path, "plug_loop", INLINE)
    assert r.status == 0, r.stderr
    want = {"ALWAYS": 1000, "EQ": 1, "NE": 999, "LT": 499, "LE": 500, "GT": 500, "GE": 501,
            "LT-1": 1000, "TB-GE": 999}
    assert lines(r)[0] == " ".join(f"{k}={v}" for k, v in sorted(want.items()))     # NEVER never fires
    assert values(r, "struct") == ["insn=1000 tag=vcpu0 last=7 tb=1000"]
    assert values(r, "u64") == ["get=1000 sum=1000 tb=1000 plain=2000"]
    assert values(r, "set+add") == ["15 15"]


# ---- memory accesses --------------------------------------------------------------------------

MEM = plugin('''
    def access(vcpu, info, vaddr, insn_vaddr):
        value = qemu_plugin_mem_get_value(info)
        sign = "signed" if qemu_plugin_mem_is_sign_extended(info) else "unsigned"
        kind = "store" if qemu_plugin_mem_is_store(info) else "load"
        hw = qemu_plugin_get_hwaddr(info, vaddr)
        assert not qemu_plugin_mem_is_big_endian(info)
        qemu_plugin_outs(f"access {1 << qemu_plugin_mem_size_shift(info)} {kind} {sign} "
                         f"{value.type.name} {value.data:x} +{vaddr - buf} "
                         f"hw={hw} io={qemu_plugin_hwaddr_is_io(hw)} "
                         f"phys={qemu_plugin_hwaddr_phys_addr(hw)} "
                         f"dev={qemu_plugin_hwaddr_device_name(hw)}\\n")
        if qemu_plugin_mem_is_store(info) and vaddr == buf and value.data == 1:
            # The last access (sc.d): the guest then prints buf's first dword.
            qemu_plugin_outs(f"read {qemu_plugin_read_memory_vaddr(buf, 8).hex()}\\n")
            qemu_plugin_outs(f"write {qemu_plugin_write_memory_vaddr(buf, (0x2A).to_bytes(8, 'little'))}\\n")
            qemu_plugin_outs(f"bad {qemu_plugin_read_memory_vaddr(0, 8)} "
                             f"{qemu_plugin_read_memory_vaddr(buf, 0)} "
                             f"{qemu_plugin_write_memory_vaddr(0, b'x')}\\n")

    def tb_trans(id, tb):
        for i in range(qemu_plugin_tb_n_insns(tb)):
            insn = qemu_plugin_tb_get_insn(tb, i)
            if qemu_plugin_insn_symbol(insn) == "probe":
                qemu_plugin_register_vcpu_mem_cb(insn, access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                                 qemu_plugin_insn_vaddr(insn))
                qemu_plugin_register_vcpu_mem_inline_per_vcpu(insn, QEMU_PLUGIN_MEM_R,
                                                              QEMU_PLUGIN_INLINE_ADD_U64, reads, 1)
                qemu_plugin_register_vcpu_mem_inline_per_vcpu(insn, QEMU_PLUGIN_MEM_W,
                                                              QEMU_PLUGIN_INLINE_ADD_U64, writes, 1)

    def at_exit(id, _):
        qemu_plugin_outs(f"inline reads={qemu_plugin_u64_sum(reads)} writes={qemu_plugin_u64_sum(writes)}\\n")

    def qemu_plugin_install(id, info, args):
        global buf, reads, writes
        buf = int(args[0], 16)
        reads = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
        writes = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        qemu_plugin_register_atexit_cb(id, at_exit, None)
        return 0
''')


def test_memory_callbacks(tmp_path):
    """Every size and sign of access, loads and stores, with their values
    (mem_get_value) and QEMU's user-mode answers for host addresses; guest
    memory read and written from a callback; R-only and W-only inline ops."""
    source = tmp_path / "mem.py"
    source.write_text(MEM)
    r = run(tmp_path, "plug_mem", f"{source},{symbol('plug_mem', 'buf'):x}")
    assert r.status == 0, r.stderr
    user_mode = "hw=None io=False phys=0 dev=Invalid"
    u8, u16, u32, u64 = (f"QEMU_PLUGIN_MEM_VALUE_U{n}" for n in (8, 16, 32, 64))
    assert values(r, "access") == [f"{a} {user_mode}" for a in [
        f"8 store unsigned {u64} 8899aabbccddeeff +0", f"4 store unsigned {u32} ccddeeff +8",
        f"2 store unsigned {u16} eeff +12", f"1 store unsigned {u8} ff +14",
        f"8 load signed {u64} 8899aabbccddeeff +0", f"4 load signed {u32} ccddeeff +8",
        f"4 load unsigned {u32} ccddeeff +8", f"2 load signed {u16} eeff +12",
        f"2 load unsigned {u16} eeff +12", f"1 load signed {u8} ff +14", f"1 load unsigned {u8} ff +14",
        f"8 load unsigned {u64} 8899aabbccddeeff +0", f"4 load unsigned {u32} ccddeeff +8",
        f"8 store unsigned {u64} 8899aabbccddeeff +16", f"4 store unsigned {u32} ccddeeff +24",
        # amoadd.w (signed, as QEMU's MO_TESL), amoadd.d, lr.d, sc.d
        f"4 load signed {u32} ccddeeff +8", f"4 store signed {u32} ccddef00 +8",
        f"8 load unsigned {u64} 8899aabbccddeeff +0", f"8 store unsigned {u64} 8899aabbccddef00 +0",
        f"8 load unsigned {u64} 8899aabbccddef00 +0",
        f"8 load unsigned {u64} 8899aabbccddef00 +0", f"8 store unsigned {u64} 1 +0"]]
    assert values(r, "read") == ["0100000000000000"]
    assert values(r, "write") == ["True"]
    assert values(r, "bad") == ["False False False"]
    assert values(r, "inline") == ["reads=13 writes=9"]
    assert stdout_values(r)["buf0"] == 0x2A


# ---- syscalls -----------------------------------------------------------------------------------

SYSCALLS = plugin('''
    calls, rets = {}, []
    events = []

    def on_syscall(id, vcpu, num, a1, a2, a3, a4, a5, a6, a7, a8):
        calls[num] = calls.get(num, 0) + 1
        if num == 57:
            qemu_plugin_outs(f"close args {a1} {a2}\\n")
        if num == 172 and calls[num] == 2:
            # Resume after the ecall (the pc already points there): the
            # syscall is abandoned, no return callback.
            pc = next(r.handle for r in qemu_plugin_get_registers() if r.name == "pc")
            qemu_plugin_set_pc(int.from_bytes(qemu_plugin_read_register(pc), "little"))

    def on_ret(id, vcpu, num, ret):
        rets.append(f"{num}:{ret}")

    def on_filter(id, vcpu, num, a1, a2, a3, a4, a5, a6, a7, a8):
        if num == 64 and qemu_plugin_read_memory_vaddr(a2, a3) == b"two\\n":
            return True, a3             # as if written
        return False

    def on_idle(id, vcpu):
        events.append("idle")

    def on_resume(id, vcpu):
        events.append("resume")

    def at_exit(id, _):
        qemu_plugin_outs("calls " + " ".join(f"{k}:{v}" for k, v in sorted(calls.items())) + "\\n")
        qemu_plugin_outs("rets " + " ".join(rets) + "\\n")
        qemu_plugin_outs("events " + " ".join(events) + "\\n")

    def qemu_plugin_install(id, info, args):
        qemu_plugin_register_vcpu_syscall_cb(id, on_syscall)
        qemu_plugin_register_vcpu_syscall_ret_cb(id, on_ret)
        qemu_plugin_register_vcpu_syscall_filter_cb(id, on_filter)
        qemu_plugin_register_vcpu_idle_cb(id, on_idle)
        qemu_plugin_register_vcpu_resume_cb(id, on_resume)
        qemu_plugin_register_atexit_cb(id, at_exit, None)
        return 0
''')


def test_syscall_callbacks_and_filter(tmp_path):
    """Syscall numbers, arguments and results (signed); a filter that skips
    the write of "two"; set_pc in a syscall callback abandons the syscall;
    idle and resume around the one blocking call."""
    r = run(tmp_path, "plug_sys", SYSCALLS)
    assert r.status == 0, r.stderr
    assert r.stdout.decode().splitlines() == ["one", "three", "magic=ffffffffffffffda"]
    assert values(r, "calls") == ["57:2 64:4 93:1 101:1 172:5 2048:1"]
    assert values(r, "close") == ["args 18446744073709551615 0"] * 2
    rets = values(r, "rets")[0].split()
    assert rets[:3] == ["64:4", "64:4", "64:6"]
    assert [x.split(":")[0] for x in rets[3:7]] == ["172"] * 4
    assert rets[7:] == ["57:-9", "57:-9", "101:0", "2048:-38", "64:23"]
    assert values(r, "events") == ["idle resume"]


# ---- translation-time queries and process information ----------------------------------------

QUERIES = plugin('''
    import ctypes

    seen = set()

    def tb_trans(id, tb):
        n = qemu_plugin_tb_n_insns(tb)
        first = qemu_plugin_tb_get_insn(tb, 0)
        assert qemu_plugin_tb_vaddr(tb) == qemu_plugin_insn_vaddr(first)
        assert qemu_plugin_tb_get_insn(tb, n) is None and qemu_plugin_tb_get_insn(tb, -1) is None
        for i in range(n):
            insn = qemu_plugin_tb_get_insn(tb, i)
            data = qemu_plugin_insn_data(insn)
            size = qemu_plugin_insn_size(insn)
            assert len(data) == size in (2, 4)
            # The host address holds the same bytes.
            assert ctypes.string_at(qemu_plugin_insn_haddr(insn), size) == data
            dest = bytearray(8)
            assert qemu_plugin_insn_data(insn, dest, 1) == 1 and dest[:2] == bytes([data[0], 0])
            sym = qemu_plugin_insn_symbol(insn)
            if sym == "main" and "main" not in seen:
                seen.add("main")
                qemu_plugin_outs(f"main {qemu_plugin_insn_vaddr(insn):#x} {qemu_plugin_insn_disas(insn)}\\n")

    def qemu_plugin_install(id, info, args):
        qemu_plugin_outs(f"info {info.target_name} {info.version.min} {info.version.cur} "
                         f"{info.system_emulation} args={args}\\n")
        qemu_plugin_outs(f"binary {qemu_plugin_path_to_binary()}\\n")
        qemu_plugin_outs(f"code {qemu_plugin_start_code():#x} {qemu_plugin_end_code():#x} "
                         f"{qemu_plugin_entry_code():#x}\\n")
        handle = qemu_plugin_request_time_control()
        qemu_plugin_update_ns(handle, 10**9)
        qemu_plugin_update_ns(object(), 10**9)      # not the controller: ignored, as in QEMU
        qemu_plugin_outs(f"time {handle is not None}\\n")
        qemu_plugin_outs("bool " + " ".join(
            str(qemu_plugin_bool_parse("opt", v))
            for v in ("on", "yes", "true", "y", "off", "no", "false", "n", "ON", "2", None)) + "\\n")
        qemu_plugin_outs(f"hwaddr_rw {qemu_plugin_read_memory_hwaddr(0, 4)[0].name} "
                         f"{qemu_plugin_write_memory_hwaddr(0, b'x').name} "
                         f"{qemu_plugin_translate_vaddr(0x10000)}\\n")
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        return 0
''')


def test_translation_queries_and_process_info(tmp_path):
    """tb and insn queries on every block of a static glibc program (main's
    first instruction found by symbol); the binary's path and code bounds;
    time control granted to the first plugin only; bool_parse; the system-mode
    functions' user-mode answers."""
    source = tmp_path / "queries.py"
    source.write_text(QUERIES)
    r = run(tmp_path, "hello", f"{source},a=1,b", str(source))
    assert r.status == 0, r.stderr
    assert values(r, "info") == ["riscv64 2 6 False args=['a=1', 'b']", "riscv64 2 6 False args=[]"]
    staged = difftest.stage(difftest.BIN_DIR / "hello")
    assert values(r, "binary") == [str(staged)] * 2
    with open(staged, "rb") as f:
        elf = ELFFile(f)
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        text = [s for s in loads if s["p_flags"] & 1]
        code = (f"{min(s['p_vaddr'] for s in loads):#x} "
                f"{max(s['p_vaddr'] + s['p_filesz'] for s in text):#x} {elf['e_entry']:#x}")
    assert values(r, "code") == [code] * 2
    assert values(r, "time") == ["True", "False"]
    parsed = "(True, True) " * 4 + "(True, False) " * 4 + "(False, False) (False, False) (False, False)"
    assert values(r, "bool") == [parsed] * 2
    assert values(r, "hwaddr_rw") == ["QEMU_PLUGIN_HWADDR_OPERATION_ERROR QEMU_PLUGIN_HWADDR_OPERATION_ERROR "
                                      "(False, 0)"] * 2
    main = symbol("hello", "main")
    assert [v.split()[0] for v in values(r, "main")] == [f"{main:#x}"] * 2


# ---- discontinuities, vCPUs -----------------------------------------------------------------------

DISCON = plugin('''
    def on_all(id, vcpu, kind, from_pc, to_pc):
        qemu_plugin_outs(f"all {kind.name} {to_pc:#x}\\n")

    def on_exceptions(id, vcpu, kind, from_pc, to_pc):
        qemu_plugin_outs(f"exception {from_pc:#x} {to_pc:#x}\\n")

    def qemu_plugin_install(id, info, args):
        qemu_plugin_register_vcpu_discon_cb(id, QEMU_PLUGIN_DISCON_ALL, on_all)
        qemu_plugin_register_vcpu_discon_cb(id, QEMU_PLUGIN_DISCON_EXCEPTION, on_exceptions)
        return 0
''')


def test_discontinuities_on_signal_handlers(tmp_path):
    """signals (tests/guest/c/signals.c) enters a handler 8 times for
    raise/kill/timer signals (INTERRUPT) and 3 times for a fault: SIGSEGV,
    SIGILL (to `fault`) and SIGTRAP (to `skip_ebreak`) (EXCEPTION); a
    callback registered for EXCEPTION only sees those."""
    r = run(tmp_path, "signals", DISCON)
    assert r.status == -6 and r.stdout == difftest.load_expectation("signals").stdout
    kinds = [v.split()[0] for v in values(r, "all")]
    assert kinds.count("QEMU_PLUGIN_DISCON_INTERRUPT") == 8
    assert kinds.count("QEMU_PLUGIN_DISCON_EXCEPTION") == 3 and len(kinds) == 11
    fault, skip = symbol("signals", "fault"), symbol("signals", "skip_ebreak")
    assert [v.split()[1] for v in values(r, "exception")] == [f"{fault:#x}", f"{fault:#x}", f"{skip:#x}"]


VCPUS = plugin('''
    inits, exits, views = [], [], []

    def on_init(id, vcpu):
        inits.append(vcpu)
        seen = []
        qemu_plugin_vcpu_for_each(id, lambda id, v: seen.append(v))
        views.append(vcpu in seen and len(seen) <= qemu_plugin_num_vcpus())

    def on_exit(id, vcpu):
        exits.append(vcpu)

    def at_exit(id, _):
        qemu_plugin_outs(f"inits {len(inits)} exits {len(exits)} same {sorted(inits) == sorted(exits)} "
                         f"views {all(views)} num_is_max {qemu_plugin_num_vcpus() == max(inits) + 1}\\n")

    def qemu_plugin_install(id, info, args):
        qemu_plugin_register_vcpu_init_cb(id, on_init)
        qemu_plugin_register_vcpu_exit_cb(id, on_exit)
        qemu_plugin_register_atexit_cb(id, at_exit, None)
        return 0
''')


def test_vcpus_of_threads(tmp_path):
    """threads: the main vCPU and 4 workers, each with init and exit
    callbacks; vcpu_for_each sees the new one; num_vcpus is one more than
    the highest index (an index may be reused once its thread is gone)."""
    r = run(tmp_path, "threads", VCPUS)
    assert r.status == 0, r.stderr
    assert values(r, "inits") == ["5 exits 5 same True views True num_is_max True"]


# ---- reset and uninstall -----------------------------------------------------------------------

RESET = plugin('''
    executions = requests = after = 0
    done = False

    def on_exec(vcpu, _):
        global executions, requests, after
        executions += 1
        if done:
            after += 1
        elif executions >= 10:
            requests += 1
            qemu_plugin_reset(plugin_id, after_reset)

    def after_reset(id):
        global done
        done = True
        qemu_plugin_outs(f"reset at {executions} after {requests} requests\\n")
        qemu_plugin_register_atexit_cb(id, at_exit, "again")

    def at_exit(id, userdata):
        qemu_plugin_outs(f"executions after reset {after}, atexit {userdata}\\n")

    def tb_trans(id, tb):
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, None)

    def qemu_plugin_install(id, info, args):
        global plugin_id
        plugin_id = id
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        qemu_plugin_register_atexit_cb(id, at_exit, "first")     # dropped by the reset
        return 0
''')

UNINSTALL = plugin('''
    executions = 0
    gone = False

    def on_exec(vcpu, _):
        global executions
        if gone:
            qemu_plugin_outs("callback after uninstall\\n")
        executions += 1
        if executions == 10:
            qemu_plugin_uninstall(plugin_id, lambda id: qemu_plugin_outs(f"uninstalled {id}\\n"))

    def after_uninstall(id):
        global gone
        gone = True

    def tb_trans(id, tb):
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, None)

    def qemu_plugin_install(id, info, args):
        global plugin_id
        plugin_id = id
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        qemu_plugin_register_atexit_cb(
            id, lambda id, _: qemu_plugin_outs("atexit of an uninstalled plugin\\n"))
        return 0
''')


def test_reset_and_uninstall(tmp_path):
    """Both are asynchronous: callbacks may ask again before they are done
    (one `cb` call all the same), none runs afterwards, and the reset drops
    the atexit callback too (the plugin registers a new one); an uninstalled
    plugin's atexit never runs."""
    r = run(tmp_path, "plug_loop", RESET, UNINSTALL)
    assert r.status == 0 and stdout_values(r) == {"sum": 3000}
    reset_at, = values(r, "reset")
    assert re.fullmatch(r"at \d+ after \d+ requests", reset_at)
    assert values(r, "executions") == ["after reset 0, atexit again"]
    assert values(r, "uninstalled") == ["1"]
    assert "callback after uninstall" not in lines(r) and "atexit of an uninstalled plugin" not in lines(r)


# ---- errors ----------------------------------------------------------------------------------

GOOD = plugin('''
    def qemu_plugin_install(id, info, args):
        qemu_plugin_register_atexit_cb(id, lambda id, _: qemu_plugin_outs("good atexit\\n"))
        return 0
''')

RAISES = plugin('''
    def on_exec(vcpu, _):
        raise ValueError("kaboom")

    def tb_trans(id, tb):
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, None)

    def qemu_plugin_install(id, info, args):
        qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
        return 0
''')


def error_lines(r: difftest.Result) -> list[str]:
    return [ln for ln in lines(r) if ln.startswith("llemu-riscv64:")]


def test_a_raising_plugin_stops_the_guest(tmp_path):
    r = run(tmp_path, "plug_loop", ("good", GOOD), ("boom", RAISES))
    assert r.status == 1 and r.stdout == b""
    assert error_lines(r) == ["llemu-riscv64: plugin boom: ValueError: kaboom"]
    assert "Traceback" not in r.stderr.decode()
    assert "good atexit" in lines(r)


@pytest.mark.parametrize("source, message", [
    ("def qemu_plugin_install(id, info, args):\n    return -1\n", "qemu_plugin_install returned -1"),
    ("def qemu_plugin_install(id, info, args):\n    raise KeyError('x')\n", "plugin bad: KeyError: 'x'"),
    ("qemu_plugin_version = 1\ndef qemu_plugin_install(id, info, args):\n    return 0\n",
     "plugin API version 1 (llemu supports 2..6)"),
    ("def install(id, info, args):\n    return 0\n", "no qemu_plugin_install"),
    ("def qemu_plugin_install(id, info, args)\n", "SyntaxError"),
    (None, "no such file or bundled plugin"),
])
def test_plugins_that_do_not_load(tmp_path, source, message):
    path = tmp_path / "bad.py"
    if source is not None:
        path.write_text(plugin(source))
    r = run(tmp_path, "plug_loop", str(path))
    assert r.status == 1 and r.stdout == b""
    err, = error_lines(r)
    assert message in err, err


def test_an_exit_callback_that_raises(tmp_path):
    bad_exit = plugin('''
        def qemu_plugin_install(id, info, args):
            qemu_plugin_register_atexit_cb(id, lambda id, _: 1 / 0)
            return 0
    ''')
    r = run(tmp_path, "plug_loop", ("zero", bad_exit), ("good", GOOD))
    assert r.status == 1 and stdout_values(r) == {"sum": 3000}
    assert error_lines(r) == ["llemu-riscv64: plugin zero: ZeroDivisionError: division by zero"]
    assert "good atexit" in lines(r)


# ---- bulk tracing (llemu's extension) ---------------------------------------------------

TRACER = plugin('''
    import numpy as np
    seen = {"insn": [], "mem": []}

    def qemu_plugin_install(id, info, args):
        insns = llemu_trace_buffer_new(id, "insn", lambda v, r: seen["insn"].append(r.copy()), 100)
        stores = llemu_trace_buffer_new(id, "mem", lambda v, r: seen["mem"].append(r.copy()), 64)

        def trans(id, tb):
            for i in range(qemu_plugin_tb_n_insns(tb)):
                insn = qemu_plugin_tb_get_insn(tb, i)
                llemu_register_trace_insn(insn, insns)
                llemu_register_trace_mem(insn, stores, QEMU_PLUGIN_MEM_W)

        def done(id, _):
            llemu_trace_flush(insns)            # what the last, partial batch holds
            pcs = np.concatenate(seen["insn"])["pc"]
            mem = np.concatenate(seen["mem"])
            qemu_plugin_outs(f"traced {len(pcs)} full-batches {len(seen['insn']) - 1} "
                             f"stores {len(mem)} all-stores {bool(mem['store'].all())} "
                             f"first-pc {pcs[0]:#x} sizes {sorted(set(mem['size'].tolist()))}\\n")
        qemu_plugin_register_vcpu_tb_trans_cb(id, trans)
        qemu_plugin_register_atexit_cb(id, done, None)
        return 0
''')


def test_bulk_tracing_records_every_instruction_and_store(tmp_path):
    r = run(tmp_path, "plug_loop", TRACER)
    want = difftest.load_expectation("plug_loop")
    stores = run(tmp_path, "plug_loop", "mem,track=w,inline=on")
    n_stores = int(re.search(r"mem accesses: (\d+)", stores.stderr.decode())[1])
    got = values(r, "traced")[0].split()
    assert int(got[0]) == want.insns                      # one record per instruction, in batches of 100
    assert int(got[2]) == (want.insns - 1) // 100
    assert int(got[4]) == n_stores and got[6] == "True"
    with open(difftest.BIN_DIR / "plug_loop", "rb") as f:
        entry = ELFFile(f)["e_entry"]
    assert int(got[8], 16) == entry


# ---- coverage of the API ------------------------------------------------------------------------

def test_every_function_is_exercised():
    functions = [n for n in plugin_api.__all__ if inspect.isfunction(getattr(plugin_api, n))]
    assert len(functions) >= 60
    text = "".join(SOURCES)
    missing = [n for n in functions if not re.search(rf"\b{n}\(", text)]
    assert missing == []
