/*
 * api.h - LT_API, the mark on every function liblogtriage exports.
 *
 * The library is compiled with hidden visibility, so only the functions
 * declared LT_API in these headers are in liblogtriage.so's dynamic
 * symbol table.  Everything else (the prefilter, the decoders' helpers,
 * lt_error_set) is the library's own and may change between versions.
 */
#ifndef LOGTRIAGE_API_H
#define LOGTRIAGE_API_H

#if defined(__GNUC__)
#define LT_API __attribute__((visibility("default")))
#else
#define LT_API
#endif

#endif
