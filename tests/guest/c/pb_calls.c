/* Calls through frame pointers, for the uftrace plugin: built with
 * -fno-omit-frame-pointer and no inlining, so each function keeps a frame
 * record; leaf() is a leaf (gcc saves no ra there), fib() recurses. */
#include <stdio.h>

int leaf(int x) { return x * 3 + 1; }

int middle(int x) { return leaf(x) + leaf(x + 1); }

int outer(int x) { return middle(x) * 2; }

int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(void)
{
    int r = outer(1) + fib(4);
    printf("result %d\n", r);
    return 0;
}
