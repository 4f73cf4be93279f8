/* Linked against glibc >= 2.35, hypot binds to hypot@GLIBC_2.35; cbrt keeps a GLIBC_2.2.5 need of libm. */
#include <math.h>
double length(double a, double b) { return hypot(a, b); }
double root3(double a) { return cbrt(a); }
