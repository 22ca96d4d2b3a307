/* Signal delivery: handlers for raise/kill (with SA_SIGINFO details),
 * blocked signals left pending and delivered on unblock, a SIGSEGV from a
 * bad load and a SIGILL recovered with siglongjmp, a SIGTRAP handler that
 * moves the saved pc past the ebreak (so sigreturn must restore the edited
 * context), nested handlers, an interval timer, and finally abort(), so
 * the exit status is death by SIGABRT. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits[NSIG];
static sigjmp_buf recover;
static volatile int last_code;
static void *volatile last_addr;

static void counting(int sig) { hits[sig]++; }

static void with_info(int sig, siginfo_t *info, void *uc)
{
    hits[sig]++;
    last_code = info->si_code;
    last_addr = info->si_addr;
}

static void fault(int sig, siginfo_t *info, void *uc)
{
    hits[sig]++;
    last_code = info->si_code;
    last_addr = info->si_addr;
    siglongjmp(recover, sig);
}

static void skip_ebreak(int sig, siginfo_t *info, void *ucv)
{
    ucontext_t *uc = ucv;
    hits[sig]++;
    uc->uc_mcontext.__gregs[REG_PC] += 4;   /* resume after the 4-byte ebreak */
}

static void outer(int sig)
{
    hits[sig]++;
    raise(SIGUSR2);   /* not blocked inside this handler: runs nested, now */
    printf("outer handler sees inner ran: %d\n", (int)hits[SIGUSR2]);
}

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);   /* output order across handlers */

    signal(SIGUSR1, counting);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 handled %d times\n", (int)hits[SIGUSR1]);

    install(SIGUSR2, with_info, 0);
    raise(SIGUSR2);
    printf("raise si_code %d (SI_TKILL %d)\n", last_code, SI_TKILL);
    kill(getpid(), SIGUSR2);
    printf("kill si_code %d (SI_USER %d)\n", last_code, SI_USER);

    sigset_t set, old, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    sigpending(&pending);
    printf("blocked: pending %d, handled %d\n", sigismember(&pending, SIGUSR1), (int)hits[SIGUSR1]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: handled %d\n", (int)hits[SIGUSR1]);

    install(SIGSEGV, fault, SA_NODEFER);
    int sig = sigsetjmp(recover, 1);
    if (sig == 0) {
        volatile uintptr_t where = 0x18;   /* volatile: the compiler must not see NULL+k */
        volatile int *bad = (volatile int *)where;
        printf("loaded %d\n", *bad);
    }
    printf("recovered from signal %d, si_code %d (SEGV_MAPERR %d), si_addr %p\n", sig, last_code, SEGV_MAPERR,
           last_addr);

    install(SIGILL, fault, SA_NODEFER);
    sig = sigsetjmp(recover, 1);
    if (sig == 0)
        __asm__ volatile(".option push\n.option norvc\n.word 0\n.option pop");
    printf("recovered from signal %d, si_code %d (ILL_ILLOPC %d)\n", sig, last_code, ILL_ILLOPC);

    install(SIGTRAP, skip_ebreak, 0);
    int after = 0;
    __asm__ volatile(".option push\n.option norvc\nebreak\n.option pop\nli %0, 42" : "=r"(after));
    printf("resumed after ebreak: %d, traps %d\n", after, (int)hits[SIGTRAP]);

    signal(SIGUSR1, outer);
    signal(SIGUSR2, counting);
    hits[SIGUSR2] = 0;
    raise(SIGUSR1);

    /* SIGALRM stays blocked until sigsuspend, so it is delivered there and
     * only there, however late this process gets to run */
    install(SIGALRM, with_info, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, &old);
    struct itimerval it = { { 0, 0 }, { 0, 10000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    sigset_t none;
    sigemptyset(&none);
    while (!hits[SIGALRM])
        sigsuspend(&none);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("timer fired %d, si_code %d (SI_KERNEL %d)\n", (int)hits[SIGALRM], last_code, SI_KERNEL);

    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored signal did nothing\n");

    printf("calling abort\n");
    abort();
}
