/* Loops gcc -O3 vectorizes (VMX/VSX integer and floating point), and the string
   routines glibc picks by AT_HWCAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#define N 4096
static uint32_t a[N], b[N], c[N]; static int16_t h[N]; static uint8_t u[N]; static double d[N], e[N]; static float f[N];
int main(void){
  for(int i=0;i<N;i++){a[i]=i*2654435761u;b[i]=i^0x5a5a;h[i]=(int16_t)(i*37);u[i]=(uint8_t)(i*13);d[i]=i*0.25;e[i]=1.0/(i+1);f[i]=(float)i/3;}
  for(int r=0;r<20;r++){
    for(int i=0;i<N;i++) c[i]=(a[i]+b[i])^(a[i]>>3);
    for(int i=0;i<N;i++) { int x=h[i]*3; h[i]=(int16_t)(x>32767?32767:x<-32768?-32768:x); }
    for(int i=0;i<N;i++) u[i]=u[i]>u[(i+1)%N]?u[i]:u[(i+1)%N];
    for(int i=0;i<N;i++) d[i]=d[i]*1.0001+e[i];
    for(int i=0;i<N;i++) f[i]=f[i]*0.999f+(float)i;
    for(int i=0;i<N;i++) a[i]=c[i]*3+b[i];
  }
  uint64_t s=0; double ds=0; float fs=0; long hs=0, us=0;
  for(int i=0;i<N;i++){s+=c[i];ds+=d[i];fs+=f[i];hs+=h[i];us+=u[i];}
  char *m=malloc(100000); memset(m,'x',99999); m[99999]=0; m[50000]='y';
  printf("%llu %.10f %.4f %ld %ld %zu %d\n",(unsigned long long)s,ds,fs,hs,us,strlen(m),(int)(strchr(m,'y')-m));
  char *m2=malloc(100000); memcpy(m2,m,100000); printf("%d %d\n", memcmp(m,m2,100000), strcmp(m,m2));
  long long ll[N]; for(int i=0;i<N;i++) ll[i]=(long long)a[i]*b[i]; long long mx=0; for(int i=0;i<N;i++) if(ll[i]>mx) mx=ll[i]; printf("%lld\n",mx);
  return 0;
}
