"""QEMU's contrib plugins hotblocks, hotpages, howvec, execlog, cache, cflow,
drcov and bbv (contrib_plugins/), each against a small assembly guest
(tests/guest/asm/pa_*.S) whose right answer is known: the output lines
have QEMU's format and the numbers in them are the ones the program's
design gives.  Addresses come from the guests' ELF symbols."""
from __future__ import annotations

import re
import struct

import pytest
from elftools.elf.elffile import ELFFile

import difftest

PLUGIN_ERROR = "could not load plugin"


def symbols(guest: str) -> dict[str, int]:
    with open(difftest.BIN_DIR / guest, "rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        return {s.name: s["st_value"] for s in table.iter_symbols() if s.name}


def run(tmp_path, guest: str, plugin: str, *args: str) -> str:
    """Run the guest with the plugin; its output (qemu_plugin_outs), from the -D log."""
    log = tmp_path / "plugin.log"
    r = difftest.run_llemu(guest, args, extra_opts=["-plugin", plugin, "-D", str(log)])
    assert r.status == 0, r.stderr.decode()
    return log.read_text() if log.exists() else ""


# ---- hotblocks ----------------------------------------------------------------------

@pytest.mark.parametrize("inline", ["off", "on"])
def test_hotblocks_counts_the_loop(tmp_path, inline):
    sym = symbols("pa_loop")
    out = run(tmp_path, "pa_loop", f"hotblocks,inline={inline}").splitlines()
    assert out[:3] == ["collected 3 entries in the hash table",
                       "pc, tcount, icount, ecount",
                       f"0x{sym['loop']:016x}, 1, 2, 1000"]
    assert sorted(out[3:]) == sorted([f"0x{sym['_start']:016x}, 1, 2, 1",
                                      f"0x{sym['done']:016x}, 1, 3, 1"])


# ---- hotpages -----------------------------------------------------------------------

def pa_pages_counts(page_size: int) -> dict[int, list[int]]:
    """Page -> [reads, writes]: page k of `pages` gets 16 - 2k loads, k + 1 stores."""
    base = symbols("pa_pages")["pages"]
    counts: dict[int, list[int]] = {}
    for k in range(8):
        c = counts.setdefault((base + k * 4096) & ~(page_size - 1), [0, 0])
        c[0] += 16 - 2 * k
        c[1] += k + 1
    return counts


@pytest.mark.parametrize("args, page_size, key", [
    ("", 4096, lambda p, rw: rw[0] + rw[1]),
    (",sortby=reads", 4096, lambda p, rw: rw[0]),
    (",sortby=writes,pagesize=8192", 8192, lambda p, rw: rw[1]),
    (",sortby=address", 4096, lambda p, rw: p),
])
def test_hotpages(tmp_path, args, page_size, key):
    out = run(tmp_path, "pa_pages", "hotpages" + args).splitlines()
    counts = pa_pages_counts(page_size)
    order = sorted(counts, key=lambda p: key(p, counts[p]), reverse=True)
    assert out == ["Addr, RCPUs, Reads, WCPUs, Writes"] + [
        f"0x{p:016x}, 0x0001, {counts[p][0]}, 0x0001, {counts[p][1]}" for p in order]


def test_hotpages_io_counts_nothing_in_user_mode(tmp_path):
    assert run(tmp_path, "pa_pages", "hotpages,io=on") == "Addr, RCPUs, Reads, WCPUs, Writes\n"


# ---- howvec -------------------------------------------------------------------------

# pa_mix: a 16-instruction loop body run 100 times, and the rest once.
PA_MIX_CLASSES = [
    ("System", 1), ("CSR Access", 1), ("C Load", 1), ("C Store", 1), ("C Load (sp)", 1),
    ("C Store (sp)", 1), ("C FP Load/Store", 1), ("C Branch", 1), ("C Jump", 2), ("C ALU", 4),
    ("Load", 100), ("Store", 100), ("FP Load/Store", 200), ("Atomic", 100), ("Fence", 1),
    ("Mul/Div", 200), ("Integer ALU", 305), ("Upper Immediate", 102), ("FP Fused Mul-Add", 100),
    ("FP Convert/Move", 100), ("FP Compare", 100), ("FP Arith", 100), ("Branch", 100), ("Jump", 0),
]


def class_line(name: str, hits) -> str:
    tail = f"({hits} hits)" if isinstance(hits, int) else hits
    return f"Class: {name:<24}\t{tail}"


@pytest.mark.parametrize("inline", ["off", "on"])
def test_howvec_classes(tmp_path, inline):
    out = run(tmp_path, "pa_mix", f"howvec,inline={inline}").splitlines()
    assert out == ["Instruction Classes:"] + [class_line(n, c) for n, c in PA_MIX_CLASSES if c] + [
        class_line("Unclassified", "counted individually")]


def test_howvec_count_options(tmp_path):
    out = run(tmp_path, "pa_mix", "howvec,verbose=on,count=muldiv,count=!fp").splitlines()
    expect = {"Mul/Div": "counted individually", "FP Arith": "not counted"}
    classes = [class_line(n, expect.get(n, c)) for n, c in PA_MIX_CLASSES]    # verbose: zeros too
    assert out[:len(classes) + 2] == ["Instruction Classes:"] + classes + [
        class_line("Unclassified", "counted individually")]
    assert out[len(classes) + 2] == "Individual Instructions:"
    assert sorted(out[len(classes) + 3:]) == [
        f"Instr: {'divu t3, t0, s1':<24}\t(100 hits)\t(op=0x0292de33/Mul/Div)",
        f"Instr: {'mul t2, t0, s1':<24}\t(100 hits)\t(op=0x029283b3/Mul/Div)"]


# ---- execlog ------------------------------------------------------------------------

# pa_mem, instruction by instruction ("word" is at 0x11360).
PA_MEM_LOG = [
    '0, 0x10144, 0x1517, "auipc a0, 1"',
    '0, 0x10148, 0x21c50513, "addi a0, a0, 0x21c"',
    '0, 0x1014c, 0x2a00293, "addi t0, zero, 0x2a"',
    '0, 0x10150, 0x553023, "sd t0, 0(a0)", store, 0x00011360',
    '0, 0x10154, 0x53303, "ld t1, 0(a0)", load, 0x00011360',
    '0, 0x10158, 0x5533af, "amoadd.d t2, t0, (a0)", load, 0x00011360, store, 0x00011360',
    '0, 0x1015c, 0x4501, "c.li a0, 0"',
    '0, 0x1015e, 0x5d00893, "addi a7, zero, 0x5d"',
    '0, 0x10162, 0x73, "ecall"',
]


def test_execlog_lines(tmp_path):
    assert symbols("pa_mem")["word"] == 0x11360
    assert run(tmp_path, "pa_mem", "execlog").splitlines() == PA_MEM_LOG


def test_execlog_register_changes(tmp_path):
    out = run(tmp_path, "pa_mem", "execlog,reg=t*,reg=a0").splitlines()
    changes = ["a0 -> 0x0000000000011144", "a0 -> 0x0000000000011360", "t0 -> 0x000000000000002a",
               None, "t1 -> 0x000000000000002a", "t2 -> 0x000000000000002a",
               "a0 -> 0x0000000000000000", None, None]    # the last line is never checked
    assert out == [line + (f", {c}" if c else "") for line, c in zip(PA_MEM_LOG, changes)]


@pytest.mark.parametrize("args, lines", [
    ("ifilter=amo,ifilter=ecall", [5, 8]),      # disassembly prefixes
    ("afilter=0x10150,afilter=10154", [3, 4]),  # addresses, in hex with or without 0x
])
def test_execlog_filters(tmp_path, args, lines):
    assert run(tmp_path, "pa_mem", f"execlog,{args}").splitlines() == [PA_MEM_LOG[i] for i in lines]


def test_execlog_rdisas_checks_after_instructions_naming_the_register(tmp_path):
    # t2 is checked only after amoadd.d (which names it), so that line shows it.
    out = run(tmp_path, "pa_mem", "execlog,reg=t2,rdisas=on").splitlines()
    assert out == PA_MEM_LOG[:5] + [PA_MEM_LOG[5] + ", t2 -> 0x000000000000002a"] + PA_MEM_LOG[6:]


def test_execlog_filtered_line_gets_register_changes_from_next_instruction(tmp_path):
    # addi t0 is logged; the unlogged sd after it checks t0 and writes its line.
    out = run(tmp_path, "pa_mem", "execlog,afilter=0x1014c,reg=t0").splitlines()
    assert out == [PA_MEM_LOG[2] + ", t0 -> 0x000000000000002a"]


# ---- cache --------------------------------------------------------------------------

STATS_HEADER = ("core #, data accesses, data misses, dmiss rate, insn accesses, insn misses, "
                "imiss rate")


def stats_row(label, da, dm, ia, im, l2a=0, l2m=0) -> str:
    def rate(m, a):
        return m / a * 100 if a else 0.0
    row = f"{label:<8}{da:<14} {dm:<12} {rate(dm, da):9.4f}%  {ia:<14} {im:<12} {rate(im, ia):9.4f}%"
    if l2a and l2m:
        row += f"  {l2a:<12} {l2m:<11} {rate(l2m, l2a):10.4f}%"
    return row


def top_table(out: list[str], title: str) -> dict[int, tuple[int, str]]:
    """Lines of one "address, <title>, instruction" table: address -> (misses, rest)."""
    start = out.index(f"address, {title}, instruction") + 1
    rows = {}
    for line in out[start:]:
        if not line:
            break
        m = re.fullmatch(r"0x([0-9a-f]+)( \(\w+\))?, (\d+), (.+)", line)
        assert m, line
        rows[int(m[1], 16)] = (int(m[3]), m[2] or "")
    return rows


def sweep_load(sym) -> int:
    return sym["sweep"] + 6         # sweep: c.mv, add, then the ld


# Instructions run by pa_cache (its comments count them): "fits" 7 + 2 + 771
# + 1 + 771 + 1 + 3, "streams" 5 + 2 + 3075 + 1 + 3075 + 1 + 3.  The code
# spans two 64-byte blocks (0x10140 and 0x10180): two fetch misses.
@pytest.mark.parametrize("args, sweeps, insns", [((), 512, 1556), (("x",), 2048, 6162)])
def test_cache_l1(tmp_path, args, sweeps, insns):
    sym = symbols("pa_cache")
    out = run(tmp_path, "pa_cache", "cache", *args).splitlines()
    # 16 KiB fits the 32 KiB dcache: the second sweep hits; 64 KiB does not: all miss.
    misses = sweeps // 2 if sweeps == 512 else sweeps
    assert out[:3] == [STATS_HEADER, stats_row(0, 1 + sweeps, 1 + misses, insns, 2), ""]
    data = top_table(out, "data misses")
    assert data[sweep_load(sym)] == (misses, " (sweep)")
    assert data[sym["_start"]] == (1, " (_start)")         # the load of argc
    assert sum(m for m, _ in data.values()) == 1 + misses
    fetch = top_table(out, "fetch misses")
    assert sum(m for m, _ in fetch.values()) == 2
    assert "address, L2 misses, instruction" not in out


def test_cache_l2(tmp_path):
    sym = symbols("pa_cache")
    out = run(tmp_path, "pa_cache", "cache,l2=on", "x").splitlines()
    # L1 misses go to L2 (2049 data, 2 fetch); 64 KiB fits L2: the second sweep hits.
    assert out[:3] == [STATS_HEADER + ", l2 accesses, l2 misses, l2 miss rate",
                       stats_row(0, 2049, 2049, 6162, 2, 2051, 1027), ""]
    l2 = top_table(out, "L2 misses")
    assert l2[sweep_load(sym)] == (1024, " (sweep)")
    assert l2[sym["_start"]] == (2, " (_start)")            # its fetch and its load of argc


@pytest.mark.parametrize("policy, misses", [("lru", 4), ("fifo", 5)])
def test_cache_eviction_policy(tmp_path, policy, misses):
    # One set of two blocks; argc's block S, then A B A C A: LRU keeps A, FIFO evicts it.
    sym = symbols("pa_cache")
    out = run(tmp_path, "pa_cache", f"cache,dcachesize=128,dassoc=2,evict={policy}",
              "x", "y").splitlines()
    assert out[1] == stats_row(0, 6, misses, 15, 2)
    data = top_table(out, "data misses")
    loads = [sym["policy"] + 4 * i for i in range(5)]
    assert [data[a][0] for a in loads] == [1, 1, 0, 1, misses - 4]


def test_cache_random_eviction_and_cores(tmp_path):
    out = run(tmp_path, "pa_cache", "cache,dcachesize=128,dassoc=2,evict=rand,cores=2,limit=3",
              "x", "y").splitlines()
    m = re.fullmatch(r"0       6 +(\d) .*", out[1])
    assert m and 4 <= int(m[1]) <= 6        # S A B miss; A and C may
    dmisses = int(m[1])
    assert out[2:5] == [stats_row(1, 0, 0, 0, 0), stats_row("sum", 6, dmisses, 15, 2), ""]
    assert len(top_table(out, "data misses")) == 3


# ---- cflow --------------------------------------------------------------------------

def pa_branch_nodes(sym) -> dict[str, list[str]]:
    """The branch nodes of pa_branch, each as its report lines."""
    ret, blt, beqz = sym["func"] + 2, sym["next"] + 2, sym["loop"] + 4
    call_odd, j_next, call_even = beqz + 4, beqz + 8, sym["even"]
    return {
        "ret": [f"  addr: 0x{ret:x} func: c.jr ra (branch)", "    branches 10",
                f"      to 0x{sym['next']:x} (5)", f"      to 0x{j_next:x} (5)"],
        "blt": [f"  addr: 0x{blt:x} _start: blt s0, s1, -0x14 (branch)", "    branches 9",
                f"      to 0x{sym['loop']:x} (9)"],
        "beqz": [f"  addr: 0x{beqz:x} _start: beqz t0, 0xa (branch)", "    branches 5",
                 f"      to 0x{sym['even']:x} (5)"],
        "call_odd": [f"  addr: 0x{call_odd:x} _start: jal 0x1a (branch)", "    branches 5",
                     f"      to 0x{sym['func']:x} (5)"],
        "j_next": [f"  addr: 0x{j_next:x} _start: c.j 6 (branch)", "    branches 5",
                   f"      to 0x{sym['next']:x} (5)"],
        "call_even": [f"  addr: 0x{call_even:x} _start: jal 0x14 (branch)", "    branches 5",
                      f"      to 0x{sym['func']:x} (5)"],
    }


def split_nodes(out: list[str]) -> list[list[str]]:
    nodes: list[list[str]] = []
    for line in out:
        if line.startswith("  addr: "):
            nodes.append([])
        nodes[-1].append(line)
    return nodes


@pytest.mark.parametrize("sort, first", [("hottest", ["ret", "blt"]), ("exceptions", ["ret"])])
def test_cflow_branches(tmp_path, sort, first):
    nodes = pa_branch_nodes(symbols("pa_branch"))
    out = run(tmp_path, "pa_branch", f"cflow,sort={sort}").splitlines()
    # Every translated instruction is a node: 12 in _start, 2 in func.
    assert out[0] == "collected 14 control flow nodes in the hash table"
    got = split_nodes(out[1:])
    assert got[:len(first)] == [nodes[n] for n in first]
    assert sorted(got) == sorted(nodes.values())


def test_cflow_early_exits(tmp_path):
    sym = symbols("pa_fault")
    out = run(tmp_path, "pa_fault", "cflow,sort=early").splitlines()
    # The load faults 3 times in the middle of its block; the handler runs next.
    assert split_nodes(out[1:])[0] == [
        f"  addr: 0x{sym['loop'] + 8:x} _start: ld t2, 0(t1) (sync fault)",
        "    early exits 3", "    branches 3", f"      to 0x{sym['handler']:x} (3)"]


# ---- drcov --------------------------------------------------------------------------

def test_drcov_file(tmp_path):
    trace = tmp_path / "pa_loop.drcov"
    run(tmp_path, "pa_loop", f"drcov,filename={trace}")
    with open(difftest.BIN_DIR / "pa_loop", "rb") as f:
        elf = ELFFile(f)
        loads = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        base = min(s["p_vaddr"] for s in loads)
        end = max(s["p_vaddr"] + s["p_filesz"] for s in loads if s["p_flags"] & 1)
        entry = elf["e_entry"]
    sym = symbols("pa_loop")
    data = trace.read_bytes()
    header, _, rest = data.partition(b"BB Table: ")
    lines = header.decode().split("\n")
    assert lines[:4] == ["DRCOV VERSION: 2", "DRCOV FLAVOR: drcov-64",
                         "Module Table: version 2, count 1", "Columns: id, base, end, entry, path"]
    assert re.fullmatch(rf"0, 0x{base:x}, 0x{end:x}, 0x{entry:x}, /\S+/pa_loop", lines[4])
    assert lines[5:] == [""]
    count, _, table = rest.partition(b" bbs\n")
    assert count == b"3" and len(table) == 3 * 8
    # uint32 offset from the module base, uint16 size in bytes, uint16 module id
    blocks = sorted(struct.iter_unpack("<IHH", table))
    assert blocks == [(sym["_start"] - base, 6, 0), (sym["loop"] - base, 6, 0),
                      (sym["done"] - base, 10, 0)]


# ---- bbv ----------------------------------------------------------------------------

def pa_loop_bbv(interval: int) -> list[str]:
    """The lines QEMU's algorithm writes for pa_loop: blocks _start (2 insns,
    id 1), loop (2, id 2) 1000 times, done (3, id 3); each block adds its
    length, then closes the interval if the count reached it."""
    lines, count, bbs = [], 0, {}
    for bb, n in [(1, 2)] + [(2, 2)] * 1000 + [(3, 3)]:
        count += n
        bbs[bb] = bbs.get(bb, 0) + n
        if count >= interval:
            count -= interval
            lines.append("T" + "".join(f":{i}:{c} " for i, c in sorted(bbs.items())))
            bbs = {}
    return lines


@pytest.mark.parametrize("interval", [100, 7, 2005, 2006])
def test_bbv(tmp_path, interval):
    out = tmp_path / "bbv"
    run(tmp_path, "pa_loop", f"bbv,interval={interval},outfile={out}")
    assert (tmp_path / "bbv.0.bb").read_text().splitlines() == pa_loop_bbv(interval)


def test_bbv_lines_hold_interval_instructions(tmp_path):
    # Each line: one interval, plus what the line before carried over (less
    # than a block), minus what it carries over; all lines with the last,
    # unwritten interval: every instruction pa_loop ran.
    run(tmp_path, "pa_loop", f"bbv,interval=7,outfile={tmp_path / 'bbv'}")
    carried = 0
    lines = (tmp_path / "bbv.0.bb").read_text().splitlines()
    for line in lines:
        assert re.fullmatch(r"T(:\d+:\d+ )+", line)
        carried += sum(int(c) for c in re.findall(r":\d+:(\d+) ", line)) - 7
        assert 0 <= carried < 3
    assert 0 <= 2005 - 7 * len(lines) < 7


# ---- arguments ----------------------------------------------------------------------

@pytest.mark.parametrize("plugin, message", [
    ("hotblocks,inline=maybe", "boolean argument parsing failed: inline=maybe"),
    ("hotblocks,limit=5", "option parsing failed: limit=5"),
    ("hotpages,sortby=size", "invalid value to sortby: size"),
    ("howvec,verbose=2", "boolean argument parsing failed: verbose=2"),
    ("execlog,rdisas=x", "boolean argument parsing failed: rdisas=x"),
    ("cache,evict=mru", "invalid eviction policy: evict=mru"),
    ("cache,dcachesize=1000", ("dcache cannot be constructed from given parameters\n"
                               "cache size must be divisible by block size")),
    ("cache,iassoc=3", ("icache cannot be constructed from given parameters\n"
                        "cache size must be divisible by set size (assoc * block size)")),
    ("cflow,sort=coldest", "failed to parse: coldest"),
    ("bbv,interval=100", "outfile unspecified"),
    ("bbv,outfile=/tmp/x,interval=0", "unexpected non-positive value: interval=0"),
])
def test_bad_arguments(plugin, message):
    r = difftest.run_llemu("pa_loop", extra_opts=["-plugin", plugin])
    err = r.stderr.decode()
    assert r.status == 1 and err.startswith(message + "\n") and PLUGIN_ERROR in err, err
