// Does interleaving an embedding row's weights and Adam moments (w, m, v side by side) make
// the deferred catch-up's random-row updates faster than three separate arrays?
// docs/performance.md, "Interleaving a row's weights and moments does not pay here".
//   gcc -O3 -march=native -o /tmp/row-layout Scripts/experiments/row-layout.c -lm
//   /tmp/row-layout ROWS UPDATES PREFETCH_DISTANCE     e.g. 1300000 3000000 8 (0: no prefetch)
// Prints ns per row update for each layout, three times.
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#include <string.h>
#define W 64
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static inline void upd(float*w,float*m,float*v){for(int j=0;j<W;j++){float mj=m[j],vj=v[j];w[j]-=0.001f*mj/(0.9f*sqrtf(vj)+1e-7f);m[j]=mj*0.9f;v[j]=vj*0.999f;}}
int main(int argc,char**argv){
  long V=atol(argv[1]); long N=atol(argv[2]); int pf=atoi(argv[3]);
  float *w=aligned_alloc(2<<20,V*W*4),*m=aligned_alloc(2<<20,V*W*4),*v=aligned_alloc(2<<20,V*W*4);
  float *b=aligned_alloc(2<<20,V*W*4*3);
  for(long i=0;i<V*W;i++){w[i]=1;m[i]=0.1f;v[i]=0.01f;}
  for(long i=0;i<V*W*3;i++)b[i]=0.5f;
  unsigned *rows=malloc(N*4); unsigned s=1; for(long i=0;i<N;i++){s=s*1664525u+1013904223u; rows[i]=s%V;}
  for(int rep=0;rep<3;rep++){
  double t=now();
  for(long k=0;k<N;k++){ if(pf&&k+pf<N){long r=rows[k+pf]*W; for(int c=0;c<W;c+=16){__builtin_prefetch(w+r+c,1);__builtin_prefetch(m+r+c,1);__builtin_prefetch(v+r+c,1);}}
    long r=rows[k]*W; upd(w+r,m+r,v+r);}
  double a=now()-t; t=now();
  for(long k=0;k<N;k++){ if(pf&&k+pf<N){long r=rows[k+pf]*W*3; for(int c=0;c<3*W;c+=16)__builtin_prefetch(b+r+c,1);}
    long r=rows[k]*W*3; upd(b+r,b+r+W,b+r+2*W);}
  double c=now()-t;
  printf("V=%ld separate %.1f ns/row  interleaved %.1f ns/row  ratio %.2f\n",V,a/N*1e9,c/N*1e9,a/c);}
}
