/* embedded.h: the Lua modules compiled into the program (see tools/embedgen.c). */
#ifndef LUAFORCE_EMBEDDED_H
#define LUAFORCE_EMBEDDED_H
#include <stddef.h>

typedef struct {
    const char *module; /* "luaforce.json" */
    const char *chunk;  /* "@lua/luaforce/json.lua" */
    const char *source;
    size_t size;
} lf_embedded;

extern const lf_embedded lf_embedded_modules[];

#endif
