/* Needs libdep.so (found through RUNPATH $ORIGIN/sub) and libbz2 (found through the loader's cache). */
int dep_value(void);
int BZ2_bzlibVersion(void);
int top_value(void) { return dep_value() + (BZ2_bzlibVersion() != 0); }
