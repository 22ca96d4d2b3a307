"""Bundled plugins ported from QEMU's contrib/plugins: stoptrigger, ips, traps,
lockstep and uftrace; and the code examples of docs/PLUGINS.md, which must run.

Instruction counts come from tests/guest/expected (what QEMU counted): llemu
runs a guest through difftest, as the differential tests do, so it executes
exactly those instructions.
"""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import time

import pytest

import difftest

HELLO_INSNS = difftest.load_expectation("hello").insns

# A plugin that counts the instructions that start, inline, and prints the
# total at exit: loaded after stoptrigger, it sees what ran before the stop.
COUNTER = """
from plugin_api import *

def tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
            qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_INLINE_ADD_U64, count, 1)

def at_exit(id, p):
    qemu_plugin_outs(f"counted {qemu_plugin_u64_sum(count)}\\n")

def qemu_plugin_install(id, info, args):
    global count
    count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans)
    qemu_plugin_register_atexit_cb(id, at_exit, None)
    return 0
"""

# How long the guest ran: from its first vCPU to the end of the exit callbacks
# of the plugins loaded before this one (ips sleeps its last quantum there).
TIMER = """
import time
from plugin_api import *

def vcpu_init(id, vcpu):
    global start
    start = time.monotonic()

def at_exit(id, p):
    qemu_plugin_outs(f"elapsed {time.monotonic() - start:.3f}\\n")

def qemu_plugin_install(id, info, args):
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init)
    qemu_plugin_register_atexit_cb(id, at_exit, None)
    return 0
"""


@pytest.fixture
def counter(tmp_path):
    path = tmp_path / "counter.py"
    path.write_text(COUNTER)
    return path


def text(data: bytes) -> str:
    return data.decode(errors="replace")


def llemu_with(guest: str, *plugins, args=(), cwd=None) -> difftest.Result:
    opts = [x for p in plugins for x in ("-plugin", str(p))]
    cmd = difftest.llemu_command(guest, args, extra_opts=opts)
    if cwd is not None:          # python -m emu only works from the repository root
        cmd[:len(difftest.LLEMU)] = difftest.LLEMU_ANYWHERE
    return difftest.run(cmd, cwd=cwd)


def counted(r: difftest.Result) -> int:
    return int(re.search(r"^counted (\d+)$", text(r.stderr), re.M).group(1))


# ---- stoptrigger ------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 100, HELLO_INSNS - 1])
def test_stoptrigger_icount_runs_exactly_n_instructions(counter, n):
    r = llemu_with("hello", f"stoptrigger,icount={n}:7", counter)
    assert r.status == 7, text(r.stderr)
    assert re.search(r"^icount reached at 0x[0-9a-f]+, exiting$", text(r.stderr), re.M), text(r.stderr)
    # the exit callbacks of every plugin ran, and only N instructions did
    assert counted(r) == n
    # the last instruction of hello is its exit_group: everything else ran
    assert r.stdout == (b"Hello, world!\n" if n == HELLO_INSNS - 1 else b"")


def test_stoptrigger_icount_beyond_the_program_does_nothing(counter):
    r = llemu_with("hello", f"stoptrigger,icount={HELLO_INSNS}:7", counter)
    assert (r.status, r.stdout) == (0, b"Hello, world!\n")
    assert "icount reached" not in text(r.stderr)
    assert counted(r) == HELLO_INSNS


def test_stoptrigger_addr_stops_before_the_instruction(counter):
    from emu.loader import _func_symbols
    with open(difftest.BIN_DIR / "hello", "rb") as f:
        main = next(a for a, _, name in _func_symbols(f.fileno(), 0) if name == "main")
    r = llemu_with("hello", f"stoptrigger,addr={main:#x}:9,addr=0x10:3", counter)
    assert r.status == 9, text(r.stderr)
    assert f"\n0x{main:x} reached, exiting\n" in "\n" + text(r.stderr)
    assert r.stdout == b""                       # main never ran
    # the pc that icount names is the instruction that did not run
    before_main = counted(r)
    r = llemu_with("hello", f"stoptrigger,icount={before_main}")
    assert (r.status, text(r.stderr)) == (0, f"icount reached at 0x{main:x}, exiting\n")


@pytest.mark.parametrize("args, message", [
    ("", "'icount' or 'addr' argument missing"),
    ("icount=0", "icount parsing failed: '0' must be a positive integer"),
    ("icount=-5:1", "icount parsing failed: '-5' must be a positive integer"),
    ("count=5", "option parsing failed: count=5"),
])
def test_stoptrigger_rejects_bad_arguments(args, message):
    r = llemu_with("hello", "stoptrigger" + ("," + args if args else ""))
    assert r.status != 0 and r.stdout == b""
    assert message in text(r.stderr)


# ---- ips ----------------------------------------------------------------------------

def test_ips_throttles_to_the_rate(tmp_path):
    timer = tmp_path / "timer.py"
    timer.write_text(TIMER)
    r = llemu_with("hello", "ips,ips=5k", timer)
    assert (r.status, r.stdout) == (0, b"Hello, world!\n"), text(r.stderr)
    elapsed = float(re.search(r"^elapsed ([\d.]+)$", text(r.stderr), re.M).group(1))
    expected = HELLO_INSNS / 5000
    # sleeping can only make it slower: a loose lower bound, no upper one
    assert elapsed >= 0.7 * expected, f"{HELLO_INSNS} instructions at 5000/s took {elapsed} s"


@pytest.mark.parametrize("args, message", [
    ("ips=5x", "bad suffix: x"),
    ("ips=9", "minimum of 10 instructions per second needed"),
    ("rate=5", "option parsing failed: rate=5"),
])
def test_ips_rejects_bad_arguments(args, message):
    r = llemu_with("hello", "ips," + args)
    assert r.status != 0 and message in text(r.stderr)


# ---- traps --------------------------------------------------------------------------

def test_traps_counts_signal_deliveries():
    r = llemu_with("signals", "traps")
    assert r.status == -6                       # it ends with abort()
    # handled: SIGUSR1 x4 and SIGUSR2 x3 and SIGALRM (asynchronous), and
    # SIGSEGV, SIGILL, SIGTRAP (faults); abort's SIGABRT kills without a handler
    assert text(r.stderr) == ("VCPU, interrupts, exceptions, hostcalls\n"
                              "   0,          8,          3,          0\n")


def test_traps_reports_every_vcpu():
    r = llemu_with("threads", "traps")
    lines = text(r.stderr).splitlines()
    assert r.status == 0 and lines[0] == "VCPU, interrupts, exceptions, hostcalls"
    assert lines[1:] == [f"{i: 4d}, {0: 10d}, {0: 10d}, {0: 10d}" for i in range(len(lines) - 1)]
    assert len(lines) > 2


# ---- lockstep -------------------------------------------------------------------------

def lockstep_pair(tmp_path, guest, args_a, args_b):
    """Run two llemu processes of `guest` in lockstep: the first creates the
    socket and waits; the second starts once the socket is there."""
    sock = tmp_path / "lockstep.sock"

    def start(args):
        cmd = difftest.llemu_command(guest, args, extra_opts=["-plugin", f"lockstep,sockpath={sock}"])
        return subprocess.Popen(cmd, cwd=difftest.REPO, env={}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    first = start(args_a)
    deadline = time.monotonic() + 60
    while not sock.exists():
        assert first.poll() is None, text(first.communicate()[1])
        assert time.monotonic() < deadline, "the first lockstep process never created its socket"
        time.sleep(0.02)
    second = start(args_b)
    results = []
    for p in (first, second):
        out, err = p.communicate(timeout=120)
        results.append(difftest.Result(out, err, p.returncode))
    assert not sock.exists(), "the socket was not removed"
    return results


def test_lockstep_identical_runs_agree(tmp_path):
    first, second = lockstep_pair(tmp_path, "hello", (), ())
    for r, role in ((first, "setup_socket"), (second, "connect_socket")):
        assert (r.status, r.stdout) == (0, b"Hello, world!\n")
        err = text(r.stderr)
        assert err.startswith(f"{role}::ready\nNo divergence :-)\n"), err
        blocks = re.search(r"^Executed (\d+)/(\d+) blocks$", err, re.M)
        assert blocks and blocks[1] == blocks[2]
        assert f"\nExecuted ~{HELLO_INSNS} instructions\n" in err


def test_lockstep_reports_divergence(tmp_path):
    # one more argument: the guest's startup loops once more over argv
    first, second = lockstep_pair(tmp_path, "auxv", ("a",), ("a", "b"))
    ours, theirs = [], []
    for r in (first, second):
        err = text(r.stderr)
        assert r.status == 0 and "No divergence" not in err
        assert err.rstrip().endswith("too much divergence... giving up."), err
        at = re.findall(r"^@ 0x([0-9a-f]{16}) vs 0x([0-9a-f]{16}) \((\d+)/1 since last\)$", err, re.M)
        assert len(at) >= 2, err
        assert all(us != them for us, them, _ in at)
        assert re.search(r"^Δ insn_count @ 0x[0-9a-f]{16} \(\d+\) vs 0x[0-9a-f]{16} \(\d+\)$", err, re.M)
        assert re.search(r"^  previously @ 0x[0-9a-f]{16}/\d+ \(\d+ insns\)$", err, re.M)
        ours.append([a[0] for a in at])
        theirs.append([a[1] for a in at])
    # each side names the same places, seen from the other end
    assert ours[0] == theirs[1] and ours[1] == theirs[0]


def test_lockstep_needs_a_socket_path():
    r = llemu_with("hello", "lockstep")
    assert r.status != 0 and "Need a socket path to talk to other instance." in text(r.stderr)


# ---- uftrace -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def uftrace_tool() -> str:
    path = shutil.which("uftrace")
    if path is None:
        pytest.fail("uftrace is not installed; install Debian's uftrace (apt-get install uftrace)",
                    pytrace=False)
    return path


# What pb_calls's main does, as `uftrace replay` shows it.
MAIN_TREE = """\
main() {
  outer() {
    middle() {
      leaf() {
      } /* leaf */
      leaf() {
      } /* leaf */
    } /* middle */
  } /* outer */
  fib() {
    fib() {
      fib() {
        fib() {
        } /* fib */
        fib() {
        } /* fib */
      } /* fib */
      fib() {
      } /* fib */
    } /* fib */
    fib() {
      fib() {
      } /* fib */
      fib() {
      } /* fib */
    } /* fib */
  } /* fib */
} /* main */"""


def test_uftrace_trace_is_what_uftrace_reads(tmp_path, uftrace_tool):
    r = llemu_with("pb_calls", "uftrace", cwd=tmp_path)
    assert (r.status, r.stdout, r.stderr) == (0, b"result 25\n", b"")
    data = tmp_path / "uftrace.data"
    assert sorted(p.name for p in data.iterdir()) == ["100.dat", "info", "sid-0.map", "task.txt"]
    assert (data / "info").read_bytes()[:8] == b"Ftrace!\0"
    assert (data / "task.txt").read_text() == ('SESS timestamp=0.0 pid=100 sid=0 exename="cpu0"\n'
                                               "TASK timestamp=0.0 tid=100 pid=100\n")
    # The records (uftrace's struct uftrace_record): time, then type:2 more:1
    # magic:3 depth:10 addr:48; every exit closes an entry at its depth.
    raw = (data / "100.dat").read_bytes()
    records = list(struct.iter_unpack("<QQ", raw))
    assert records and len(raw) == 16 * len(records)
    times = [t for t, _ in records]
    assert times == sorted(times)
    for _, word in records:
        assert (word & 3) in (0, 1) and (word >> 3) & 7 == 5
    # uftrace itself finds the calls, by name, in the right order and nesting
    replay = subprocess.run([uftrace_tool, "replay", "-d", str(data), "--no-pager"],
                            capture_output=True, text=True, timeout=60)
    assert replay.returncode == 0, replay.stderr
    calls = [line.split("|", 1)[1] for line in replay.stdout.splitlines() if "|" in line]
    start = next(i for i, c in enumerate(calls) if c.strip() == "main() {")
    depth = len(calls[start]) - len(calls[start].lstrip())
    tree = [c[depth:] for c in calls[start:start + MAIN_TREE.count("\n") + 1]]
    assert "\n".join(tree) == MAIN_TREE
    info = subprocess.run([uftrace_tool, "info", "-d", str(data)], capture_output=True, text=True,
                          timeout=60)
    assert info.returncode == 0 and "task list           : 100(cpu0)" in info.stdout


# ---- docs/PLUGINS.md ---------------------------------------------------------------------

GUIDE = difftest.REPO / "docs" / "PLUGINS.md"


def guide_examples():
    """Every complete plugin in the guide (a python block with qemu_plugin_install):
    `<!-- run: GUEST [PLUGIN-ARGS] -->` before it names the guest (default
    hello) and the plugin's arguments, `<!-- prints: REGEX -->` after it what
    its output must hold."""
    doc = GUIDE.read_text()
    found = []
    pattern = r"(?:<!-- run: (.*?) -->\n)?```python\n(.*?)```\n(?:<!-- prints: (.*?) -->)?"
    for m in re.finditer(pattern, doc, re.S):
        if "def qemu_plugin_install" in m[2]:
            line = doc[:m.start(2)].count("\n") + 1
            found.append(pytest.param(m[1] or "hello", m[2], m[3], id=f"line{line}"))
    return found


def test_guide_starts_with_a_ten_line_plugin():
    first = guide_examples()[0].values[1]
    assert len([line for line in first.splitlines() if line.strip()]) <= 10
    assert "QEMU_PLUGIN_INLINE_ADD_U64" in first and "qemu_plugin_scoreboard_new" in first


def test_guide_examples_are_checked():
    examples = guide_examples()
    assert len(examples) >= 10 and all(p.values[2] for p in examples), "an example checks no output"


@pytest.mark.parametrize("run, code, prints", guide_examples())
def test_guide_example_runs(tmp_path, run, code, prints):
    plugin = tmp_path / "example.py"
    plugin.write_text(code)
    name, _, plugin_args = run.partition(" ")
    guest = difftest.GUESTS[name]
    spec = f"{plugin},{plugin_args}" if plugin_args else str(plugin)
    cmd = difftest.llemu_command(guest.path, guest.args, extra_opts=["-plugin", spec])
    cmd[:len(difftest.LLEMU)] = difftest.LLEMU_ANYWHERE
    r = difftest.run(cmd, stdin=guest.stdin, cwd=tmp_path)
    err = text(r.stderr)
    assert "llemu-riscv64:" not in err, err
    # the guest did what it does without the plugin
    want = difftest.load_expectation(name)
    assert (r.status, r.stdout) == (want.status, want.stdout), err
    assert re.search(prints, err, re.M), err


def test_guide_lists_every_bundled_plugin():
    section = GUIDE.read_text().split("## Bundled plugins", 1)[1]
    table = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    bundled = {p.stem for p in (difftest.REPO / "contrib_plugins").glob("*.py") if p.stem != "__init__"}
    assert bundled - table == set(), "bundled plugins missing from the guide's table"
    assert table - bundled == set(), "the guide's table names plugins that are not bundled"
