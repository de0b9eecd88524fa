/* Odds and ends of the C library: sscanf, strcasecmp, 128-bit integers, setjmp and
   longjmp, bsearch, long double, printf flags, libm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
static jmp_buf jb;
static int cmpi(const void*a,const void*b){return *(int*)a-*(int*)b;}
static void deep(int n){ if(n==0) longjmp(jb, 42); deep(n-1); }
int main(int argc, char **argv){
  char buf[128]; int x; double y; char w[32];
  sscanf("123 4.5e3 word", "%d %lf %31s", &x, &y, w);
  printf("%d %g %s %d\n", x, y, w, strcasecmp("HeLLo","hello"));
  __int128 big = (__int128)0x123456789abcdefLL * 0xfedcba987654321LL;
  printf("%llx %llx\n", (unsigned long long)(big>>64), (unsigned long long)big);
  long q = 0; for (long i=1;i<100000;i++) q += (0x7fffffffffffLL / i) % 97 + (i*i) % 13;
  printf("%ld\n", q);
  int r = setjmp(jb); if (!r) deep(100); printf("jmp %d\n", r);
  int arr[500]; for(int i=0;i<500;i++) arr[i]=(i*7919)%1009; qsort(arr,500,sizeof(int),cmpi);
  int key=arr[250]; int *f=bsearch(&key,arr,500,sizeof(int),cmpi); printf("%d %ld\n", key, (long)(f-arr)>=0);
  long double ld=0; for(int i=1;i<200;i++) ld += 1.0L/((long double)i*i); printf("%.18Lf\n", ld);
  float fl=0; for(int i=1;i<2000;i++) fl += sqrtf((float)i) / (float)i; printf("%.6f %.3e\n", fl, ldexp(1.5, -1030));
  snprintf(buf, sizeof buf, "%08.3f|%-6d|%+x|%#o|%5.2s|%c", -3.14159, 42, 255, 8, "abcdef", 'Z'); puts(buf);
  strncpy(w, "truncate-me-please", 8); w[8]=0; printf("%s %zu %s\n", w, strspn("aaabbb","a"), strrchr("a/b/c",'/'));
  uint64_t h=1469598103934665603ULL; for(int i=0;i<100000;i++){ h^=i; h*=1099511628211ULL; } printf("%016llx\n",(unsigned long long)h);
  printf("%.3f %.3f %.3f %.3f\n", fmod(10.5,3), round(2.5), floor(-2.5), cbrt(27.0));
  return argc - 1;
}
