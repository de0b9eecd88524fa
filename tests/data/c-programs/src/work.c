/* A program that computes for a while and prints as it goes: primes with a sieve
 * in a heap buffer, a string table sorted with qsort, and floating-point sums, in
 * rounds. Its exit status is a checksum of everything it computed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    unsigned long sum = 0;
    for (int round = 1; round <= 12; round++) {
        int n = 20000 + round * 1000;
        char *sieve = calloc(n + 1, 1);
        int primes = 0;
        for (int i = 2; i <= n; i++) {
            if (sieve[i])
                continue;
            primes++;
            for (long j = (long)i * i; j <= n; j += i)
                sieve[j] = 1;
        }
        free(sieve);
        char *names[64];
        for (int i = 0; i < 64; i++) {
            names[i] = malloc(24);
            snprintf(names[i], 24, "n%08x", (unsigned)((i * 2654435761u) ^ round));
        }
        qsort(names, 64, sizeof names[0], cmp_str);
        double h = 0;
        for (int i = 1; i < 20000; i++)
            h += 1.0 / ((double)i * round);
        printf("round %2d: %d primes below %d, first %s last %s, h=%.9f\n", round, primes,
               n, names[0], names[63], h);
        for (int i = 0; i < 64; i++) {
            sum = sum * 31 + (unsigned char)names[i][3];
            free(names[i]);
        }
        sum += primes;
    }
    printf("checksum %lu\n", sum);
    return (int)(sum % 251);
}
