"""Plugins bundled with llemu: QEMU's test plugins (tests/tcg/plugins) and
contrib plugins (contrib/plugins) ported to Python, with QEMU's arguments
and output lines.

Load one by name: `python -m emu -plugin NAME[,arg=value...] PROGRAM`
(QEMU's `libNAME.so` spelling works too). Each file is a plugin on its
own; this package marker only lets tools import them.
"""
