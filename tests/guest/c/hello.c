/* The smallest glibc program: the start-up cost of an emulator. */
#include <stdio.h>

int main(void)
{
    puts("Hello, world!");
    return 0;
}
