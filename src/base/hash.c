/* hash.c - cb_fnv1a_str (base.h): the string form of the one hash. */
#include <string.h>

#include "base/base.h"

uint64_t cb_fnv1a_str(const char *s)
{
	return cb_fnv1a(CB_FNV1A_BASIS, s, strlen(s));
}
