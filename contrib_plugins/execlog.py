"""execlog: log every executed instruction (QEMU's contrib/plugins/execlog.c).

    -plugin execlog[,ifilter=PREFIX...][,afilter=0xADDR...][,reg=PATTERN...][,rdisas=on]

One line per instruction, written when the vCPU reaches the next one:

    0, 0x10144, 0x3e800293, "li t0, 1000", store, 0x00011358, t0 -> 0x00000000000003e8

vCPU, address, the first 32 bits of the instruction (an RVC one's 16),
disassembly, then ", load|store, 0xADDR" for each memory access and, for
the registers that reg= tracks (glob patterns over gdb's names), "NAME ->
0xVALUE" for each one the instruction changed.  ifilter= (a disassembly
prefix) and afilter= (an address, hex) log only the matching instructions;
rdisas=on checks registers only after instructions whose operands name a
tracked register.  The last instruction's register changes are not seen:
nothing runs after it.
"""
import fnmatch
import sys

from plugin_api import *

imatches = []
amatches = []
rmatches = []
disas_assist = False
all_reg_names = []      # tracked register names, for rdisas


class Register:
    def __init__(self, desc):
        self.handle = desc.handle
        self.name = desc.name.lower()
        self.last = qemu_plugin_read_register(self.handle)


class CPU:
    def __init__(self, registers):
        self.last_exec = ""         # the instruction waiting for its line to be written
        self.registers = registers


cpus = {}               # vcpu_index -> CPU


def vcpu_mem(cpu_index, info, vaddr, udata):
    cpu = cpus[cpu_index]
    kind = "store" if qemu_plugin_mem_is_store(info) else "load"
    hwaddr = qemu_plugin_get_hwaddr(info, vaddr)     # system mode only: physical address, device
    if hwaddr is not None:
        cpu.last_exec += (f", {kind}, 0x{qemu_plugin_hwaddr_phys_addr(hwaddr):08x}, "
                          f"{qemu_plugin_hwaddr_device_name(hwaddr)}")
    else:
        cpu.last_exec += f", {kind}, 0x{vaddr:08x}"


def insn_check_regs(cpu):
    """Append the tracked registers that changed since the last check."""
    for reg in cpu.registers:
        new = qemu_plugin_read_register(reg.handle)
        if new != reg.last:
            cpu.last_exec += f", {reg.name} -> 0x{new[::-1].hex()}"
            reg.last = new


def flush(cpu, check_regs):
    """Write the previous instruction's line (with its register changes)."""
    if cpu.last_exec:
        if check_regs and cpu.registers:
            insn_check_regs(cpu)
        qemu_plugin_outs(cpu.last_exec + "\n")


def vcpu_insn_exec_with_regs(cpu_index, output):
    cpu = cpus[cpu_index]
    flush(cpu, True)
    cpu.last_exec = f"{cpu_index}, {output}"


def vcpu_insn_exec_only_regs(cpu_index, udata):
    """An instruction not logged: finish the previous one's line only."""
    cpu = cpus[cpu_index]
    flush(cpu, True)
    cpu.last_exec = ""


def vcpu_insn_exec(cpu_index, output):
    cpu = cpus[cpu_index]
    flush(cpu, False)
    cpu.last_exec = f"{cpu_index}, {output}"


def vcpu_tb_trans(id, tb):
    skip = bool(imatches or amatches)
    check_regs_this = bool(rmatches)
    check_regs_next = False
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        insn_disas = qemu_plugin_insn_disas(insn)
        insn_vaddr = qemu_plugin_insn_vaddr(insn)
        # A filter hit "latches" so that the instruction's memory accesses
        # are logged and the registers checked after it.
        if skip and any(insn_disas.startswith(m) for m in imatches):
            skip = False
            check_regs_next = bool(rmatches)
        if skip and insn_vaddr in amatches:
            skip = False
        # rdisas: does the instruction name a tracked register?
        if disas_assist and rmatches:
            check_regs_next = False
            args = insn_disas.split(None, 1)
            if len(args) > 1 and any(reg in args[1] for reg in all_reg_names):
                check_regs_next = True
                skip = False
        if skip:
            if check_regs_this:
                qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec_only_regs,
                                                       QEMU_PLUGIN_CB_R_REGS, None)
        else:
            opcode = int.from_bytes(qemu_plugin_insn_data(insn)[:4], "little")
            output = f'0x{insn_vaddr:x}, 0x{opcode:x}, "{insn_disas}"'
            qemu_plugin_register_vcpu_mem_cb(insn, vcpu_mem, QEMU_PLUGIN_CB_NO_REGS,
                                             QEMU_PLUGIN_MEM_RW, None)
            if check_regs_this:
                qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec_with_regs,
                                                       QEMU_PLUGIN_CB_R_REGS, output)
            else:
                qemu_plugin_register_vcpu_insn_exec_cb(insn, vcpu_insn_exec,
                                                       QEMU_PLUGIN_CB_NO_REGS, output)
            skip = bool(imatches or amatches)
        if disas_assist and rmatches:
            check_regs_this = check_regs_next


def registers_init():
    """The registers matching a reg= pattern (by name or lower-case name)."""
    registers = []
    for desc in qemu_plugin_get_registers():
        for pattern in rmatches:
            if fnmatch.fnmatchcase(desc.name, pattern) or fnmatch.fnmatchcase(desc.name.lower(), pattern):
                reg = Register(desc)
                registers.append(reg)
                if disas_assist and reg.name not in all_reg_names:
                    all_reg_names.append(reg.name)
    return registers


def vcpu_init(id, vcpu_index):
    cpus[vcpu_index] = CPU(registers_init() if rmatches else [])


def plugin_exit(id, p):
    for index in sorted(cpus):
        if cpus[index].last_exec:
            qemu_plugin_outs(cpus[index].last_exec + "\n")


def qemu_plugin_install(id, info, args):
    global disas_assist
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "ifilter":
            imatches.append(value)
        elif name == "afilter":
            amatches.append(_strtoull16(value))
        elif name == "reg":
            rmatches.append(value)
        elif name == "rdisas":
            ok, disas_assist = qemu_plugin_bool_parse(name, value)
            if not ok:
                print(f"boolean argument parsing failed: {opt}", file=sys.stderr)
                return -1
        else:
            print(f"option parsing failed: {opt}", file=sys.stderr)
            return -1
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init)
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0


def _strtoull16(text):
    """g_ascii_strtoull(text, NULL, 16): an optional 0x, then the hex digits that follow."""
    text = text.strip()
    if text[:2].lower() == "0x":
        text = text[2:]
    n = len(text) - len(text.lstrip("0123456789abcdefABCDEF"))
    return int(text[:n], 16) if n else 0
