"""QEMU's tests/tcg/plugins/registers.c: read and write registers.

At each vCPU's start, the first register not marked read-only must read
and write back, and the first read-only one (the pc at least) must read.
A failure stops llemu with status 1.
"""
from plugin_api import *


def vcpu_init_cb(id, vcpu_index):
    regs = qemu_plugin_get_registers()
    assert regs is not None
    writable = next((r for r in regs if not r.is_readonly), None)
    assert not regs or writable is not None
    if writable is not None:
        buf = qemu_plugin_read_register(writable.handle)
        assert buf
        assert qemu_plugin_write_register(writable.handle, buf)
    # The pc at least is read-only: it moves only through qemu_plugin_set_pc.
    readonly = next((r for r in regs if r.is_readonly), None)
    assert not regs or readonly is not None
    if readonly is not None:
        assert qemu_plugin_read_register(readonly.handle)


def qemu_plugin_install(id, info, args):
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init_cb)
    return 0
