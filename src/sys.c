/*
 * sys.c: luaforce.core.sys, the few process-level facts Lua needs:
 * whether an interrupt arrived, and which build this is.
 */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

/* interrupted() -> boolean; clear_interrupt() */
static int host_interrupted(lua_State *L) {
    lua_pushboolean(L, lf_interrupted != 0);
    return 1;
}

static int host_clear_interrupt(lua_State *L) {
    (void)L;
    lf_interrupted = 0;
    return 0;
}

/* isatty(fd) -> boolean: output formats and progress bars depend on it. */
static int host_isatty(lua_State *L) {
    lua_Integer fd = luaL_checkinteger(L, 1);
    lua_pushboolean(L, isatty((int)fd));
    return 1;
}

/* now_ms() -> wall-clock epoch milliseconds; monotonic_ms() -> a clock for
 * measuring durations that never jumps. os.time() has only seconds. */
static int sys_now_ms(lua_State *L) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    return 1;
}

static int sys_monotonic_ms(lua_State *L) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec * 1000.0 + (lua_Number)ts.tv_nsec / 1e6);
    return 1;
}

/* nil, "path: strerror", "ENOENT"|"EEXIST"|... (liolib's luaL_fileresult shape,
 * plus a symbolic name for the cases callers branch on). */
static int sys_fail(lua_State *L, const char *path, int err) {
    const char *code = err == ENOENT ? "ENOENT" : err == EEXIST ? "EEXIST"
                     : err == EACCES ? "EACCES" : err == ENOTDIR ? "ENOTDIR" : "EIO";
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(err));
    lua_pushstring(L, code);
    return 3;
}

/* stat(path) -> {mode = permission bits, type = "file"|"dir"|"other", uid =,
 * size =} | nil, err, code. Files holding secrets are refused when group or
 * others may read them; Lua's io library cannot tell. */
static int sys_stat(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (stat(path, &st) != 0) return sys_fail(L, path, errno);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    lua_setfield(L, -2, "mode");
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : "other");
    lua_setfield(L, -2, "type");
    lua_pushinteger(L, (lua_Integer)st.st_uid);
    lua_setfield(L, -2, "uid");
    lua_pushinteger(L, (lua_Integer)st.st_size);
    lua_setfield(L, -2, "size");
    return 1;
}

/* mkdir(path, mode) -> true | nil, err, code (one level; "EEXIST" when it is
 * already there). */
static int sys_mkdir(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    lua_Integer mode = luaL_optinteger(L, 2, 0700);
    if (mkdir(path, (mode_t)mode) != 0) return sys_fail(L, path, errno);
    lua_pushboolean(L, 1);
    return 1;
}

/* write_new(path, data, mode) -> true | nil, err, code. Creates a file that
 * must not exist yet (O_EXCL), with `mode` from the start (never a moment
 * with wider permissions), writes and syncs `data`. Callers write to a
 * temporary name and rename it over the real one, so readers see the old
 * file or the new one, never half of one. */
static int sys_write_new(lua_State *L) {
    size_t len;
    const char *path = luaL_checkstring(L, 1);
    const char *data = luaL_checklstring(L, 2, &len);
    lua_Integer mode = luaL_optinteger(L, 3, 0600);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) return sys_fail(L, path, errno);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            unlink(path);
            return sys_fail(L, path, err);
        }
        off += (size_t)n;
    }
    int rc = fsync(fd), err = errno;
    if (close(fd) != 0 && rc == 0) rc = -1, err = errno;
    if (rc != 0) {
        unlink(path);
        return sys_fail(L, path, err);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* terminal_width([fd = 1]) -> columns | nil: tables fit the terminal, the
 * progress bar stays on one line. nil when fd is not a terminal. */
static int sys_terminal_width(lua_State *L) {
    lua_Integer fd = luaL_optinteger(L, 1, 1);
    struct winsize ws;
    if (ioctl((int)fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)ws.ws_col);
    return 1;
}

/* fsync(file) -> true | nil, err, code: flushes a Lua file handle and syncs
 * it to disk, so that `--output` renames a file whose bytes are all there
 * (io has flush, which reaches the kernel but not the disk). */
static int sys_fsync(lua_State *L) {
    luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
    if (p->closef == NULL) return luaL_error(L, "attempt to use a closed file");
    if (fflush(p->f) != 0 || fsync(fileno(p->f)) != 0) return sys_fail(L, "fsync", errno);
    lua_pushboolean(L, 1);
    return 1;
}

int luaopen_luaforce_core_sys(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"interrupted", host_interrupted},
        {"clear_interrupt", host_clear_interrupt},
        {"isatty", host_isatty},
        {"now_ms", sys_now_ms},
        {"monotonic_ms", sys_monotonic_ms},
        {"stat", sys_stat},
        {"mkdir", sys_mkdir},
        {"write_new", sys_write_new},
        {"terminal_width", sys_terminal_width},
        {"fsync", sys_fsync},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
#ifdef __SANITIZE_ADDRESS__
    lua_pushboolean(L, 1);
#else
    lua_pushboolean(L, 0);
#endif
    lua_setfield(L, -2, "sanitized");
    return 1;
}
