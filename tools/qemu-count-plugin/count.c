/* llemu's counting plugin for QEMU 7.2 (plugin API v1).
 *
 * Counts guest instructions and memory accesses so that llemu's counts can
 * be checked against QEMU's on the same binary.  Load it with
 *
 *   qemu-riscv64 -plugin ./libcount.so,mode=insn_inline -d plugin PROG
 *
 * Modes (one per run):
 *   insn_inline  an inline add before every instruction       -> insns
 *   insn_cb      a C callback before every instruction        -> insns
 *   mem_inline   an inline add after every memory access      -> mems
 *   mem_cb       a C callback after every memory access       -> mems
 *   tb_inline    an inline add of the block's length per block -> insns, tbs
 *   tb_cb        a C callback per block adding its length     -> insns, tbs
 *   empty        a translation callback that counts nothing   -> (nothing)
 *   all_inline   insn_inline and mem_inline together          -> insns, mems
 *   all_cb       insn_cb and mem_cb together                  -> insns, mems
 *
 * The insn and mem modes are exact.  The tb modes count a whole block even
 * when it stops early on a fault, and "tbs" depends on where the translator
 * cuts blocks, so those two only approximate and are not for comparison.
 * Results are printed at exit with qemu_plugin_outs, i.e. to QEMU's log
 * (-d plugin, optionally -D FILE), one "name N" line each.
 *
 * QEMU 7.2 runs no plugin exit callback when the guest dies from a signal
 * (it kills itself with the signal straight away), so nothing is printed
 * then.  With the argument counters=PATH the counters themselves live in a
 * shared mapping of PATH, which keeps their last values however QEMU ends:
 * four native-endian u64 words: the mode bits (COUNT_* below), insns,
 * mems, tbs.  The inline adds write straight into that mapping.  (Not
 * "file=": QEMU takes that argument as the plugin's own path.) */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qemu_plugin_v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

enum { COUNT_INSN_INLINE = 1, COUNT_INSN_CB = 2, COUNT_MEM_INLINE = 4, COUNT_MEM_CB = 8,
       COUNT_TB_INLINE = 16, COUNT_TB_CB = 32, COUNT_NOTHING = 64 };

static const struct { const char *name; unsigned what; } modes[] = {
    { "insn_inline", COUNT_INSN_INLINE },
    { "insn_cb", COUNT_INSN_CB },
    { "mem_inline", COUNT_MEM_INLINE },
    { "mem_cb", COUNT_MEM_CB },
    { "tb_inline", COUNT_TB_INLINE },
    { "tb_cb", COUNT_TB_CB },
    { "all_inline", COUNT_INSN_INLINE | COUNT_MEM_INLINE },
    { "all_cb", COUNT_INSN_CB | COUNT_MEM_CB },
    { "empty", COUNT_NOTHING },     /* a translation callback only: the cost of a plugin */
};

static unsigned what;
/* Inline ops in QEMU 7.2 add to one shared word without atomics; fine for
 * the single-threaded guests this is used on.  Callbacks add atomically so
 * that the callback modes stay exact with threads too.  The words are
 * either this array or a shared file mapping (counters=PATH). */
enum { WORD_MODE, WORD_INSNS, WORD_MEMS, WORD_TBS, N_WORDS };
static uint64_t local_words[N_WORDS];
static uint64_t *words = local_words;
#define insns (words[WORD_INSNS])
#define mems (words[WORD_MEMS])
#define tbs (words[WORD_TBS])

/* Put the counters in a shared mapping of `path`; 0 on success. */
static int map_counter_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    size_t size = (size_t)sysconf(_SC_PAGESIZE);
    void *map = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0)
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return -1;
    words = map;
    return 0;
}

static void insn_exec(unsigned int vcpu, void *udata)
{
    __atomic_fetch_add(&insns, 1, __ATOMIC_RELAXED);
}

static void tb_exec(unsigned int vcpu, void *udata)
{
    __atomic_fetch_add(&insns, (uint64_t)(uintptr_t)udata, __ATOMIC_RELAXED);
    __atomic_fetch_add(&tbs, 1, __ATOMIC_RELAXED);
}

static void mem_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    __atomic_fetch_add(&mems, 1, __ATOMIC_RELAXED);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);

    if (what & COUNT_TB_INLINE) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns, n);
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &tbs, 1);
    }
    if (what & COUNT_TB_CB)
        qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);

    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (what & COUNT_INSN_INLINE)
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insns, 1);
        if (what & COUNT_INSN_CB)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, insn_exec, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (what & COUNT_MEM_INLINE)
            qemu_plugin_register_vcpu_mem_inline(insn, QEMU_PLUGIN_MEM_RW, QEMU_PLUGIN_INLINE_ADD_U64,
                                                 &mems, 1);
        if (what & COUNT_MEM_CB)
            qemu_plugin_register_vcpu_mem_cb(insn, mem_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                             NULL);
    }
}

static void print_count(const char *name, uint64_t value)
{
    char line[64];
    snprintf(line, sizeof line, "%s %" PRIu64 "\n", name, value);
    qemu_plugin_outs(line);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    /* Print every counter the mode maintains, zero included, so a reader
     * can tell "counted nothing" from "not counted". */
    if (what & (COUNT_INSN_INLINE | COUNT_INSN_CB | COUNT_TB_INLINE | COUNT_TB_CB))
        print_count("insns", insns);
    if (what & (COUNT_MEM_INLINE | COUNT_MEM_CB))
        print_count("mems", mems);
    if (what & (COUNT_TB_INLINE | COUNT_TB_CB))
        print_count("tbs", tbs);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    what = COUNT_INSN_INLINE;   /* the default when no mode= is given */
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        unsigned found = 0;
        if (strncmp(arg, "counters=", 9) == 0) {
            if (map_counter_file(arg + 9) != 0) {
                perror("count plugin: counters=");
                return -1;
            }
            continue;
        }
        if (strncmp(arg, "mode=", 5) == 0)
            for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
                if (strcmp(arg + 5, modes[m].name) == 0)
                    found = modes[m].what;
        if (!found) {
            /* A non-zero return makes QEMU refuse the plugin and stop,
             * which beats silently counting the wrong thing. */
            fprintf(stderr, "count plugin: bad argument '%s' (want mode=insn_inline|insn_cb|"
                            "mem_inline|mem_cb|tb_inline|tb_cb|all_inline|all_cb|empty, counters=PATH)\n", arg);
            return -1;
        }
        what = found;
    }
    words[WORD_MODE] = what;
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
