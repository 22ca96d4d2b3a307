"""QEMU's tests/tcg/plugins/patch.c: replace instructions as they run.

Arguments: target=HEX (bytes of the instruction to find), patch=HEX (bytes
to write over it, as long as target), use_hwaddr=true|false (write through
physical addresses: system mode only; user mode needs use_hwaddr=false).
A block holding the target gets a callback that writes the patch over it
and reads it back; the block runs as translated this time, and its next
translation (after the write) sees the patched bytes.
"""
import sys

from plugin_api import *

use_hwaddr = True
target_data = patch_data = None


def str_to_bytes(text):
    """Bytes from an even number of hex digits, or None."""
    if not text or len(text) % 2:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def patch_hwaddr(vcpu_index, addr):
    qemu_plugin_outs(f"patching: @0x{addr:x}\n")
    result = qemu_plugin_write_memory_hwaddr(addr, patch_data)
    if result != QEMU_PLUGIN_HWADDR_OPERATION_OK:
        qemu_plugin_outs(f"Failed to write memory: {int(result)}\n")
        return
    result, read_data = qemu_plugin_read_memory_hwaddr(addr, len(patch_data))
    qemu_plugin_outs("Reading memory...\n")
    if result != QEMU_PLUGIN_HWADDR_OPERATION_OK:
        qemu_plugin_outs(f"Failed to read memory: {int(result)}\n")
        return
    if read_data != patch_data:
        qemu_plugin_outs("Failed to read back written data\n")
    qemu_plugin_outs("Success!\n")


def patch_vaddr(vcpu_index, addr):
    ok, hwaddr = qemu_plugin_translate_vaddr(addr)
    # QEMU gives up here in user mode, where no address is physical; the
    # virtual address is all a user-mode write needs.
    if not ok:
        qemu_plugin_outs(f"patching: @0x{addr:x}\n")
    else:
        qemu_plugin_outs(f"patching: @0x{addr:x} hw: @0x{hwaddr:x}\n")
    qemu_plugin_outs("Writing memory (vaddr)...\n")
    if not qemu_plugin_write_memory_vaddr(addr, patch_data):
        qemu_plugin_outs("Failed to write memory\n")
        return
    qemu_plugin_outs("Reading memory (vaddr)...\n")
    read_data = qemu_plugin_read_memory_vaddr(addr, len(patch_data))
    if read_data is False:
        qemu_plugin_outs("Failed to read memory\n")
        return
    if read_data != patch_data:
        qemu_plugin_outs("Failed to read back written data\n")
    qemu_plugin_outs("Success!\n")


def vcpu_tb_trans(id, tb):
    for i in range(qemu_plugin_tb_n_insns(tb)):
        insn = qemu_plugin_tb_get_insn(tb, i)
        addr = qemu_plugin_insn_vaddr(insn)
        if use_hwaddr:
            ok, addr = qemu_plugin_translate_vaddr(addr)
            if not ok:
                qemu_plugin_outs("Failed to translate vaddr\n")
                continue
        insn_data = qemu_plugin_insn_data(insn)
        if len(insn_data) >= len(target_data) and insn_data.startswith(target_data):
            qemu_plugin_register_vcpu_tb_exec_cb(tb, patch_hwaddr if use_hwaddr else patch_vaddr,
                                                 QEMU_PLUGIN_CB_NO_REGS, addr)


def usage():
    print("Usage: <lib>,target=<bytes>,patch=<new_bytes>[,use_hwaddr=true|false]", file=sys.stderr)


def qemu_plugin_install(id, info, args):
    global use_hwaddr, target_data, patch_data
    if len(args) > 4:
        usage()
        return -1
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "use_hwaddr":
            ok, use_hwaddr = qemu_plugin_bool_parse(name, value)
            if not ok:
                print("Failed to parse boolean argument use_hwaddr", file=sys.stderr)
                return -1
        elif name == "target":
            target_data = str_to_bytes(value)
            if target_data is None:
                print("Failed to parse target bytes.", file=sys.stderr)
                return -1
        elif name == "patch":
            patch_data = str_to_bytes(value)
            if patch_data is None:
                print("Failed to parse patch bytes.", file=sys.stderr)
                return -1
        else:
            print(f"Unknown argument: {name}", file=sys.stderr)
            usage()
            return -1
    if target_data is None:
        print("target argument is required", file=sys.stderr)
        usage()
        return -1
    if patch_data is None:
        print("patch argument is required", file=sys.stderr)
        usage()
        return -1
    if len(target_data) != len(patch_data):
        print("Target and patch data must be the same length", file=sys.stderr)
        return -1
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    return 0
