"""QEMU's tests/tcg/plugins/reset.c: the reset and uninstall cycle.

The first block executed asks for a reset; once it is done ("reset done")
the plugin instruments again, and the next block executed asks for the
plugin's removal ("uninstall done"). Unloading the plugin then prints
"plugin exit". Callbacks may run again while a request is pending (both
are asynchronous), but never after it is done.
"""
import sys
import weakref

from plugin_api import *

plugin_id = None
was_reset = was_uninstalled = False


def after_uninstall(id):
    global was_uninstalled
    assert was_reset and not was_uninstalled
    qemu_plugin_outs("uninstall done\n")
    was_uninstalled = True


def tb_exec_after_reset(vcpu_index, userdata):
    assert was_reset and not was_uninstalled
    qemu_plugin_uninstall(plugin_id, after_uninstall)


def tb_trans_after_reset(id, tb):
    assert was_reset and not was_uninstalled
    qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec_after_reset, QEMU_PLUGIN_CB_NO_REGS, None)


def after_reset(id):
    global was_reset
    assert not was_reset and not was_uninstalled
    qemu_plugin_outs("reset done\n")
    was_reset = True
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans_after_reset)


def tb_exec_before_reset(vcpu_index, userdata):
    assert not was_reset and not was_uninstalled
    qemu_plugin_reset(plugin_id, after_reset)


def tb_trans_before_reset(id, tb):
    assert not was_reset and not was_uninstalled
    qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec_before_reset, QEMU_PLUGIN_CB_NO_REGS, None)


def on_plugin_exit():
    """Runs when llemu unloads this module (QEMU: the library's destructor);
    an uninstalled plugin cannot have an atexit callback."""
    assert was_reset and was_uninstalled
    qemu_plugin_outs("plugin exit\n")


def qemu_plugin_install(id, info, args):
    global plugin_id
    plugin_id = id
    weakref.finalize(sys.modules[__name__], on_plugin_exit)
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans_before_reset)
    return 0
