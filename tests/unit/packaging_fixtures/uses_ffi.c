/* Calls libffi, which Lambda's runtime has for Python's ctypes at a version nobody pins (LIBFFI_BASE_8.0). */
void ffi_call(void *cif, void (*fn)(void), void *rvalue, void **avalue);
void call(void) { ffi_call(0, 0, 0, 0); }
