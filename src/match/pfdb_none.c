/*
 * pfdb_none.c - no embedded prefilter databases.
 *
 * Linked instead of the generated pfdb_embedded.c where the build makes
 * none: without vectorscan, when cross-compiling (the generator could not
 * run on the build machine), and into the generator itself.  Every
 * ruleset then compiles its databases when it is built.
 */
#include "match/match_int.h"

const unsigned char lt_pfdb_blob[1] = { 0 };
const size_t lt_pfdb_blob_len = 0;
