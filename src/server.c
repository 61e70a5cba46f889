/*
 * server.c: luaforce.core.server, the HTTP front of the local Salesforce
 * emulator, on libmicrohttpd (MHD).
 *
 * The shape:
 * - MHD runs one thread per connection (keep-alive connections keep theirs).
 *   Each request's body is collected in C; then the thread takes the server's
 *   one lock, builds the request table in the server's own Lua state, calls
 *   handler.handle(req) under lua_pcall, copies the response out into C and
 *   lets the lock go. Waiting (delay_ms), compression and sending all happen
 *   outside the lock, so concurrent requests overlap there.
 * - The Lua state belongs to the server: a fresh luaL_newstate with the
 *   standard libraries, the program's embedded modules (lf_new_state_setup)
 *   and the creating state's package.path and package.cpath, so the handler
 *   module loads the same way the caller's modules do.
 * - Nothing longjmps through MHD frames: everything that may raise runs in a
 *   lua_pcall started from our own callback, and results travel back through
 *   C buffers owned by the request (freed when MHD reports it completed).
 *   What MHD hands us (header and argument strings) is gathered into C arrays
 *   before the lock, never from inside an MHD iterator into Lua.
 * - The threads the server creates block SIGINT and SIGTERM, so those reach
 *   the thread that called srv:wait() (sigtimedwait) or the host's handler.
 * - HTTPS when start gets tls_cert and tls_key (PEM texts): MHD with GnuTLS,
 *   the same threads and callbacks; the request's `scheme` says which.
 * - A background worker when start gets tick_ms: one thread that sleeps
 *   until the handler says work is pending (server_self.wake(), from a
 *   request or a control that queued some), then calls handler.tick() under
 *   the same lock, a step at a time, tick_ms apart, until tick answers that
 *   nothing is left. stop wakes it and joins it before the daemon stops.
 * - The reply table: status, headers ({{name, value}, ...}), body, gzip,
 *   delay_ms, action ("close" | "cut" | "chunked": the body sent with
 *   Transfer-Encoding: chunked) and note (text appended to the
 *   request's log line, e.g. which fault fired).
 *
 * The files: server.c (this one) is the Lua face: server.start and the
 * Server methods; a request's way runs through server_request.c (MHD's
 * callbacks), server_handler.c (the handler's state) and server_response.c
 * (answering, logging); server_gzip.c compresses. server_internal.h says
 * what they share; server.h declares the pure pieces cmocka tests.
 *
 * Caveats: the request path is the one MHD percent-decodes (so "%2F" becomes
 * "/"); raw_path and raw_query keep the bytes as sent. A query argument
 * without "=" has the value "". Request headers are as received, even when the
 * body was gunzipped for the handler.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lualib.h>
#include <lauxlib.h>
#include <microhttpd.h>

#include "core.h"
#include "server.h"
#include "server_internal.h"

#define SERVER_MT "luaforce.server.Server"
#define DEFAULT_MAX_BODY ((lua_Integer)64 * 1024 * 1024)

/* ---- starting: the listening socket and the Lua state ---------------------- */

/* Binds and listens on host:port; fills the numeric address and the port
 * actually bound. Returns the socket, or -1 with a message in err. */
static int open_listener(const char *host, int port, char *numhost, size_t numhost_len, int *bound_port,
                         int *family, char *err, size_t errlen) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    int gai = getaddrinfo(host, portstr, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        /* close-on-exec: children (io.popen) must not keep the port open */
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
            *family = ai->ai_family;
            break;
        }
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(saved));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char serv[16];
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
        getnameinfo((struct sockaddr *)&ss, sl, numhost, (socklen_t)numhost_len, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    *bound_port = atoi(serv);
    return fd;
}

typedef struct setup_args {
    lf_server *srv;
    const char *path, *cpath, *handler, *config;
    size_t path_len, cpath_len, config_len;
} setup_args;

static int self_stats(lua_State *S);
static int self_wake(lua_State *S);

/* lua_pcall'd in the new state: libraries, modules, paths, the handler
 * module and handler.init(config). */
static int setup_state(lua_State *S) {
    const setup_args *a = lua_touserdata(S, 1);
    luaL_openlibs(S);
    if (lf_new_state_setup) lf_new_state_setup(S);
    luaL_getsubtable(S, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(S, -1, "package") == LUA_TTABLE) {
        if (a->path) {
            lua_pushlstring(S, a->path, a->path_len);
            lua_setfield(S, -2, "path");
        }
        if (a->cpath) {
            lua_pushlstring(S, a->cpath, a->cpath_len);
            lua_setfield(S, -2, "cpath");
        }
    }
    lua_pop(S, 2);
    luaL_requiref(S, "luaforce.core", luaopen_luaforce_core, 0);
    lua_pop(S, 1);
    luaL_getsubtable(S, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_createtable(S, 0, 2);
    lua_pushlightuserdata(S, a->srv);
    lua_pushcclosure(S, self_stats, 1);
    lua_setfield(S, -2, "stats");
    lua_pushlightuserdata(S, a->srv);
    lua_pushcclosure(S, self_wake, 1);
    lua_setfield(S, -2, "wake");
    lua_setfield(S, -2, "luaforce.core.server_self");
    lua_pop(S, 1);

    lua_getglobal(S, "require");
    lua_pushstring(S, a->handler);
    lua_call(S, 1, 1);
    if (!lua_istable(S, -1))
        return luaL_error(S, "handler module '%s' returned %s, not a table", a->handler, luaL_typename(S, -1));
    if (lua_getfield(S, -1, "handle") != LUA_TFUNCTION)
        return luaL_error(S, "handler module '%s' has no handle function", a->handler);
    lua_pop(S, 1);
    lua_pushvalue(S, -1);
    lua_setfield(S, LUA_REGISTRYINDEX, HANDLER_KEY);
    if (lua_getfield(S, -1, "init") == LUA_TFUNCTION) {
        if (a->config)
            lua_pushlstring(S, a->config, a->config_len);
        else
            lua_pushnil(S);
        lua_call(S, 1, 0);
    }
    return 0;
}

/* Message handler for start-up errors: the message only (start returns it). */
static int setup_msghandler(lua_State *S) {
    if (lua_type(S, 1) == LUA_TSTRING) return 1;
    if (luaL_callmeta(S, 1, "__tostring") && lua_type(S, -1) == LUA_TSTRING) return 1;
    if (lua_type(S, 1) == LUA_TTABLE && lua_getfield(S, 1, "message") == LUA_TSTRING) return 1;
    lua_pushfstring(S, "(error object is a %s value)", luaL_typename(S, 1));
    return 1;
}

/* ---- the background worker -------------------------------------------------- */

/* Sleeps until work is pending (or the server stops), then ticks the
 * handler a step at a time, tick_ms apart, until tick answers that nothing
 * is left. stats_lock is never held while lua_lock is taken. */
static void *worker_main(void *arg) {
    lf_server *srv = arg;
    pthread_mutex_lock(&srv->stats_lock);
    while (!srv->stopping) {
        if (!srv->work_pending) {
            pthread_cond_wait(&srv->work_cond, &srv->stats_lock);
            continue;
        }
        srv->work_pending = 0;
        pthread_mutex_unlock(&srv->stats_lock);
        int more = lf_srv_call_tick(srv);
        pthread_mutex_lock(&srv->stats_lock);
        if (!more) continue; /* unless a wake came meanwhile: then pending again */
        srv->work_pending = 1;
        if (srv->tick_ms > 0 && !srv->stopping) {
            /* the pause lets requests take the lock between steps */
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += (time_t)(srv->tick_ms / 1000);
            until.tv_nsec += (long)(srv->tick_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            /* a wake keeps the pause (the step is due anyway); stop ends it */
            while (!srv->stopping && pthread_cond_timedwait(&srv->work_cond, &srv->stats_lock, &until) == 0) {
            }
        }
    }
    pthread_mutex_unlock(&srv->stats_lock);
    return NULL;
}

/* Stops the worker and joins it (the caller holds no lock). */
static void stop_worker(lf_server *srv) {
    if (!srv->has_worker) return;
    pthread_mutex_lock(&srv->stats_lock);
    srv->stopping = 1;
    pthread_cond_broadcast(&srv->work_cond);
    pthread_mutex_unlock(&srv->stats_lock);
    pthread_join(srv->worker, NULL);
    srv->has_worker = 0;
}

/* ---- the Lua face: server.start and the Server methods -------------------- */

typedef struct server_ud {
    lf_server *srv; /* NULL once stopped */
    int port, tls;
    char host[INET6_ADDRSTRLEN];
} server_ud;

static void server_free(lf_server *srv) {
    if (srv->S) lua_close(srv->S);
    free(srv->tls_cert);
    free(srv->tls_key);
    pthread_mutex_destroy(&srv->lua_lock);
    pthread_mutex_destroy(&srv->stats_lock);
    pthread_cond_destroy(&srv->stop_cond);
    pthread_cond_destroy(&srv->work_cond);
    free(srv);
}

static lf_server *server_alloc(void) {
    lf_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->stop_cond, &ca);
    pthread_cond_init(&srv->work_cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&srv->lua_lock, NULL);
    pthread_mutex_init(&srv->stats_lock, NULL);
    return srv;
}

static server_ud *check_ud(lua_State *L) {
    return luaL_checkudata(L, 1, SERVER_MT);
}

static lf_server *check_live(lua_State *L) {
    server_ud *u = check_ud(L);
    if (u->srv == NULL) luaL_error(L, "attempt to use a stopped server");
    return u->srv;
}

/* string option or nil; anything else raises */
static const char *opt_string_field(lua_State *L, int t, const char *name, size_t *len) {
    int ty = lua_getfield(L, t, name);
    const char *s = NULL;
    if (ty == LUA_TSTRING)
        s = lua_tolstring(L, -1, len);
    else if (ty != LUA_TNIL)
        luaL_error(L, "bad option '%s' to 'start' (string expected, got %s)", name, luaL_typename(L, -1));
    return s; /* left on the stack, so it stays alive whatever the table does */
}

static lua_Integer opt_int_field(lua_State *L, int t, const char *name, lua_Integer def, lua_Integer lo,
                                 lua_Integer hi) {
    int isnum;
    if (lua_getfield(L, t, name) == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (!isnum || v < lo || v > hi)
        luaL_error(L, "bad option '%s' to 'start' (integer from %I to %I expected)", name, lo, hi);
    lua_pop(L, 1);
    return v;
}

/* MHD's error log (TLS servers only). While MHD_start_daemon runs, the
 * first message is kept for start's error (why GnuTLS refused the key);
 * afterwards messages (failed handshakes, mostly) go to standard error when
 * the server logs requests, except the two that only repeat what a `close`
 * or `cut` response did on purpose (its log line says so already). */
static void mhd_logger(void *cls, const char *fmt, va_list ap) {
    static const char *const ours[] = {"Application reported internal error",
                                       "Closing connection (application reported error"};
    lf_server *srv = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    pthread_mutex_lock(&srv->stats_lock);
    int running = srv->running;
    if (!running && srv->start_err[0] == '\0') snprintf(srv->start_err, sizeof srv->start_err, "%s", msg);
    pthread_mutex_unlock(&srv->stats_lock);
    if (!running || !srv->log) return;
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        if (strncmp(msg, ours[i], strlen(ours[i])) == 0) return;
    fprintf(stderr, "luaforce server: %s\n", msg);
}

static char *dup_text(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int push_fail(lua_State *L, const char *msg, const char *code) {
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_pushstring(L, code);
    return 3;
}

/* server.start{host=, port=, handler=, config=, log=, max_body=,
 *               tls_cert=, tls_key=, tick_ms=}
 *   -> Server | nil, message, code ("LISTEN_FAILED", "HANDLER_FAILED",
 *      "START_FAILED", "TLS_UNSUPPORTED", "TLS_FAILED")
 * tls_cert and tls_key are PEM texts (not file names), both or neither.
 * tick_ms (0 to 60000) starts the background worker: handler.tick() is
 * called while it answers true, tick_ms apart, after the handler calls
 * require("luaforce.core.server_self").wake(). */
static int server_start(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    size_t ignored;
    const char *host = opt_string_field(L, 1, "host", &ignored);
    if (host == NULL) host = "127.0.0.1";
    int port = (int)opt_int_field(L, 1, "port", 0, 0, 65535);
    setup_args a;
    memset(&a, 0, sizeof a);
    a.handler = opt_string_field(L, 1, "handler", &ignored);
    if (a.handler == NULL) return luaL_error(L, "bad option 'handler' to 'start' (a module name is required)");
    a.config = opt_string_field(L, 1, "config", &a.config_len);
    lua_getfield(L, 1, "log");
    int log = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_Integer max_body = opt_int_field(L, 1, "max_body", DEFAULT_MAX_BODY, 0, LUA_MAXINTEGER);
    lua_Integer tick_ms = opt_int_field(L, 1, "tick_ms", -1, 0, 60000);
    size_t cert_len = 0, key_len = 0;
    const char *cert = opt_string_field(L, 1, "tls_cert", &cert_len);
    const char *key = opt_string_field(L, 1, "tls_key", &key_len);
    if ((cert == NULL) != (key == NULL))
        return luaL_error(L, "bad option '%s' to 'start' (tls_cert and tls_key go together)",
                          cert ? "tls_key" : "tls_cert");
    if (cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return push_fail(L, "this libmicrohttpd was built without TLS support (HTTPS is not available)",
                         "TLS_UNSUPPORTED");

    /* the creating state's package.path and cpath, kept on the stack */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "package") == LUA_TTABLE) {
        if (lua_getfield(L, -1, "path") == LUA_TSTRING) a.path = lua_tolstring(L, -1, &a.path_len);
        if (lua_getfield(L, -2, "cpath") == LUA_TSTRING) a.cpath = lua_tolstring(L, -1, &a.cpath_len);
    }

    /* closed first: a raise below leaves nothing for __gc to do */
    server_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, SERVER_MT);

    char err[512];
    int family = AF_INET;
    int fd = open_listener(host, port, u->host, sizeof u->host, &u->port, &family, err, sizeof err);
    if (fd < 0) return push_fail(L, err, "LISTEN_FAILED");

    lf_server *srv = server_alloc();
    if (srv == NULL || (srv->S = luaL_newstate()) == NULL) {
        if (srv) server_free(srv);
        close(fd);
        return luaL_error(L, "not enough memory to start a server");
    }
    srv->log = log;
    srv->max_body = (size_t)max_body;
    srv->tick_ms = tick_ms;
    if (cert) {
        /* MHD keeps the pointers, so the texts live as long as the server */
        srv->tls = 1;
        srv->tls_cert = dup_text(cert, cert_len);
        srv->tls_key = dup_text(key, key_len);
        if (srv->tls_cert == NULL || srv->tls_key == NULL) {
            server_free(srv);
            close(fd);
            return luaL_error(L, "not enough memory to start a server");
        }
    }

    lua_State *S = srv->S;
    a.srv = srv;
    lua_pushcfunction(S, setup_msghandler);
    lua_pushcfunction(S, setup_state);
    lua_pushlightuserdata(S, &a);
    if (lua_pcall(S, 1, 0, 1) != LUA_OK) {
        /* copied out before the state goes, and all freed before L may raise */
        char msg[4096];
        snprintf(msg, sizeof msg, "%s",
                 lua_type(S, -1) == LUA_TSTRING ? lua_tostring(S, -1) : "error loading the handler");
        server_free(srv);
        close(fd);
        return push_fail(L, msg, "HANDLER_FAILED");
    }
    lua_settop(S, 0);

    /* MHD's threads inherit this mask: SIGINT and SIGTERM stay with the
     * caller's threads */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    if (tick_ms >= 0) {
        if (pthread_create(&srv->worker, NULL, worker_main, srv) != 0) {
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            server_free(srv);
            close(fd);
            return push_fail(L, "cannot start the server's worker thread", "START_FAILED");
        }
        srv->has_worker = 1;
    }
    unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                         MHD_USE_ITC | (family == AF_INET6 ? MHD_USE_IPv6 : 0);
    /* the TLS options, or none: an empty array when serving plain HTTP */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_logger, srv},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    if (srv->tls) flags |= MHD_USE_TLS | MHD_USE_ERROR_LOG;
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, lf_srv_on_request, srv,
                                   MHD_OPTION_ARRAY, srv->tls ? tls_opts : &tls_opts[3],
                                   MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                                   MHD_OPTION_URI_LOG_CALLBACK, lf_srv_on_uri, srv,
                                   MHD_OPTION_NOTIFY_COMPLETED, lf_srv_on_completed, srv,
                                   MHD_OPTION_NOTIFY_CONNECTION, lf_srv_on_connection, srv,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
                                   /* long SOQL in a query string needs more than the 32 KB default */
                                   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                                   MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (srv->daemon == NULL) {
        const char *code = "START_FAILED";
        if (srv->tls) {
            /* nearly always the PEM texts; MHD's own words say which part */
            code = "TLS_FAILED";
            snprintf(err, sizeof err, "cannot use the TLS certificate and key%s%.400s",
                     srv->start_err[0] ? ": " : "", srv->start_err);
        } else {
            snprintf(err, sizeof err, "cannot start the HTTP server on %s:%d", u->host, u->port);
        }
        /* no close(fd): MHD's failure path has closed the socket it was
         * given (libmicrohttpd 0.9.75), and closing the number again could
         * close a descriptor another thread has just opened */
        stop_worker(srv);
        server_free(srv);
        return push_fail(L, err, code);
    }
    pthread_mutex_lock(&srv->stats_lock);
    srv->running = 1;
    pthread_mutex_unlock(&srv->stats_lock);
    u->tls = srv->tls;
    u->srv = srv;
    return 1;
}

/* srv:stop(): idempotent; waits for the requests in flight. */
static int server_stop(lua_State *L) {
    server_ud *u = check_ud(L);
    lf_server *srv = u->srv;
    if (srv == NULL) return 0;
    u->srv = NULL;
    pthread_mutex_lock(&srv->stats_lock);
    srv->stopping = 1;
    pthread_cond_broadcast(&srv->stop_cond);
    pthread_mutex_unlock(&srv->stats_lock);
    stop_worker(srv);             /* a step under way finishes first */
    MHD_stop_daemon(srv->daemon); /* joins every connection thread; closes the socket */
    server_free(srv);
    return 0;
}

static int server_url(lua_State *L) {
    check_live(L);
    server_ud *u = check_ud(L);
    const char *scheme = u->tls ? "https" : "http";
    if (strchr(u->host, ':'))
        lua_pushfstring(L, "%s://[%s]:%d", scheme, u->host, u->port);
    else
        lua_pushfstring(L, "%s://%s:%d", scheme, u->host, u->port);
    return 1;
}

static void push_stats(lua_State *L, lf_server *srv) {
    pthread_mutex_lock(&srv->stats_lock);
    lua_Integer req = srv->requests, conns = srv->connections, peak = srv->peak, active = srv->active;
    pthread_mutex_unlock(&srv->stats_lock);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, req);
    lua_setfield(L, -2, "requests");
    lua_pushinteger(L, conns);
    lua_setfield(L, -2, "connections");
    lua_pushinteger(L, peak);
    lua_setfield(L, -2, "peak_concurrent");
    lua_pushinteger(L, active);
    lua_setfield(L, -2, "active");
}

static int server_stats(lua_State *L) {
    push_stats(L, check_live(L));
    return 1;
}

/* In the server's own state: require("luaforce.core.server_self").stats()
 * gives the handler the same counters (for the /_emulator/stats control).
 * The state lives no longer than the server, so the pointer stays valid. */
static int self_stats(lua_State *S) {
    push_stats(S, lua_touserdata(S, lua_upvalueindex(1)));
    return 1;
}

/* In the server's own state: require("luaforce.core.server_self").wake()
 * tells the worker that work is pending (a no-op without a worker). */
static int self_wake(lua_State *S) {
    lf_server *srv = lua_touserdata(S, lua_upvalueindex(1));
    pthread_mutex_lock(&srv->stats_lock);
    srv->work_pending = 1;
    pthread_cond_signal(&srv->work_cond);
    pthread_mutex_unlock(&srv->stats_lock);
    return 0;
}

typedef struct control_args {
    const char *name, *arg;
    size_t name_len, arg_len;
} control_args;

/* lua_pcall'd in the server state: handler.control(name, arg); leaves the
 * results (a string or nil, err) on its stack. */
static int control_in_state(lua_State *S) {
    const control_args *a = lua_touserdata(S, 1);
    lua_settop(S, 0);
    lua_getfield(S, LUA_REGISTRYINDEX, HANDLER_KEY);
    if (lua_getfield(S, -1, "control") != LUA_TFUNCTION) {
        lua_pushnil(S);
        lua_pushliteral(S, "the handler has no control function");
        return 2;
    }
    lua_pushlstring(S, a->name, a->name_len);
    if (a->arg)
        lua_pushlstring(S, a->arg, a->arg_len);
    else
        lua_pushnil(S);
    lua_call(S, 2, 2);
    return 2;
}

/* lua_pcall'd in the caller's state with the lock held: runs the control
 * call in the server state and copies the results over. */
static int call_across(lua_State *L) {
    lf_server *srv = lua_touserdata(L, 1);
    const control_args *a = lua_touserdata(L, 2);
    lua_State *S = srv->S;
    lua_pushcfunction(S, setup_msghandler);
    lua_pushcfunction(S, control_in_state);
    lua_pushlightuserdata(S, (void *)a);
    int base = lua_gettop(S) - 2;
    if (lua_pcall(S, 1, 2, base) != LUA_OK) {
        lua_pushnil(L);
        lua_pushstring(L, lua_type(S, -1) == LUA_TSTRING ? lua_tostring(S, -1) : "error in the handler");
        return 2;
    }
    int r = lua_type(S, -2);
    if (r == LUA_TSTRING || r == LUA_TNUMBER) {
        size_t n;
        const char *s = lua_tolstring(S, -2, &n);
        lua_pushlstring(L, s, n);
        return 1;
    }
    if (r == LUA_TNIL) {
        lua_pushnil(L);
        if (lua_type(S, -1) == LUA_TSTRING)
            lua_pushstring(L, lua_tostring(S, -1));
        else
            lua_pushnil(L);
        return 2;
    }
    lua_pushnil(L);
    lua_pushfstring(L, "handler.control returned %s, not a string", lua_typename(S, r));
    return 2;
}

/* srv:call(name, arg_text) -> string | nil, err */
static int server_call(lua_State *L) {
    lf_server *srv = check_live(L);
    control_args a;
    a.name = luaL_checklstring(L, 2, &a.name_len);
    a.arg = luaL_optlstring(L, 3, NULL, &a.arg_len);
    int base = lua_gettop(L);
    pthread_mutex_lock(&srv->lua_lock);
    int top = lua_gettop(srv->S);
    lua_pushcfunction(L, call_across);
    lua_pushlightuserdata(L, srv);
    lua_pushlightuserdata(L, &a);
    int st = lua_pcall(L, 2, LUA_MULTRET, 0);
    lua_settop(srv->S, top);
    pthread_mutex_unlock(&srv->lua_lock);
    if (st != LUA_OK) return lua_error(L); /* out of memory in the caller's state */
    return lua_gettop(L) - base;
}

/* srv:wait([timeout_ms]) -> "SIGINT" | "SIGTERM" | nil, "timeout"
 * Blocks SIGINT and SIGTERM in this thread and takes them with sigtimedwait
 * (the server's threads block them too, so they stay pending for us); polls
 * lf_interrupted every 100 ms in case the host's handler caught one. */
static int server_wait(lua_State *L) {
    check_live(L);
    lua_Integer timeout = luaL_optinteger(L, 2, -1);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    const char *got = NULL;
    for (;;) {
        if (lf_interrupted) {
            got = "SIGINT";
            break;
        }
        lua_Integer step = 100;
        if (timeout >= 0) {
            lua_Integer left = timeout - (lua_Integer)lf_srv_ms_since(&t0);
            if (left <= 0) break;
            if (left < step) step = left;
        }
        struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGINT) got = "SIGINT";
        if (sig == SIGTERM) got = "SIGTERM";
        if (got) break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (got == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "timeout");
        return 2;
    }
    lua_pushstring(L, got);
    return 1;
}

static int server_tostring(lua_State *L) {
    server_ud *u = check_ud(L);
    if (u->srv)
        lua_pushfstring(L, "luaforce.server.Server (%s:%d)", u->host, u->port);
    else
        lua_pushliteral(L, "luaforce.server.Server (stopped)");
    return 1;
}

/* __index: the methods, then the plain fields port and host (readable
 * after stop too: they describe where the server was). */
static int server_index(lua_State *L) {
    server_ud *u = check_ud(L);
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    const char *k = lua_tostring(L, 2);
    if (lua_getfield(L, lua_upvalueindex(1), k) != LUA_TNIL) return 1;
    if (strcmp(k, "port") == 0) {
        lua_pushinteger(L, u->port);
        return 1;
    }
    if (strcmp(k, "host") == 0) {
        lua_pushstring(L, u->host);
        return 1;
    }
    return 0;
}

int luaopen_luaforce_core_server(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"url", server_url},   {"stats", server_stats}, {"call", server_call},
        {"wait", server_wait}, {"stop", server_stop},   {NULL, NULL},
    };
    if (luaL_newmetatable(L, SERVER_MT)) {
        luaL_newlib(L, methods);
        lua_pushcclosure(L, server_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, server_stop);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, server_stop);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, server_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushcfunction(L, server_start);
    lua_setfield(L, -2, "start");
    return 1;
}
