"""howvec: counts of instruction classes (QEMU's contrib/plugins/howvec.c).

    -plugin howvec[,inline=on|off][,verbose=on|off][,count=CLASS|!CLASS]...

QEMU has class tables for aarch64 and sparc only; this is one for RV64GC
in the same spirit: classes by major opcode (and RVC quadrant and funct3),
matched in order, the first match wins.  count=OPT counts the class OPT
instruction by instruction, count=!OPT stops counting it.

At exit: "Instruction Classes:", one "Class: NAME (N hits)" line per class
that was hit (every class with verbose=on), then, if any class is counted
individually, "Individual Instructions:" and the 50 most run ones.
"""
import sys

from plugin_api import *

COUNT_CLASS, COUNT_INDIVIDUAL, COUNT_NONE = range(3)
limit = 50
do_inline = False
verbose = False


class InsnClass:
    def __init__(self, name, opt, patterns, what=COUNT_CLASS):
        self.name = name
        self.opt = opt
        self.patterns = patterns        # (mask, pattern) pairs, any may match
        self.what = what
        self.count = None               # a per-vCPU counter, made at install

    def matches(self, opcode):
        return any(opcode & mask == pattern for mask, pattern in self.patterns)


def _fp_op(funct5):
    """OP-FP (opcode 0x53) with this funct5 (bits 31:27)."""
    return (0xf800007f, funct5 << 27 | 0x53)


# The 32-bit opcode as QEMU's plugin reads it: an RVC instruction's 16 bits,
# zero-extended.  RVC is bits 1:0 != 0b11 (quadrants 0-2), funct3 is bits 15:13.
# Order matters: a class must come before any looser one that also matches.
riscv64_insn_classes = [
    # ecall, ebreak, c.ebreak
    InsnClass("System", "sys", [(0xffffffff, 0x00000073), (0xffffffff, 0x00100073),
                                (0xffffffff, 0x00009002)]),
    InsnClass("CSR Access", "csr", [(0x7f, 0x73)]),
    # RVC
    InsnClass("C Load", "cld", [(0xc003, 0x4000)]),                  # c.lw, c.ld
    InsnClass("C Store", "cst", [(0xc003, 0xc000)]),                 # c.sw, c.sd
    InsnClass("C Load (sp)", "cldsp", [(0xc003, 0x4002)]),           # c.lwsp, c.ldsp
    InsnClass("C Store (sp)", "cstsp", [(0xc003, 0xc002)]),          # c.swsp, c.sdsp
    InsnClass("C FP Load/Store", "cfldst", [(0x6001, 0x2000)]),      # c.fld, c.fsd, c.fldsp, c.fsdsp
    InsnClass("C Branch", "cbr", [(0xc003, 0xc001)]),                # c.beqz, c.bnez
    InsnClass("C Jump", "cj", [(0xe003, 0xa001),                     # c.j
                               (0xe07f, 0x8002)]),                   # c.jr, c.jalr
    InsnClass("C ALU", "calu", [(0x3, 0), (0x3, 1), (0x3, 2)]),      # the rest of RVC
    # 32-bit, by major opcode (bits 6:0)
    InsnClass("Load", "ld", [(0x7f, 0x03)]),
    InsnClass("Store", "st", [(0x7f, 0x23)]),
    InsnClass("FP Load/Store", "fldst", [(0x7f, 0x07), (0x7f, 0x27)]),
    InsnClass("Atomic", "amo", [(0x7f, 0x2f)]),                      # lr, sc, amo*
    InsnClass("Fence", "fence", [(0x7f, 0x0f)]),
    InsnClass("Mul/Div", "muldiv", [(0xfe00007f, 0x02000033), (0xfe00007f, 0x0200003b)]),
    InsnClass("Integer ALU", "alu", [(0x7f, 0x13), (0x7f, 0x1b), (0x7f, 0x33), (0x7f, 0x3b)]),
    InsnClass("Upper Immediate", "uimm", [(0x7f, 0x37), (0x7f, 0x17)]),  # lui, auipc
    InsnClass("FP Fused Mul-Add", "fma", [(0x73, 0x43)]),            # fmadd fmsub fnmsub fnmadd
    # fcvt between formats and to/from integers, fmv, fclass
    InsnClass("FP Convert/Move", "fcvt", [_fp_op(0x08), _fp_op(0x18), _fp_op(0x1a), _fp_op(0x1c),
                                          _fp_op(0x1e)]),
    InsnClass("FP Compare", "fcmp", [_fp_op(0x14)]),                 # feq, flt, fle
    InsnClass("FP Arith", "fp", [(0x7f, 0x53)]),
    InsnClass("Branch", "br", [(0x7f, 0x63)]),
    InsnClass("Jump", "jmp", [(0x7f, 0x6f), (0x7f, 0x67)]),          # jal, jalr
    InsnClass("Unclassified", "unclas", [(0, 0)], COUNT_INDIVIDUAL),
]
default_insn_classes = [InsnClass("Unclassified", "unclas", [(0, 0)], COUNT_INDIVIDUAL)]
class_tables = {"riscv64": riscv64_insn_classes}
class_table = default_insn_classes


class InsnExecCount:
    def __init__(self, insn, opcode, cls):
        self.insn = insn                # disassembly
        self.opcode = opcode
        self.cls = cls
        self.count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))


insns = {}          # opcode -> InsnExecCount (classes counted individually)


def plugin_exit(id, p):
    report = ["Instruction Classes:\n"]
    for cls in class_table:
        if cls.what == COUNT_CLASS:
            total = qemu_plugin_u64_sum(cls.count)
            if total or verbose:
                report.append(f"Class: {cls.name:<24}\t({total} hits)\n")
        elif cls.what == COUNT_INDIVIDUAL:
            report.append(f"Class: {cls.name:<24}\tcounted individually\n")
        else:
            report.append(f"Class: {cls.name:<24}\tnot counted\n")
    if insns:
        report.append("Individual Instructions:\n")
        counts = sorted(insns.values(), key=lambda r: qemu_plugin_u64_sum(r.count), reverse=True)
        for rec in counts[:limit]:
            report.append(f"Instr: {rec.insn:<24}\t({qemu_plugin_u64_sum(rec.count)} hits)"
                          f"\t(op=0x{rec.opcode:08x}/{rec.cls.name})\n")
    qemu_plugin_outs("".join(report))


def vcpu_insn_exec_before(cpu_index, count):
    qemu_plugin_u64_add(count, cpu_index, 1)


def find_counter(insn):
    """The counter of the instruction's class, its own counter, or None."""
    # Only the first 32 bits, as QEMU (an RVC instruction is zero-extended).
    opcode = int.from_bytes(qemu_plugin_insn_data(insn)[:4], "little")
    cls = next(c for c in class_table if c.matches(opcode))
    if cls.what == COUNT_NONE:
        return None
    if cls.what == COUNT_CLASS:
        return cls.count
    rec = insns.get(opcode)
    if rec is None:
        rec = insns[opcode] = InsnExecCount(qemu_plugin_insn_disas(insn), opcode, cls)
    return rec.count


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        count = find_counter(insn)
        if count is None:
            continue
        if do_inline:
            qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                                count, 1)
        else:
            qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec_before,
                                                   QEMU_PLUGIN_CB_NO_REGS, count)


def qemu_plugin_install(id, info, args):
    global class_table, do_inline, verbose
    class_table = class_tables.get(info.target_name, default_insn_classes)
    for cls in class_table:
        cls.count = qemu_plugin_scoreboard_u64(qemu_plugin_scoreboard_new(8))
    for opt in args:
        name, _, value = opt.partition("=")
        if name in ("inline", "verbose"):
            ok, flag = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
            if name == "inline":
                do_inline = flag
            else:
                verbose = flag
        elif name == "count":
            what = COUNT_INDIVIDUAL
            if value.startswith("!"):
                what, value = COUNT_NONE, value[1:]
            for cls in class_table:     # an unknown class is ignored, as in QEMU
                if cls.opt == value:
                    cls.what = what
                    break
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
