/*
 * sys_file.c: the file half of luaforce.core.sys: what Lua's io library
 * cannot do for files that hold secrets.
 *
 *   stat(path)                      -> {mode, type, uid, size} | nil, err, code
 *   mkdir(path[, mode = 0700])      -> true | nil, err, code   (one level)
 *   mkdirs(path[, mode = 0700])     -> true | nil, err, code   (mkdir -p)
 *   write_new(path, data[, mode])   -> true | nil, err, code   (O_EXCL)
 *   write_file(path, data[, mode])  -> true | nil, err, code   (atomic)
 *   append(path, data[, mode])      -> true | nil, err, code
 *   fsync(file)                     -> true | nil, err, code
 *   umask([mask])                   -> the previous mask
 *   lock(path[, wait_ms = 0])       -> lock | nil, err, code   (flock)
 *   lock:note(text)                 -> true | nil, err, code
 *       the lock file then holds "PID TEXT" (who holds it, for a waiter)
 *
 * Errors follow liolib's luaL_fileresult: nil, "path: strerror", plus a
 * symbolic code ("ENOENT", "EEXIST", "EACCES", "ENOTDIR", "ENOSPC", ...,
 * "EIO" for the rest) for the cases callers branch on. Every file is created
 * with its final mode from the first moment (the kernel applies the umask,
 * which can only narrow it): there is never an instant where a secret sits
 * in a file others may read.
 */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sys_file.h"

static const char *errno_code(int err) {
    switch (err) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EFBIG: return "EFBIG";
    case EROFS: return "EROFS";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return "EIO";
    }
}

/* nil, "path: strerror", code. */
int lf_sys_fail(lua_State *L, const char *path, int err) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(err));
    lua_pushstring(L, errno_code(err));
    return 3;
}

/* stat(path) -> {mode = permission bits, type = "file"|"dir"|"other", uid =,
 * size =} | nil, err, code. Files holding secrets are refused when group or
 * others may read them; Lua's io library cannot tell. */
static int sys_stat(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (stat(path, &st) != 0) return lf_sys_fail(L, path, errno);
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
    if (mkdir(path, (mode_t)mode) != 0) return lf_sys_fail(L, path, errno);
    lua_pushboolean(L, 1);
    return 1;
}

/* mkdirs(path, mode) -> true | nil, err, code: like mkdir -p, each missing
 * directory created with `mode` (0700 for the ones that will hold secrets);
 * the ones already there keep theirs. A file standing where a directory
 * belongs is ENOTDIR, naming that file. */
static int sys_mkdirs(lua_State *L) {
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    lua_Integer mode = luaL_optinteger(L, 2, 0700);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, len + 1);
    memcpy(p, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        if (p[i - 1] == '/') continue; /* "a//b" */
        char saved = p[i];
        p[i] = '\0';
        if (mkdir(p, (mode_t)mode) != 0) {
            /* EEXIST, or (read-only file systems, search-only parents) another
             * error for a directory that is already there: what counts is
             * whether one stands there now */
            int err = errno;
            struct stat st;
            if (stat(p, &st) != 0) return lf_sys_fail(L, p, err);
            if (!S_ISDIR(st.st_mode)) return lf_sys_fail(L, p, ENOTDIR);
        }
        p[i] = saved;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* Writes all of data to fd; 0 or an errno. */
static int write_all(int fd, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        off += (size_t)n;
    }
    return 0;
}

/* Writes, syncs and closes fd; 0 or the first errno. fd is closed either
 * way. */
static int write_sync_close(int fd, const char *data, size_t len) {
    int err = write_all(fd, data, len);
    if (err == 0 && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && err == 0) err = errno;
    return err;
}

/* The arguments every writer takes: (path, data[, mode = 0600]). */
typedef struct {
    const char *path;
    const char *data;
    size_t len;
    mode_t mode;
} write_args;

static write_args check_write_args(lua_State *L) {
    write_args a;
    a.path = luaL_checkstring(L, 1);
    a.data = luaL_checklstring(L, 2, &a.len);
    a.mode = (mode_t)luaL_optinteger(L, 3, 0600);
    return a;
}

/* write_new(path, data, mode) -> true | nil, err, code. Creates a file that
 * must not exist yet (O_EXCL), with `mode` from the start, writes and syncs
 * `data`; on failure nothing is left behind. */
static int sys_write_new(lua_State *L) {
    write_args a = check_write_args(L);
    int fd = open(a.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, a.mode);
    if (fd < 0) return lf_sys_fail(L, a.path, errno);
    int err = write_sync_close(fd, a.data, a.len);
    if (err != 0) {
        unlink(a.path);
        return lf_sys_fail(L, a.path, err);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* Syncs a directory so that a rename in it survives a crash. Best effort:
 * the rename has happened, so a directory that cannot be opened for reading
 * (mode 0300) or a file system that refuses fsync on one (EINVAL) changes
 * nothing the caller could act on. */
static void sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

/* write_file(path, data, mode) -> true | nil, err, code: replaces path
 * atomically. The bytes go to a new hidden file beside it (same directory,
 * so the rename stays on one file system), ".NAME.XXXXXX.tmp", created
 * O_EXCL with `mode` from the start, written, fsynced, renamed over path,
 * then the directory is synced. A reader, or a crash at any moment, sees the
 * old file or the whole new one; on any failure (a full disk, a directory
 * that refuses the file) the temporary file is removed and the error names
 * `path`, the file the caller asked for. The names live on the Lua stack:
 * nothing to free on any path. */
static int sys_write_file(lua_State *L) {
    write_args a = check_write_args(L);
    const char *slash = strrchr(a.path, '/');
    const char *base = slash ? slash + 1 : a.path;
    if (*base == '\0') return lf_sys_fail(L, a.path, EISDIR);
    size_t dirlen = (size_t)(base - a.path); /* with its trailing '/' */
    const char *dir = dirlen == 0 ? "." : dirlen == 1 ? "/" : lua_pushlstring(L, a.path, dirlen - 1);
    const char *prefix = lua_pushlstring(L, a.path, dirlen);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long seed = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
    int top = lua_gettop(L);
    const char *tmp = NULL;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        char tag[8];
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        snprintf(tag, sizeof tag, "%06lx", (seed >> 24) & 0xffffff);
        lua_settop(L, top); /* drop the previous attempt's name */
        tmp = lua_pushfstring(L, "%s.%s.%s.tmp", prefix, base, tag);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, a.mode);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) return lf_sys_fail(L, a.path, errno);
    int err = write_sync_close(fd, a.data, a.len);
    if (err == 0 && rename(tmp, a.path) != 0) err = errno;
    if (err != 0) {
        unlink(tmp);
        return lf_sys_fail(L, a.path, err);
    }
    sync_dir(dir);
    lua_pushboolean(L, 1);
    return 1;
}

/* append(path, data, mode) -> true | nil, err, code: adds data at the end
 * of path in one write(2) on an O_APPEND descriptor, so two processes
 * appending at once do not interleave within an entry; a missing file is
 * created with `mode` (never with io.open's 0666 less the umask). */
static int sys_append(lua_State *L) {
    write_args a = check_write_args(L);
    int fd = open(a.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, a.mode);
    if (fd < 0) return lf_sys_fail(L, a.path, errno);
    int err = write_all(fd, a.data, a.len);
    if (close(fd) != 0 && err == 0) err = errno;
    if (err != 0) return lf_sys_fail(L, a.path, err);
    lua_pushboolean(L, 1);
    return 1;
}

/* fsync(file) -> true | nil, err, code: flushes a Lua file handle and syncs
 * it to disk, so that `--output` renames a file whose bytes are all there
 * (io has flush, which reaches the kernel but not the disk). */
static int sys_fsync(lua_State *L) {
    luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
    if (p->closef == NULL) return luaL_error(L, "attempt to use a closed file");
    if (fflush(p->f) != 0 || fsync(fileno(p->f)) != 0) return lf_sys_fail(L, "fsync", errno);
    lua_pushboolean(L, 1);
    return 1;
}

/* umask([mask]) -> the previous mask; without mask it is only read (set
 * and put back). Tests use it to prove modes hold under umask 000. */
static int sys_umask(lua_State *L) {
    mode_t prev;
    if (lua_isnoneornil(L, 1)) {
        prev = umask(0);
        umask(prev);
    } else {
        prev = umask((mode_t)(luaL_checkinteger(L, 1) & 0777));
    }
    lua_pushinteger(L, (lua_Integer)prev);
    return 1;
}

/* ---- lock: an exclusive advisory lock on a file (flock) ----
 *
 * A lock handle follows liolib's files: the userdata is made closed, then
 * the descriptor acquired; release, __gc and __close are one idempotent
 * function; using a released lock raises. The descriptor is O_CLOEXEC, so a
 * program the holder starts does not keep the lock alive after it ends, and
 * the kernel drops the lock with the process however it ends (a crash, a
 * kill): a stale lock file never blocks anyone. */

#define LOCK_MT "luaforce.sys.Lock"

typedef struct {
    int fd; /* -1: released */
} sys_lock;

static int lock_release(lua_State *L) {
    sys_lock *k = (sys_lock *)luaL_checkudata(L, 1, LOCK_MT);
    if (k->fd >= 0) {
        close(k->fd); /* closing the last descriptor drops the flock */
        k->fd = -1;
    }
    return 0;
}

static int lock_held(lua_State *L) {
    sys_lock *k = (sys_lock *)luaL_checkudata(L, 1, LOCK_MT);
    lua_pushboolean(L, k->fd >= 0);
    return 1;
}

/* lock:note(text) -> true | nil, err, code: replaces the lock file's
 * content with "PID TEXT", so a process waiting for the lock can say who
 * holds it. Only the holder writes it; a waiter may read a note being
 * written (short: it is one line), never one of a process that is gone for
 * long, as the next holder rewrites it. */
static int lock_note(lua_State *L) {
    sys_lock *k = (sys_lock *)luaL_checkudata(L, 1, LOCK_MT);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    luaL_argcheck(L, k->fd >= 0, 1, "lock released");
    lua_pushfstring(L, "%d %s\n", (int)getpid(), text);
    size_t n;
    const char *note = lua_tolstring(L, -1, &n);
    if (ftruncate(k->fd, 0) != 0 || pwrite(k->fd, note, n, 0) != (ssize_t)n) return lf_sys_fail(L, "lock", errno);
    lua_pushboolean(L, 1);
    return 1;
}

static int lock_tostring(lua_State *L) {
    sys_lock *k = (sys_lock *)luaL_checkudata(L, 1, LOCK_MT);
    lua_pushstring(L, k->fd >= 0 ? "lock (held)" : "lock (released)");
    return 1;
}

/* lock(path[, wait_ms = 0]) -> lock | nil, err, code: opens (creating it,
 * mode 0600) path and takes an exclusive flock on it. When another process
 * holds it, tries again every 10 ms for up to wait_ms, then answers nil,
 * "path: held by another process", "EBUSY": the caller decides how long to
 * wait in slices, so a Ctrl-C between them is seen (a blocking flock would
 * restart under SA_RESTART and never notice). */
static int sys_lock_file(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    lua_Integer wait_ms = luaL_optinteger(L, 2, 0);
    sys_lock *k = (sys_lock *)lua_newuserdatauv(L, sizeof *k, 0);
    k->fd = -1;
    luaL_setmetatable(L, LOCK_MT);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return lf_sys_fail(L, path, errno);
    for (lua_Integer waited = 0;; waited += 10) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) break;
        int err = errno;
        if (err == EINTR) continue;
        if (err != EWOULDBLOCK || waited >= wait_ms) {
            close(fd);
            if (err != EWOULDBLOCK) return lf_sys_fail(L, path, err);
            lua_pushnil(L);
            lua_pushfstring(L, "%s: held by another process", path);
            lua_pushliteral(L, "EBUSY");
            return 3;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    k->fd = fd;
    return 1;
}

static void lock_metatable(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"release", lock_release},
        {"held", lock_held},
        {"note", lock_note},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, LOCK_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, lock_release);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, lock_release);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, lock_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
}

void lf_sys_file_register(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"stat", sys_stat},
        {"mkdir", sys_mkdir},
        {"mkdirs", sys_mkdirs},
        {"write_new", sys_write_new},
        {"write_file", sys_write_file},
        {"append", sys_append},
        {"fsync", sys_fsync},
        {"umask", sys_umask},
        {"lock", sys_lock_file},
        {NULL, NULL},
    };
    lock_metatable(L);
    luaL_setfuncs(L, fns, 0);
}
