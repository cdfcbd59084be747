/*
 * dl.c - shared libraries loaded on demand.
 *
 * Some features need a large library that most runs never use: libcurl
 * (and its 30 dependencies) for --loki and --push, libarchive (and its
 * compressors) for compressed logs and archives.  Linked the ordinary
 * way each would be loaded and relocated by every run, and start-up time
 * is part of what a CI step pays.  So those modules keep a table of the
 * functions they call, filled from dlopen() and dlsym() when they start;
 * the headers are still the library's, so types are checked at compile
 * time, and a missing library is an error of that feature alone.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dl.h"

void *
lt_dl_open(const char *const *names, size_t n, const char *what, char *why,
    size_t size)
{
	const char *e = NULL;
	void *lib = NULL;
	size_t i;

	for (i = 0; i < n && lib == NULL; i++)
		if ((lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) == NULL &&
		    e == NULL)
			e = dlerror();
	if (lib == NULL)
		snprintf(why, size, "cannot load %s: %s", what, e ? e : "?");
	return lib;
}

/* dlsym() into a function pointer, without a cast ISO C forbids. */
int
lt_dl_sym(void *lib, const char *name, void *fnp, size_t size)
{
	void *p = dlsym(lib, name);

	if (p == NULL || size != sizeof p)
		return -1;
	memcpy(fnp, &p, size);
	return 0;
}
