/* A program whose memory keeps growing while it runs: heap chunks (the program break)
 * and large blocks (anonymous mappings), kept and checked to the end, so a live
 * migration has to carry memory that appears during pre-copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { ROUNDS = 40 };
    unsigned char *small[ROUNDS], *big[ROUNDS];
    unsigned long sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        small[r] = malloc(48 << 10);      /* below the mmap threshold: brk */
        big[r] = malloc(300 << 10);       /* above it: mmap */
        memset(small[r], r + 1, 48 << 10);
        for (int i = 0; i < (300 << 10); i++)
            big[r][i] = (unsigned char)(i * 7 + r);
        unsigned long s = 0;
        for (int k = 0; k <= r; k++)
            s += small[k][k * 100] + big[k][k * 1000 + 3];
        sum = sum * 131 + s;
        if (r % 8 == 7)
            printf("round %d: %lu\n", r + 1, s);
    }
    printf("sum %lu\n", sum);
    return (int)(sum % 199);
}
