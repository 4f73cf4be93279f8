/* Reads a glibc-internal variable of the dynamic loader: a GLIBC_PRIVATE need, which no zip may have. */
extern int __libc_enable_secure;
int secure(void) { return __libc_enable_secure; }
