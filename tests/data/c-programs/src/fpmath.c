#include <stdio.h>
#include <math.h>
int main(void) {
    volatile double a = 1.0000001, b = 3.3333333333, c = -2.5, s = 0;
    for (int i = 0; i < 1000; i++) { s = fma(a, s, b) ; s = s * 0.5 + c * 0.001; }
    volatile float f = 1.1f, g = 0;
    for (int i = 0; i < 100; i++) g = fmaf(f, g, 0.25f);
    printf("%.17g %.9g %.17g %.9g\n", s, (double)g, sqrt(s * s + 2), (double)sqrtf(g));
    return 0;
}
