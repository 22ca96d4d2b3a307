/* What the loader hands a program: argc/argv (argv[0] as basename, since
 * the path differs between checkouts), the environment (empty under
 * env -i), and auxv entries whose values are fixed for a given binary and
 * emulated CPU.  AT_RANDOM must point at 16 readable bytes; their value is
 * random and not printed.  Exits with the last argument as status. */
#include <elf.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern char _start[];

int main(int argc, char **argv, char **envp)
{
    printf("argc %d\n", argc);
    printf("argv[0] basename %s\n", basename(strdup(argv[0])));
    for (int i = 1; i < argc; i++)
        printf("argv[%d] len %zu '%s'\n", i, strlen(argv[i]), argv[i]);
    printf("argv[argc] null %d\n", argv[argc] == NULL);

    int nenv = 0;
    for (char **e = envp; *e; e++, nenv++)
        printf("env '%s'\n", *e);
    printf("envc %d environ same %d\n", nenv, environ == envp);

    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("sysconf pagesize %ld\n", sysconf(_SC_PAGESIZE));
    printf("AT_HWCAP %#lx\n", getauxval(AT_HWCAP));
    printf("AT_CLKTCK %lu\n", getauxval(AT_CLKTCK));
    printf("AT_PHENT %lu\n", getauxval(AT_PHENT));
    printf("AT_PHNUM %lu\n", getauxval(AT_PHNUM));
    printf("AT_ENTRY is _start %d\n", getauxval(AT_ENTRY) == (unsigned long)_start);
    printf("AT_BASE %#lx\n", getauxval(AT_BASE));
    printf("AT_SECURE %lu\n", getauxval(AT_SECURE));

    /* the program headers the kernel points at are this binary's own */
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    int loads = 0;
    for (unsigned long i = 0; ph && i < getauxval(AT_PHNUM); i++)
        loads += ph[i].p_type == PT_LOAD;
    printf("AT_PHDR PT_LOAD count %d\n", loads);

    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    volatile unsigned sum = 0;
    for (int i = 0; rnd && i < 16; i++)
        sum += rnd[i];   /* read all 16 bytes: a fault here would show */
    printf("AT_RANDOM readable %d\n", rnd != NULL);

    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN basename %s\n", execfn ? basename(strdup(execfn)) : "(none)");
    printf("AT_EXECFN equals argv[0] %d\n", execfn && strcmp(execfn, argv[0]) == 0);

    /* stack sanity: argv strings live above the argv array */
    printf("argv strings above array %d\n", (void *)argv[0] > (void *)argv);
    return argc > 1 ? atoi(argv[argc - 1]) : 0;
}
