#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/uio.h>
int main(int argc, char **argv) {
    FILE *f = fopen(argc > 1 ? argv[1] : "/etc/hostname", "r");
    if (!f) { perror("fopen"); return 1; }
    char line[256]; int n = 0; long total = 0;
    while (fgets(line, sizeof line, f)) { n++; total += strlen(line); }
    fclose(f);
    printf("%d lines, %ld bytes\n", n, total);
    /* readv into two buffers, to the end of the file */
    char head[16], rest[100000];
    struct iovec iov[2] = {{head, sizeof head}, {rest, sizeof rest}};
    int fd = open(argc > 1 ? argv[1] : "/etc/hostname", O_RDONLY);
    ssize_t got = readv(fd, iov, 2), again = readv(fd, iov, 2);
    close(fd);
    printf("readv %zd then %zd, starts %.8s\n", got, again, head);
    if (argc > 2 && strcmp(argv[2], "-") == 0) {
        /* stdin to its end: bytes, lines, a checksum */
        unsigned long bytes = 0, lines = 0, sum = 0; int c;
        while ((c = getchar()) != EOF) { bytes++; lines += c == '\n'; sum = sum * 31 + c; }
        printf("stdin %lu bytes, %lu lines, sum %lx\n", bytes, lines, sum);
    }
    char *big = malloc(1 << 20); memset(big, 7, 1 << 20);
    long s = 0; for (int i = 0; i < (1 << 20); i += 4096) s += big[i];
    printf("sum %ld sqrt %.5f\n", s, sqrt((double)s));
    free(big);
    return 0;
}
