/* Execute each 32-bit word read from stdin once under qemu and print 'I' if
   it raised SIGILL at its own pc, else 'L'. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>
#include <ucontext.h>
#include <stdlib.h>

#define R 0x40000000UL
#define RSIZE (4UL << 20)
#define V 0x40100000UL
#define P (V + 0x400)

extern void run_insn(void);
extern char resume[];
uint64_t save_area[32];
volatile int got_sig;
volatile int in_test;
volatile uint64_t got_pc;

static void handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    uint64_t pc = uc->uc_mcontext.__gregs[0];
    if (pc < R || pc >= R + RSIZE) {
        if (sig == SIGALRM || !in_test) return;
        if (sig != SIGSEGV) _exit(99);
    }
    got_sig = sig;
    got_pc = pc;
    uc->uc_mcontext.__gregs[0] = (uint64_t)resume;
    uc->uc_mcontext.__gregs[1] = save_area[1];
    uc->uc_mcontext.__gregs[2] = save_area[2];
    uc->uc_mcontext.__gregs[3] = save_area[3];
    uc->uc_mcontext.__gregs[4] = save_area[4];
    uc->uc_mcontext.__gregs[8] = save_area[8];
    uc->uc_mcontext.__gregs[9] = save_area[9];
    for (int i = 18; i <= 27; i++) uc->uc_mcontext.__gregs[i] = save_area[i];
}

static void fill(uint64_t a, uint64_t n)
{
    uint16_t *p = (uint16_t *)a;
    for (uint64_t i = 0; i < n / 2; i++) p[i] = 0x9002;
}

int main(void)
{
    static char altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
    sigaltstack(&ss, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    int sigs[] = {SIGILL, SIGSEGV, SIGBUS, SIGTRAP, SIGFPE, SIGALRM, SIGSYS};
    for (unsigned i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, 0);
    void *m = mmap((void *)R, RSIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (m != (void *)R) return 2;
    fill(R, RSIZE);
    struct itimerval it = { {0, 20000}, {0, 20000} };
    setitimer(ITIMER_REAL, &it, 0);
    uint32_t words[4096];
    char out[4096];
    ssize_t n;
    while ((n = read(0, words, sizeof words)) > 0) {
        int cnt = n / 4;
        for (int i = 0; i < cnt; i++) {
            for (int tries = 0; tries < 3; tries++) {
                fill(V - 0x1000, 0x2000);
                uint32_t w = words[i];
                if ((w & 3) == 3) memcpy((void *)P, &w, 4);
                else memcpy((void *)P, &w, 2);
                __builtin___clear_cache((char *)P, (char *)P + 4);
                got_sig = 0;
                in_test = 1;
                run_insn();
                in_test = 0;
                if (got_sig == SIGALRM && got_pc == P) continue;
                break;
            }
            out[i] = (got_sig == SIGILL && got_pc == P) ? 'I' : 'L';
        }
        write(1, out, cnt);
    }
    write(1, "\n", 1);
    return 0;
}
