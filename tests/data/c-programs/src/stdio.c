#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(void) {
    int v[] = {5, 3, 9, 1, 7, 2, 8};
    qsort(v, 7, sizeof v[0], cmp);
    char buf[64];
    snprintf(buf, sizeof buf, "%d,%d,%d", v[0], v[3], v[6]);
    printf("sorted %s len %zu\n", buf, strlen(buf));
    double x = 1.0;
    for (int i = 1; i < 20; i++) x += 1.0 / i;
    printf("harmonic %.6f\n", x);
    char *p = malloc(200000);
    memset(p, 'a', 199999); p[199999] = 0;
    printf("big %zu\n", strlen(p));
    free(p);
    return 3;
}
