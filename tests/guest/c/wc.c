/* Reads standard input until EOF in small, odd-sized read() calls (so
 * partial reads and buffer boundaries matter) and prints wc-style counts,
 * the longest line, a byte histogram digest, and the input with each word
 * reversed.  Exit status: 0 if the input ended with a newline, 1 if not. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char text[1 << 20];

int main(void)
{
    size_t len = 0;
    ssize_t got;
    int reads = 0;
    while (len < sizeof text && (got = read(0, text + len, 7)) > 0) {
        len += (size_t)got;
        reads++;
    }
    if (got < 0) { perror("read"); return 2; }

    size_t lines = 0, words = 0, longest = 0, cur = 0;
    int in_word = 0;
    uint32_t hist[256] = { 0 };
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        hist[c]++;
        if (c == '\n') { lines++; if (cur > longest) longest = cur; cur = 0; }
        else cur++;
        int space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
        if (!space && !in_word) words++;
        in_word = !space;
    }
    if (cur > longest) longest = cur;
    uint64_t digest = 0;
    for (int c = 0; c < 256; c++) digest = digest * 131 + hist[c];

    printf("%zu %zu %zu\n", lines, words, len);
    printf("longest line %zu\n", longest);
    printf("reads at least %d\n", reads >= (int)((len + 6) / 7));
    printf("histogram %016llx\n", (unsigned long long)digest);

    /* each word reversed in place, separators kept */
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && !strchr(" \n\t", text[j])) j++;
        for (size_t a = i, b = j; a + 1 < b; a++, b--) {
            char t = text[a]; text[a] = text[b - 1]; text[b - 1] = t;
        }
        i = j + 1;
    }
    fwrite(text, 1, len, stdout);
    if (len && text[len - 1] != '\n') printf("\n(no final newline)\n");
    return len && text[len - 1] == '\n' ? 0 : 1;
}
