/* A program that grows large blocks with realloc: glibc keeps blocks above the mmap
 * threshold in mappings of their own and grows them with mremap (in place, or moved
 * with their contents), and frees them with munmap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { BLOCKS = 3, STEPS = 12 };
    unsigned char *b[BLOCKS];
    size_t len[BLOCKS];
    unsigned long sum = 0;
    for (int k = 0; k < BLOCKS; k++) {
        len[k] = 200 << 10;
        b[k] = malloc(len[k]);
        for (size_t i = 0; i < len[k]; i++)
            b[k][i] = (unsigned char)(i * (k + 3));
    }
    for (int s = 0; s < STEPS; s++) {
        for (int k = 0; k < BLOCKS; k++) {
            size_t old = len[k];
            len[k] = old + ((size_t)(s + k + 1) << 16);
            b[k] = realloc(b[k], len[k]);
            if (!b[k])
                return 100;
            /* The old contents travel with the block. */
            for (size_t i = 0; i < old; i += 4093)
                if (b[k][i] != (unsigned char)(i * (k + 3)))
                    return 101;
            for (size_t i = old; i < len[k]; i++)
                b[k][i] = (unsigned char)(i * (k + 3));
            sum = sum * 31 + b[k][len[k] - 1] + len[k];
        }
        if (s % 4 == 3)
            printf("step %d: %lu\n", s + 1, sum);
    }
    for (int k = 0; k < BLOCKS; k++)
        free(b[k]);
    printf("sum %lu\n", sum);
    return (int)(sum % 211);
}
