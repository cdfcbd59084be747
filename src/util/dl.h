/*
 * dl.h - a shared library loaded when a feature needs it (dl.c).
 * Private to the library: curl_dl.c, source/archive.c.
 */
#ifndef LT_DL_H
#define LT_DL_H

#include <stddef.h>

/*
 * dlopen() the first of names[0..n) that loads: its handle, or NULL with
 * why ("cannot load WHAT: ...", cut to size bytes, NUL-ended).
 */
void *lt_dl_open(const char *const *names, size_t n, const char *what,
    char *why, size_t size);

/* dlsym() name into the function pointer at fnp (size bytes); 0 or -1. */
int lt_dl_sym(void *lib, const char *name, void *fnp, size_t size);

#define LT_DL_SYM(lib, name, field) \
	lt_dl_sym((lib), (name), &(field), sizeof(field))

#endif
