"""Real dynamically linked Debian tools under llemu against qemu-riscv64.

The tests/guest/bin/*_dyn programs (test_differential.py) are ours; these
are Debian's riscv64 builds of coreutils, grep, sed, gawk, bc, diffutils,
gzip, xz-utils, bzip2, jq, lua5.4 and sqlite3, unpacked with their libraries
by tools/fetch-sysroot --with-deps into a sysroot of their own (see
TOOLS_SYSROOT).  Both emulators run each with `-L` that sysroot, the same
arguments, standard input and working directory and an empty environment;
llemu must print the same stdout and exit with the same status (stderr too
where the tool's message is deterministic).

The tools load ld.so, libc and several libraries (pcre2, gmp, mpfr, oniguruma,
readline, ...), so a run costs llemu seconds of compiling: each case does
a meaningful amount of work rather than one tiny thing.
"""
from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import random
import shutil
import struct
from pathlib import Path

import pytest

import difftest

# Debian packages the cases run; their libraries come with --with-deps.
PACKAGES = ("coreutils", "grep", "sed", "gawk", "bc", "diffutils", "gzip", "xz-utils",
            "bzip2", "jq", "lua5.4", "sqlite3")

MTIME = 981173106           # 2001-02-03 04:05:06 UTC, for every file in the tree

PROSE = """\
The quick brown fox jumps over the lazy dog.
  Pack my box with five dozen liquor jugs!\tTabs\tand  spaces.
Sphinx of black quartz, judge my vow; 42 times, 7 ways.
http://example.com/path/to/file.tar.gz?x=1&y=2
email: someone@example.org, other.one@test.net
aardvark committee balloon bookkeeper 1001 2002
THE END the end The End
"""

TABLE = """\
alice   eng     120000  34
bob     sales   65000   45
carol   eng     135000  29
dave    ops     72000   51
erin    sales   58000   38
frank   eng     99000   42
grace   ops     81000   27
heidi   hr      61000   33
"""

WORDS = ("apple Banana cherry apple date Elderberry fig grape apple banana kiwi lemon "
         "mango Cherry nectarine orange papaya fig date apple").split()

INVENTORY = {"store": "riscv", "opened": "2001-02-03", "items": [
    {"name": "widget", "price": 2.5, "qty": 10, "tags": ["a", "b"]},
    {"name": "gadget", "price": 10, "qty": 3, "tags": ["b"]},
    {"name": "doohickey", "price": 0.1, "qty": 7, "tags": []},
    {"name": "Gizmo", "price": 99.99, "qty": 1, "tags": ["a", "c"], "note": "fragile"},
    {"name": "sprocket", "price": 1e-3, "qty": 100000, "tags": ["c"]},
]}

LUA_SCRIPT = r"""
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib", fib(24))
local N, sieve, count = 30000, {}, 0
for i = 2, N do
  if not sieve[i] then count = count + 1; for j = i * i, N, i do sieve[j] = true end end
end
print("primes", count)
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do words[#words + 1] = w end
table.sort(words, function(a, b) if #a ~= #b then return #a > #b end return a < b end)
print(table.concat(words, ","))
print(("hello world from lua"):gsub("o", "0"))
print(("%d|%5.2f|%-6s|%x|%q"):format(42, math.pi, "ab", 255, "a\nb"))
print(7 // 2, 7.0 // 2, 7 % -3, -7 % 3, 2^53, math.maxinteger + 1 == math.mininteger, 1e308 * 10, -0.0)
print(math.sqrt(2), math.sin(1), math.exp(1), math.log(10), math.floor(-3.5), math.tointeger(3.0))
print(3 | 5, 6 & 3, 1 << 62, ~0, 5 // 0.0, -5 // 0.0, math.fmod(7, -3), math.ult(1, -1))
print(string.format("%.17g %.3e %a %g", 0.1, 123456.789, 1.0, 1e-300 * 1e-300))
print(tonumber("0x10"), tonumber("1e3"), tonumber("  12  "), tonumber("z", 36), math.type(2^31))
local gen = coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i * i) end end)
local squares = {}
for i = 1, 5 do squares[i] = gen() end
print(table.concat(squares, " "))
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end
V.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
print(tostring(setmetatable({x = 1, y = 2}, V) + setmetatable({x = 3.5, y = -4}, V)))
local ok, err = pcall(function() error({code = 7}) end)
print(ok, err.code, select("#", pcall(error)))
print(string.rep("ab", 3, "-"), utf8.char(72, 228, 8364), #utf8.char(8364), utf8.len("h\u{e4}!"))
print(os.date("!%Y-%m-%d %H:%M:%S %j", 1234567890), os.time({year = 2001, month = 2, day = 3, hour = 12}) ~= nil)
local rows = {}
for y = -12, 12 do
  local row = {}
  for x = -39, 15 do
    local cr, ci, zr, zi, n = x / 20, y / 10, 0.0, 0.0, 0
    while n < 60 and zr * zr + zi * zi < 4 do zr, zi = zr * zr - zi * zi + cr, 2 * zr * zi + ci; n = n + 1 end
    row[#row + 1] = n == 60 and "#" or (n > 6 and "+" or (n > 3 and "." or " "))
  end
  rows[#rows + 1] = table.concat(row)
end
print(table.concat(rows, "\n"))
"""

BC_SCRIPT = """\
scale=100
4*a(1)
sqrt(2)
e(1)
l(10)
scale=30
s(1); c(1)
define f(n) { if (n <= 1) return 1; return n * f(n - 1); }
f(60)
2^200 % 1000000007
obase=16
255; 2^100
obase=2
1023
quit
"""

SQL_MEMORY = """\
CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept TEXT, salary REAL, hired TEXT);
INSERT INTO emp(name, dept, salary, hired) VALUES
  ('alice', 'eng', 120000, '2019-03-01'), ('bob', 'sales', 65000, '2015-07-15'),
  ('carol', 'eng', 135000, '2021-11-30'), ('dave', 'ops', 72000, '2010-01-04'),
  ('erin', 'sales', 58000, '2023-05-22'), ('frank', 'eng', 99000, '2018-09-09');
SELECT dept, count(*), printf('%.2f', avg(salary)), max(salary) FROM emp GROUP BY dept ORDER BY dept;
SELECT name, rank() OVER (PARTITION BY dept ORDER BY salary DESC),
       sum(salary) OVER (ORDER BY hired ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp ORDER BY id;
WITH RECURSIVE fib(n, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM fib WHERE n < 90)
  SELECT n, a FROM fib WHERE n % 15 = 0;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  SELECT count(*), sum(x), sum(x * x) % 1000003, printf('%.6f', avg(1.0 / x)) FROM c;
SELECT json_object('n', count(*), 'names', json_group_array(name)) FROM emp WHERE salary > 70000;
SELECT date('2024-02-28', '+1 day'), strftime('%s', '2000-01-01 00:00:00'), julianday('2000-01-01'),
       upper(substr('riscv64', 1, 5)), length(zeroblob(100)), round(3.14159, 2), 7 / 2, 7 / 2.0,
       1e308 * 10, 9223372036854775807 + 1, hex('llemu'), instr('emulator', 'la');
SELECT group_concat(name, '|') FROM (SELECT name FROM emp ORDER BY name DESC);
SELECT * FROM no_such_table;
SELECT 'still running after the error';
"""

# A database file: journal, then WAL (a shared memory map and fcntl locks).
SQL_FILE = """\
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v REAL);
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500)
  INSERT INTO t(k, v) SELECT printf('key%05d', x * 7919 % 1511), x / 7.0 FROM c;
COMMIT;
CREATE INDEX t_k ON t(k);
PRAGMA journal_mode = WAL;
UPDATE t SET v = -v WHERE id % 3 = 0;
DELETE FROM t WHERE id % 10 = 0;
SELECT count(*), printf('%.4f', sum(v)), min(k), max(k) FROM t;
SELECT k, printf('%.3f', v) FROM t WHERE k BETWEEN 'key01000' AND 'key01012' ORDER BY k;
PRAGMA integrity_check;
PRAGMA wal_checkpoint(TRUNCATE);
VACUUM;
PRAGMA page_count;
"""

GAWK_PROGRAM = r"""
BEGIN {
  printf "%.10f %.6e %g %d %i %c %5.1f%% %s\n", atan2(0, -1), exp(10), sqrt(2), -7.9, 42, 65, 99.44, -log(0)
  print sin(1), cos(1), log(10), int(-3.7), 2 ** 0.5, 17 % 5, -17 % 5, 1 / 3
  print strftime("%Y-%m-%d %H:%M:%S %j %a %b", 1234567890, 1)
  print gensub(/([a-z]+)@([a-z.]+)/, "\\2 at \\1", "g", "mail bob@example.org and amy@test.net")
  n = split("pear apple fig banana cherry", a); asort(a)
  for (i = 1; i <= n; i++) printf "%s%s", a[i], (i < n ? "," : "\n")
  print 0.1 + 0.2, (0.1 + 0.2 == 0.3), toupper("mixed Case"), substr("emulator", 3, 4), index("riscv", "sc")
  print strtonum("0x1F"), strtonum("017"), and(12, 10), or(12, 10), xor(12, 10), lshift(1, 40), compl(0)
  srand(42); print rand(), int(rand() * 1000)
}
{ words += NF; chars += length($0); seen[$2]++
  if (match($0, /[0-9]+/)) nums = nums " " substr($0, RSTART, RLENGTH) }
END { print NR, words, chars, nums
      PROCINFO["sorted_in"] = "@ind_str_asc"; for (k in seen) printf "%s=%d ", k, seen[k]; print "" }
"""


def make_attrs(d: Path) -> None:
    """d/attrs: a file with a POSIX ACL (ls -l shows it as "+"), one with a
    user extended attribute, a plain one; all with MTIME."""
    attrs = d / "attrs"
    attrs.mkdir()
    for name in ("acl.txt", "tagged.txt", "plain.txt"):
        (attrs / name).write_text(name + "\n")
    # system.posix_acl_access: version 2, then (tag, perm, id) entries sorted by
    # tag: user::rw-, user:1000:r--, group::r--, mask::r--, other::r--
    entries = [(0x01, 6, -1), (0x02, 4, 1000), (0x04, 4, -1), (0x10, 4, -1), (0x20, 4, -1)]
    acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHi", *e) for e in entries)
    os.setxattr(attrs / "acl.txt", "system.posix_acl_access", acl)
    os.setxattr(attrs / "tagged.txt", "user.colour", b"blue")
    os.setxattr(attrs / "tagged.txt", "user.empty", b"")
    for path in [attrs, *attrs.iterdir()]:
        os.utime(path, (MTIME, MTIME))


def xattrs_under(d: Path) -> dict:
    """{relative path: sorted (name, value) extended attributes} of a tree."""
    return {str(path.relative_to(d)): sorted((name, os.getxattr(path, name, follow_symlinks=False))
                                             for name in os.listxattr(path, follow_symlinks=False))
            for path in sorted(d.rglob("*"))}


# A sysroot of its own, next to build/sysroot: the package list of that one
# is part of the *_dyn guests' recorded expectations (test_guest_expectations
# checks exact counts only when it matches), so it must not grow.
TOOLS_SYSROOT = difftest.SYSROOT.parent / "sysroot-tools"


@pytest.fixture(scope="session")
def tools() -> Path:
    """build/sysroot-tools: libc6 and PACKAGES with the libraries they need
    (downloaded the first time only)."""
    try:
        root = difftest.fetch_sysroot_packages(("libc6",) + PACKAGES, TOOLS_SYSROOT)
    except (RuntimeError, OSError) as err:
        pytest.fail(f"cannot prepare {TOOLS_SYSROOT} with {' '.join(PACKAGES)}: {err}",
                    pytrace=False)
    if not (root / "lib" / "ld-linux-riscv64-lp64d.so.1").exists():
        pytest.fail(f"{root} has no riscv64 dynamic loader; delete it and rerun the tests",
                    pytrace=False)
    return root


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """The working directory of every case, with fixed data files."""
    d = tmp_path_factory.mktemp("dynamic")
    rng = random.Random(7)
    (d / "prose.txt").write_text(PROSE)
    (d / "table.txt").write_text(TABLE)
    (d / "words.txt").write_text("".join(w + "\n" for w in WORDS))
    (d / "sorted.txt").write_text("".join(w + "\n" for w in sorted(WORDS)))
    (d / "inventory.json").write_text(json.dumps(INVENTORY, indent=1))
    (d / "script.lua").write_text(LUA_SCRIPT)
    (d / "prog.bc").write_text(BC_SCRIPT)
    (d / "prog.awk").write_text(GAWK_PROGRAM)
    big = "".join(f"{rng.randint(0, 10**6)} w{rng.randint(0, 999):03d} {rng.random():.6f} "
                  f"{''.join(rng.choice('abcdefghij') for _ in range(rng.randint(1, 12)))}\n"
                  for _ in range(25000)).encode()                      # about 700 kB
    (d / "big.txt").write_bytes(big)
    (d / "big.txt.gz").write_bytes(gzip.compress(big, 9, mtime=0))
    (d / "big.txt.xz").write_bytes(lzma.compress(big, preset=6))
    (d / "big.txt.bz2").write_bytes(bz2.compress(big, 9))
    (d / "random.bin").write_bytes(rng.randbytes(300001))
    # Two versions of a small tree for diff -r.
    for side in ("old", "new"):
        (d / side / "sub").mkdir(parents=True)
    (d / "old" / "same.txt").write_text(PROSE)
    (d / "new" / "same.txt").write_text(PROSE)
    (d / "old" / "sub" / "list.txt").write_text("".join(w + "\n" for w in WORDS))
    changed = list(WORDS)
    changed[3:5] = ["APPLE", "inserted", "date"]
    del changed[12]
    (d / "new" / "sub" / "list.txt").write_text("".join(w + "\n" for w in changed + ["zeta"]))
    (d / "old" / "only-old.txt").write_text("gone\n")
    (d / "new" / "only-new.txt").write_text("new\n")
    make_attrs(d)
    # A tree for ls and stat: modes, a symlink, an empty directory, fixed mtimes.
    tree = d / "tree"
    for sub in ("alpha/one", "beta", "empty"):
        (tree / sub).mkdir(parents=True)
    for name, size in {"alpha/a.txt": 10, "alpha/one/deep.txt": 300, "beta/run.sh": 42,
                       "beta/data.bin": 70000, "top.txt": 1, ".hidden": 5}.items():
        (tree / name).write_bytes(bytes(rng.randrange(32, 127) for _ in range(size)))
    (tree / "beta" / "run.sh").chmod(0o755)
    (tree / "link").symlink_to("alpha/a.txt")
    for dirpath, dirnames, filenames in os.walk(d, topdown=False):
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), (MTIME, MTIME), follow_symlinks=False)
    os.utime(d, (MTIME, MTIME))
    return d


def check(tools: Path, work: Path, prog: str, args, stdin: bytes = b"", stderr: bool = False,
          cwd: Path | None = None, prepare=None) -> None:
    pair = difftest.run_pair(tools / prog, args, sysroot=tools, stdin=stdin, cwd=cwd or work,
                             prepare=prepare)
    problem = difftest.pair_mismatch(pair, stderr=stderr)
    assert problem is None, problem


def cases(table):
    """pytest params from (id, program, args[, stdin[, compare stderr]]) rows."""
    params = []
    for ident, prog, args, *rest in table:
        stdin = rest[0] if rest else b""
        err = rest[1] if len(rest) > 1 else False
        params.append(pytest.param(prog, args, stdin, err, id=ident))
    return params


BIN = "usr/bin/"

CASES = [
    # coreutils: statx, getdents, locale-free formatting, long double, GMP
    # ls -l also asks for ACLs (llistxattr, lgetxattr): "+" after the mode of attrs/acl.txt
    ("ls", BIN + "ls", ["-l", "-a", "-R", "-i", "--time-style=long-iso",
                        "--group-directories-first", "tree", "attrs"]),
    ("stat", BIN + "stat", ["-c", "%n|%s|%a|%A|%F|%h|%Y|%N", "tree/top.txt", "tree/alpha",
                            "tree/link", "tree/beta/run.sh"]),
    ("sort-keys", BIN + "sort", ["-b", "-k2,2", "-k3,3nr", "table.txt"]),
    ("uniq-c", BIN + "uniq", ["-c", "-i", "sorted.txt"]),
    ("od", BIN + "od", ["-A", "x", "-t", "x1z", "-t", "d4", "-j", "5", "-N", "96", "random.bin"]),
    ("seq-float", BIN + "seq", ["-s", " ", "-f", "%.4e", "-1", "0.35", "3.5"]),
    ("printf", BIN + "printf", ["%s|%5.2f|%-6d|%x|%o|%e|%g|%b|%q|%Lf\n", "text", "3.14159", "42",
                                "255", "8", "12345.678", "1e-5", "a\\tb", "it's here", "1.5e60"]),
    ("b2sum", BIN + "b2sum", ["random.bin", "big.txt", "prose.txt"]),
    ("date", BIN + "date", ["-u", "-d", "@1234567890", "+%F %T %s %A %B %j %U %Z %z %N"]),
    ("factor", BIN + "factor", ["1234567890123456789", "18446744073709551617", "600851475143",
                                "170141183460469231731687303715884105727"]),
    ("cat-missing", BIN + "cat", ["prose.txt", "nosuch"], b"", True),
    ("sync-f", BIN + "sync", ["-f", "prose.txt"], b"", True),              # syncfs
    # GNU grep: its DFA, PCRE2 (with its JIT), exit statuses
    ("grep-E", BIN + "grep", ["-n", "-i", "-E", "-w", "the|fox|[0-9]+|b[a-z]*", "prose.txt",
                              "words.txt"]),
    ("grep-P", BIN + "grep", ["-P", "-o", "-n", r"(?<=@)[a-z]+\.(?:org|net)|\b\d{2}\b|(\w)\1",
                              "prose.txt"]),
    ("grep-missing", BIN + "grep", ["-c", "apple", "nosuch.txt", "words.txt"], b"", True),
    # GNU sed: regex groups, addresses, the hold space
    ("sed-E", BIN + "sed", ["-E", "-n", "-e", r"s/([a-z]+)@([a-z.]+)/\2 AT \1/g",
                            "-e", "/^ /s/^ +//", "-e", "3,$y/abc/XYZ/", "-e", "p;/fox/=", "prose.txt"]),
    ("sed-tac", BIN + "sed", ["-n", "1!G;h;$p", "words.txt"]),
    # gawk: libm, strftime in UTC, gensub, asort, bit ops, its own rand; MPFR with -M
    ("gawk", BIN + "gawk", ["-f", "prog.awk", "table.txt"]),
    ("gawk-M", BIN + "gawk", ["-M", "-v", "PREC=300", 'BEGIN { x = 1; for (i = 1; i <= 40; i++) '
                              'x *= i; print x, 2 ^ 256; printf "%.80f\\n", atan2(0, -1) }']),
    ("bc", BIN + "bc", ["-l", "prog.bc"]),
    # diffutils: a difference is exit status 1
    ("diff-u-r", BIN + "diff", ["-u", "-r", "old", "new"]),
    # compressors: compressed bytes must equal QEMU's; decompression of Python-made files
    ("gzip", BIN + "gzip", ["-c", "-6", "-n", "big.txt"]),
    ("gunzip", BIN + "gzip", ["-d", "-c", "big.txt.gz"]),
    # two compressing threads (clone, futex), each on its own blocks
    ("xz-threads", BIN + "xz", ["-c", "-T2", "--block-size=200000", "-3", "big.txt"]),
    ("unxz", BIN + "xz", ["-d", "-c", "-T1", "big.txt.xz"]),
    ("bzip2", BIN + "bzip2", ["-c", "-9", "big.txt"]),
    ("bunzip2", BIN + "bzip2", ["-d", "-c", "big.txt.bz2"]),
    # jq: JSON, number formatting, oniguruma regexes, its error status
    ("jq", BIN + "jq", ["-c", "-r", "--arg", "sep", ";",
                        ".items | (map(.price * .qty) | add), (sort_by(.price) | map(.name)), "
                        "(group_by(.tags | length) | map(length)), [.[] | select(.name | test(\"^g\"; \"i\")) "
                        "| .name], (map({(.name): .qty}) | add), [limit(5; range(0; 100; 7))], "
                        "(reduce range(1; 20) as $i (1; . * $i)), ([.[].price] | min, max), "
                        "(.[0] | \"\\(.name) costs \\(.price)\"), ([.[] | .note // \"-\"] | join(\",\")), "
                        "(.[] | ([.name, .price, (.tags | join(\"+\"))] | @csv), "
                        "(.name | ascii_upcase | gsub(\"[AEIOU]\"; \"_\")), ([.qty] | @base64), $sep * 3)",
                        "inventory.json"]),
    ("jq-error", BIN + "jq", [".items[0].name.x", "inventory.json"], b"", True),
    # lua: an interpreter loop; and a runtime error with its traceback
    ("lua", BIN + "lua5.4", ["script.lua"]),
    ("lua-error", BIN + "lua5.4", ["-e", "local t = nil; print(t.x)"], b"", True),
    # sqlite3: SQL from stdin in memory; an error goes to stderr and sets the status
    ("sqlite3-memory", BIN + "sqlite3", [], SQL_MEMORY.encode(), True),
]


@pytest.mark.parametrize("prog, args, stdin, stderr", cases(CASES))
def test_tool(tools, work, prog, args, stdin, stderr):
    check(tools, work, prog, args, stdin, stderr)


def test_cp_a_keeps_xattrs(tools, work, tmp_path):
    """cp -a copies the ACL and user attributes (listxattr, getxattr,
    setxattr), into a directory made afresh for each emulator."""
    root = tmp_path / "cp"

    def fresh():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        make_attrs(root)

    pair = difftest.run_pair(tools / BIN / "cp", ["-a", "-v", "attrs", "copy"], sysroot=tools,
                             cwd=root, prepare=fresh, collect=lambda: xattrs_under(root / "copy"))
    problem = difftest.pair_mismatch(pair, stderr=True)
    assert problem is None, problem
    assert pair.qemu_after["tagged.txt"] == [("user.colour", b"blue"), ("user.empty", b"")]


def test_sqlite3_database_file(tools, work, tmp_path):
    """A database file written with a rollback journal, then in WAL mode (a
    shared mapping of the -shm file, fcntl locks), from an empty directory
    that is made afresh for each emulator."""
    db_dir = tmp_path / "db"

    def fresh():
        shutil.rmtree(db_dir, ignore_errors=True)
        db_dir.mkdir()

    check(tools, work, BIN + "sqlite3", ["test.db"], SQL_FILE.encode(), stderr=True,
          cwd=db_dir, prepare=fresh)
