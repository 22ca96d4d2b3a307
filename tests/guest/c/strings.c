/* String and memory functions of libc (these use tuned assembly in
 * glibc): strlen/strcmp/strncmp/memcmp at many alignments and lengths,
 * memcpy/memmove with overlap in both directions, memset, strchr/strrchr/
 * strstr, strtok, strtol/strtoul, sprintf and sscanf. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u;   /* FNV-1a */
    while (n--) h = (h ^ *s++) * 16777619u;
    return h;
}

static int sign(int x) { return (x > 0) - (x < 0); }

int main(void)
{
    static char buf[4096], buf2[4096];
    uint32_t h = 0;

    /* strlen at every start alignment and length up to 70 */
    for (int align = 0; align < 16; align++)
        for (int len = 0; len < 70; len++) {
            memset(buf + align, 'a' + (len % 26), len);
            buf[align + len] = 0;
            h = h * 33 + (uint32_t)strlen(buf + align);
        }
    printf("strlen %08x\n", h);

    /* comparisons: sign of the result only (magnitudes are unspecified) */
    const char *words[] = { "", "a", "ab", "abc", "abd", "b", "abcdefghijklmnopqrstuvwxyz0123",
                            "abcdefghijklmnopqrstuvwxyz0124", "\x80", "\x7f", "ABC" };
    int nw = sizeof words / sizeof words[0];
    for (int i = 0; i < nw; i++) {
        for (int j = 0; j < nw; j++)
            printf("%c", "<=>"[sign(strcmp(words[i], words[j])) + 1]);
        printf(" ");
        for (int j = 0; j < nw; j++)
            printf("%c", "<=>"[sign(strncmp(words[i], words[j], 2)) + 1]);
        printf("\n");
    }
    h = 0;
    for (int a = 0; a < 8; a++)
        for (int len = 1; len < 40; len++) {
            /* the first difference (if any) at a varying place and sign */
            int at = (a * 7 + len * 3) % (len + 1);
            memset(buf, 'x', 64);
            memset(buf2, 'x', 64);
            if (at < len)
                buf2[a + at] = (len & 1) ? 'y' : 'w';
            h = h * 3 + (uint32_t)(sign(memcmp(buf + a, buf2 + a, len)) + 1);
        }
    printf("memcmp %08x\n", h);

    /* memcpy/memmove/memset */
    for (int i = 0; i < 256; i++) buf[i] = (char)i;
    memcpy(buf2 + 3, buf + 1, 200);
    printf("memcpy %08x\n", hash(buf2, 256));
    memmove(buf + 10, buf, 100);    /* overlap, forward */
    printf("memmove fwd %08x\n", hash(buf, 256));
    memmove(buf, buf + 37, 150);    /* overlap, backward */
    printf("memmove back %08x\n", hash(buf, 256));
    memset(buf + 5, 0xa5, 1000);
    printf("memset %08x\n", hash(buf, 1100));

    const char *text = "the quick brown fox jumps over the lazy dog";
    printf("strchr '%s'\n", strchr(text, 'q'));
    printf("strrchr '%s'\n", strrchr(text, 'o'));
    printf("strstr '%s'\n", strstr(text, "the lazy"));
    printf("strstr missing %s\n", strstr(text, "cat") ? "found" : "null");
    printf("strspn %zu strcspn %zu\n", strspn(text, "the "), strcspn(text, "xyz"));
    printf("strncpy '%.8s'\n", strncpy(buf, text, 8));

    strcpy(buf, "alpha,beta;;gamma , delta,,");
    int n = 0;
    for (char *tok = strtok(buf, ",; "); tok; tok = strtok(NULL, ",; "))
        printf("token %d '%s'\n", n++, tok);

    strcpy(buf, "abc");
    strcat(buf, "def");
    strncat(buf, "ghijkl", 3);
    printf("strcat '%s' len %zu\n", buf, strlen(buf));
    char *dup = strdup(text);
    printf("strdup equal %d\n", strcmp(dup, text) == 0);
    free(dup);

    /* numbers to and from text */
    char *end;
    printf("strtol %ld %ld %ld\n", strtol("  -12345xyz", &end, 10), strtol("0x7fff", NULL, 16),
           strtol("777", NULL, 8));
    printf("strtol rest '%s'\n", end);
    printf("strtoul %lu\n", strtoul("18446744073709551615", NULL, 10));
    printf("strtoll base0 %lld %lld\n", strtoll("0x10", NULL, 0), strtoll("010", NULL, 0));
    printf("atoi %d\n", atoi("  42abc"));
    int len = sprintf(buf, "%d|%s|%08.3f|%x|%c", -17, "str", 3.14159, 48879, 'Z');
    printf("sprintf %d '%s'\n", len, buf);
    int a = 0, c = 0;
    unsigned x = 0;
    char word[32] = "", rest[32] = "";
    double d = 0;
    int got = sscanf("  123 0x1f word 2.5e3 tail", "%d %x %31s %lf %31s", &a, &x, word, &d, rest);
    printf("sscanf %d: %d %u '%s' %.1f '%s'\n", got, a, x, word, d, rest);
    got = sscanf("12:34:56", "%d:%d:%d", &a, &c, (int *)&x);
    printf("sscanf time %d: %d %d %u\n", got, a, c, x);
    got = sscanf("abc", "%d", &a);
    printf("sscanf mismatch %d\n", got);
    return 0;
}
