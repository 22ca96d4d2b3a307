/* File system calls through libc: in a fresh mkdtemp directory under /tmp
 * create, write, lseek, read back, pread/pwrite, O_APPEND, ftruncate,
 * stat/fstat/lstat, symlink/readlink, rename, link counts, dup2, access,
 * directory listing (sorted, since readdir order is the file system's),
 * error numbers, then remove everything.  Prints only facts that do not
 * depend on the host (no inode numbers, times or the random name). */
#define _GNU_SOURCE   /* strerrorname_np: errno names are stabler than messages */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

#define CHECK(cond) do { if (!(cond)) { printf("FAILED line %d: %s (errno %s)\n", \
                                               __LINE__, #cond, strerrorname_np(errno)); \
                                        failures++; } } while (0)

static char dir[64];

static const char *in_dir(const char *name)
{
    static char path[2][128];
    static int which;
    which ^= 1;
    snprintf(path[which], sizeof path[which], "%s/%s", dir, name);
    return path[which];
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(void)
{
    char *names[32];
    int n = 0;
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    for (struct dirent *e; d && (e = readdir(d)) && n < 32;)
        names[n++] = strdup(e->d_name);
    if (d) closedir(d);
    qsort(names, n, sizeof names[0], cmp_names);
    printf("listing:");
    for (int i = 0; i < n; i++) {
        struct stat st;
        char kind = '?';
        if (lstat(in_dir(names[i]), &st) == 0)
            kind = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISREG(st.st_mode) ? 'f' : 'o';
        printf(" %s(%c)", names[i], kind);
        free(names[i]);
    }
    printf("\n");
}

int main(void)
{
    umask(022);   /* inherited from the caller otherwise */
    strcpy(dir, "/tmp/llemu-files-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    printf("mkdtemp ok, name length %zu\n", strlen(dir));

    /* create + write + lseek + read */
    int fd = open(in_dir("data.txt"), O_CREAT | O_EXCL | O_RDWR, 0640);
    CHECK(fd >= 0);
    const char msg[] = "hello, file system\nsecond line\n";
    printf("write %zd\n", write(fd, msg, sizeof msg - 1));
    printf("lseek end %ld\n", (long)lseek(fd, 0, SEEK_END));
    printf("lseek set %ld\n", (long)lseek(fd, 7, SEEK_SET));
    char buf[128] = { 0 };
    ssize_t got = read(fd, buf, 4);
    printf("read %zd '%.*s'\n", got, (int)got, buf);
    printf("lseek cur %ld\n", (long)lseek(fd, -2, SEEK_CUR));
    got = read(fd, buf, sizeof buf);
    printf("read rest %zd\n", got);
    printf("read at eof %zd\n", read(fd, buf, sizeof buf));
    printf("pwrite %zd\n", pwrite(fd, "HELLO", 5, 0));
    memset(buf, 0, sizeof buf);
    printf("pread %zd '%s'\n", pread(fd, buf, 12, 0), buf);
    printf("lseek past end %ld\n", (long)lseek(fd, 100, SEEK_SET));
    printf("write past end %zd\n", write(fd, "!", 1));

    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    printf("fstat size %ld mode %o nlink %ld regular %d\n", (long)st.st_size, st.st_mode & 07777,
           (long)st.st_nlink, S_ISREG(st.st_mode));
    CHECK(ftruncate(fd, 10) == 0);
    CHECK(fstat(fd, &st) == 0);
    printf("ftruncate size %ld\n", (long)st.st_size);

    /* dup2 shares the offset */
    int fd2 = dup2(fd, 10);
    printf("dup2 %d\n", fd2);
    lseek(fd, 3, SEEK_SET);
    printf("dup offset %ld\n", (long)lseek(fd2, 0, SEEK_CUR));
    close(fd2);
    close(fd);

    /* O_APPEND always writes at the end */
    fd = open(in_dir("data.txt"), O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    lseek(fd, 0, SEEK_SET);
    write(fd, "++", 2);
    close(fd);
    CHECK(stat(in_dir("data.txt"), &st) == 0);
    printf("append size %ld\n", (long)st.st_size);

    /* stdio on the same file */
    FILE *f = fopen(in_dir("data.txt"), "r");
    CHECK(f != NULL);
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        printf("fread %zu:", n);
        for (size_t i = 0; i < n; i++) printf(" %02x", (unsigned char)buf[i]);
        printf("\n");
        fclose(f);
    }

    /* links, rename, a subdirectory */
    CHECK(link(in_dir("data.txt"), in_dir("hard")) == 0);
    CHECK(stat(in_dir("data.txt"), &st) == 0);
    printf("nlink after link %ld\n", (long)st.st_nlink);
    CHECK(symlink("data.txt", in_dir("soft")) == 0);
    ssize_t rl = readlink(in_dir("soft"), buf, sizeof buf);
    printf("readlink %zd '%.*s'\n", rl, (int)rl, buf);
    CHECK(lstat(in_dir("soft"), &st) == 0);
    printf("lstat symlink %d\n", S_ISLNK(st.st_mode));
    CHECK(rename(in_dir("hard"), in_dir("renamed")) == 0);
    CHECK(mkdir(in_dir("sub"), 0755) == 0);
    CHECK(stat(in_dir("sub"), &st) == 0);
    printf("mkdir mode %o isdir %d\n", st.st_mode & 07777, S_ISDIR(st.st_mode));
    f = fopen(in_dir("sub/inner"), "w");
    CHECK(f != NULL);
    if (f) { fprintf(f, "%d\n", 12345); fclose(f); }
    list_dir();

    /* errors */
    errno = 0;
    printf("open missing %d %s\n", open(in_dir("missing"), O_RDONLY), strerrorname_np(errno));
    printf("mkdir existing %d %s\n", mkdir(in_dir("sub"), 0755), strerrorname_np(errno));
    printf("rmdir non-empty %d %s\n", rmdir(in_dir("sub")), strerrorname_np(errno));
    printf("unlink dir %d %s\n", unlink(in_dir("sub")), strerrorname_np(errno));
    printf("access data R_OK %d\n", access(in_dir("data.txt"), R_OK));
    printf("access missing %d %s\n", access(in_dir("nope"), F_OK), strerrorname_np(errno));
    printf("read bad fd %zd %s\n", read(99, buf, 1), strerrorname_np(errno));

    /* chdir and relative paths */
    char cwd[256];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK(access("sub/inner", R_OK) == 0);
    char here[256];
    CHECK(getcwd(here, sizeof here) != NULL);
    printf("getcwd is dir %d\n", strcmp(here, dir) == 0);
    CHECK(chdir(cwd) == 0);

    /* clean up and show it is gone */
    CHECK(unlink(in_dir("sub/inner")) == 0);
    CHECK(rmdir(in_dir("sub")) == 0);
    CHECK(unlink(in_dir("soft")) == 0);
    CHECK(unlink(in_dir("renamed")) == 0);
    CHECK(unlink(in_dir("data.txt")) == 0);
    list_dir();
    CHECK(rmdir(dir) == 0);
    printf("dir removed %d\n", access(dir, F_OK) != 0);
    printf("failures %d\n", failures);
    return failures ? 1 : 0;
}
