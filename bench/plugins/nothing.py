"""Bench plugin: loads and registers nothing (what a plugin costs by itself)."""


def qemu_plugin_install(id, info, args):
    return 0
