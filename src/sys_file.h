/*
 * sys_file.h: the file functions of luaforce.core.sys (sys_file.c), added
 * to the module table by sys.c's luaopen.
 */
#ifndef LUAFORCE_SYS_FILE_H
#define LUAFORCE_SYS_FILE_H

#include <lua.h>

/* Sets stat, mkdir, mkdirs, write_new, write_file, append, fsync, umask and lock
 * in the table on top of the stack. */
void lf_sys_file_register(lua_State *L);

/* Pushes nil, "path: strerror(err)", a symbolic code; returns 3. */
int lf_sys_fail(lua_State *L, const char *path, int err);

#endif
