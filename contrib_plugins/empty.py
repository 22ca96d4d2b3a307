"""QEMU's tests/tcg/plugins/empty.c: a translation callback that does
nothing, to measure the cost of instrumenting and then adding nothing."""
from plugin_api import *


def vcpu_tb_trans(id, tb):
    pass


def qemu_plugin_install(id, info, args):
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    return 0
