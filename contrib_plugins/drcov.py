"""drcov: basic-block coverage in DynamoRIO's drcov format (QEMU's contrib/plugins/drcov.c).

    -plugin drcov[,filename=FILE]       (default file.drcov.trace)

Writes, at exit, a drcov version 2 log that Lighthouse (and other drcov
readers) load: a text header and module table, "BB Table: N bbs", then N
binary records (uint32 start, uint16 size, uint16 module id; little-endian),
one per translated block that ran.  The one module is the program (base
qemu_plugin_start_code, end qemu_plugin_end_code).

Block starts are offsets from the module base, as DynamoRIO writes them
and Lighthouse reads them; QEMU writes the absolute address there, which a
reader takes for an offset.  Blocks outside the program (the dynamic
loader, shared libraries) belong to no module in the table, so they are
left out.
"""
import struct

from plugin_api import *

HEADER = ("DRCOV VERSION: 2\n"
          "DRCOV FLAVOR: drcov-64\n"
          "Module Table: version 2, count 1\n"
          "Columns: id, base, end, entry, path\n")
BB_ENTRY = struct.Struct("<IHH")        # start, size, mod_id

file_name = "file.drcov.trace"
# A block's "executed" flag is a u64 that an inline store sets, so running
# a block costs no callback.  The flags live CHUNK to a scoreboard.
CHUNK = 512
chunks = []


class Block:
    __slots__ = ("executed", "size", "start")

    def __init__(self, start, size, index):
        self.start = start
        self.size = size            # bytes
        if index % CHUNK == 0:
            chunks.append(qemu_plugin_scoreboard_new(CHUNK * 8))
        self.executed = qemu_plugin_scoreboard_u64_in_struct(chunks[-1], index % CHUNK * 8)


blocks = []         # every translation, in order


def plugin_exit(id, p):
    base, end = qemu_plugin_start_code(), qemu_plugin_end_code()
    ran = [(bb.start - base, bb.size) for bb in blocks
           if base <= bb.start < end and qemu_plugin_u64_sum(bb.executed)]
    with open(file_name, "wb") as fp:
        fp.write(HEADER.encode())
        fp.write(f"0, 0x{base:x}, 0x{end:x}, 0x{qemu_plugin_entry_code():x}, "
                 f"{qemu_plugin_path_to_binary()}\n".encode())
        fp.write(f"BB Table: {len(ran)} bbs\n".encode())
        fp.write(b"".join(BB_ENTRY.pack(start & 0xFFFFFFFF, size & 0xFFFF, 0) for start, size in ran))


def vcpu_tb_trans(id, tb):
    size = sum(qemu_plugin_insn_size(qemu_plugin_tb_get_insn(tb, i))
               for i in range(qemu_plugin_tb_n_insns(tb)))
    bb = Block(qemu_plugin_tb_vaddr(tb), size, len(blocks))
    blocks.append(bb)
    qemu_plugin_register_vcpu_tb_exec_inline_per_vcpu(tb, QEMU_PLUGIN_INLINE_STORE_U64, bb.executed, 1)


def qemu_plugin_install(id, info, args):
    global file_name
    for opt in args:
        name, _, value = opt.partition("=")
        if name == "filename" and value:
            file_name = value
    # Opened now, as QEMU does: a bad file name fails at load, not at exit.
    open(file_name, "wb").close()
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans)
    qemu_plugin_register_atexit_cb(id, plugin_exit, None)
    return 0
