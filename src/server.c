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
 * - The reply table: status, headers ({{name, value}, ...}), body, gzip,
 *   delay_ms, action ("close" | "cut" | "chunked": the body sent with
 *   Transfer-Encoding: chunked) and note (text appended to the
 *   request's log line, e.g. which fault fired).
 *
 * Caveats: the request path is the one MHD percent-decodes (so "%2F" becomes
 * "/"); raw_path and raw_query keep the bytes as sent. A query argument
 * without "=" has the value "". Request headers are as received, even when the
 * body was gunzipped for the handler.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>
#include <microhttpd.h>
#include <zlib.h>

#include "core.h"
#include "json_text.h"
#include "server.h"

#define SERVER_MT "luaforce.server.Server"
#define HANDLER_KEY "luaforce.server.handler"
#define DEFAULT_MAX_BODY ((lua_Integer)64 * 1024 * 1024)
#define MAX_DELAY_MS ((lua_Integer)24 * 3600 * 1000)

/* ---- gzip (zlib) ------------------------------------------------------------ */

/* zlib counts in uInt; these feed it at most this much at a time. */
#define ZCHUNK ((size_t)UINT_MAX)

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

int lf_gzip(const void *in, size_t n, unsigned char **out, size_t *outn) {
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: a gzip header and trailer around the deflate stream */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return LF_GZIP_NOMEM;
    size_t cap = (size_t)deflateBound(&z, (uLong)n) + 16, len = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        deflateEnd(&z);
        return LF_GZIP_NOMEM;
    }
    const unsigned char *src = in;
    size_t left = n;
    int rc;
    do {
        if (z.avail_in == 0 && left > 0) {
            size_t c = min_size(left, ZCHUNK);
            z.next_in = (Bytef *)src;
            z.avail_in = (uInt)c;
            src += c;
            left -= c;
        }
        if (len == cap) { /* deflateBound makes this rare; grow anyway */
            unsigned char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                deflateEnd(&z);
                return LF_GZIP_NOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)min_size(cap - len, ZCHUNK);
        uInt before = z.avail_out;
        rc = deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
        len += before - z.avail_out;
    } while (rc == Z_OK || rc == Z_BUF_ERROR);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return LF_GZIP_NOMEM;
    }
    *out = buf;
    *outn = len;
    return LF_GZIP_OK;
}

int lf_gunzip(const void *in, size_t n, size_t limit, unsigned char **out, size_t *outn) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK) return LF_GZIP_NOMEM;
    /* one byte past the limit is room enough to notice the limit is passed */
    size_t cap_max = limit == SIZE_MAX ? SIZE_MAX : limit + 1;
    size_t cap = n > SIZE_MAX / 4 ? cap_max : min_size(cap_max, n * 4 + 256), len = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        inflateEnd(&z);
        return LF_GZIP_NOMEM;
    }
    const unsigned char *src = in;
    size_t left = n;
    int result;
    if (n == 0) {
        result = LF_GZIP_BAD;
        goto done;
    }
    for (;;) {
        if (z.avail_in == 0 && left > 0) {
            size_t c = min_size(left, ZCHUNK);
            z.next_in = (Bytef *)src;
            z.avail_in = (uInt)c;
            src += c;
            left -= c;
        }
        if (len == cap) {
            if (cap == cap_max) {
                result = LF_GZIP_TOO_LARGE;
                break;
            }
            size_t ncap = cap > cap_max / 2 ? cap_max : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                result = LF_GZIP_NOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)min_size(cap - len, ZCHUNK);
        uInt before = z.avail_out;
        int rc = inflate(&z, Z_NO_FLUSH);
        len += before - z.avail_out;
        if (len > limit) {
            result = LF_GZIP_TOO_LARGE;
            break;
        }
        if (rc == Z_STREAM_END) {
            if (z.avail_in == 0 && left == 0) {
                result = LF_GZIP_OK;
                break;
            }
            inflateReset(&z); /* another member follows */
            continue;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR) {
            if (z.avail_out == 0 || z.avail_in > 0 || left > 0) continue;
            result = LF_GZIP_BAD; /* the input ended inside the stream */
            break;
        }
        result = rc == Z_MEM_ERROR ? LF_GZIP_NOMEM : LF_GZIP_BAD;
        break;
    }
done:
    inflateEnd(&z);
    if (result != LF_GZIP_OK) {
        free(buf);
        return result;
    }
    *out = buf;
    *outn = len;
    return LF_GZIP_OK;
}

/* ---- small pure helpers --------------------------------------------------- */

int lf_addr_is_loopback(const struct sockaddr *sa) {
    if (sa == NULL) return 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a)) return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

char *lf_error_body(const char *code, const char *message, size_t *len) {
    size_t mlen = strlen(message);
    char *clean = malloc(mlen + 1);
    if (clean == NULL) return NULL;
    memcpy(clean, message, mlen + 1);
    /* a Lua error message may hold any bytes; JSON needs UTF-8 */
    size_t from = 0, bad;
    while ((bad = lf_utf8_check(clean + from, mlen - from)) != LF_JSON_OK) {
        clean[from + bad] = '?';
        from += bad + 1;
    }
    lf_jbuf b = {NULL, 0, 0};
    int ok = lf_jbuf_reserve(&b, 16);
    if (ok) {
        memcpy(b.data + b.len, "[{\"errorCode\":", 14);
        b.len += 14;
        ok = lf_json_escape(&b, code, strlen(code)) == LF_JSON_OK;
    }
    if (ok && (ok = lf_jbuf_reserve(&b, 11))) {
        memcpy(b.data + b.len, ",\"message\":", 11);
        b.len += 11;
        ok = lf_json_escape(&b, clean, mlen) == LF_JSON_OK;
    }
    if (ok && (ok = lf_jbuf_reserve(&b, 3))) {
        memcpy(b.data + b.len, "}]", 3); /* with the NUL */
        b.len += 2;
    }
    free(clean);
    if (!ok) {
        lf_jbuf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

/* ---- the server and its requests ------------------------------------------ */

typedef struct lf_server {
    struct MHD_Daemon *daemon;
    lua_State *S; /* the handler's state: only with lua_lock held */
    pthread_mutex_t lua_lock;
    /* stats_lock guards the counters and `stopping`; stop_cond wakes the
     * requests sleeping out their delay_ms when the server stops */
    pthread_mutex_t stats_lock;
    pthread_cond_t stop_cond;
    int stopping;
    lua_Integer requests, connections, active, peak;
    int log;
    size_t max_body;
    /* TLS: the PEM texts (copies, alive as long as the daemon); `running`
     * (under stats_lock) tells the MHD logger whether start-up is over:
     * before, its messages are kept in start_err for start's error. */
    int tls, running;
    char *tls_cert, *tls_key;
    char start_err[512];
} lf_server;

typedef struct kv {
    const char *key, *value; /* MHD's strings, alive until the request ends */
    size_t klen, vlen;
} kv;

typedef struct kv_list {
    kv *items;
    size_t n, cap;
    int nomem;
} kv_list;

typedef struct res_header {
    char *name, *value;
} res_header;

enum { ACT_NONE, ACT_CLOSE, ACT_CUT, ACT_CHUNKED };

/* One request, MHD's con_cls: created by the URI log callback (which sees
 * the raw URI), freed by the completion callback. */
typedef struct request {
    lf_server *srv;
    char *raw_uri;
    int started, counted, responded, too_large, nomem;
    struct timespec t0;
    unsigned char *body;
    size_t body_len, body_cap;
    /* gathered from MHD just before the handler runs */
    struct MHD_Connection *conn;
    const char *method, *path;
    kv_list headers, args;
    char remote[INET6_ADDRSTRLEN];
    int loopback;
    /* the response, copied out of the Lua state */
    int status;
    res_header *res_headers;
    size_t n_res_headers;
    char *res_body;
    size_t res_len;
    int gzip, action;
    lua_Integer delay_ms;
    char *note; /* the reply's `note`, for the log line */
} request;

static void request_clear_response(request *rq) {
    for (size_t i = 0; i < rq->n_res_headers; i++) {
        free(rq->res_headers[i].name);
        free(rq->res_headers[i].value);
    }
    free(rq->res_headers);
    rq->res_headers = NULL;
    rq->n_res_headers = 0;
    free(rq->res_body);
    rq->res_body = NULL;
    rq->res_len = 0;
    rq->gzip = 0;
    rq->action = ACT_NONE;
    rq->delay_ms = 0;
    free(rq->note);
    rq->note = NULL;
}

static request *request_new(lf_server *srv, const char *uri) {
    request *rq = calloc(1, sizeof *rq);
    if (rq == NULL) return NULL;
    rq->srv = srv;
    if (uri) {
        size_t n = strlen(uri);
        rq->raw_uri = malloc(n + 1);
        if (rq->raw_uri) memcpy(rq->raw_uri, uri, n + 1);
    }
    return rq;
}

static void request_free(request *rq) {
    request_clear_response(rq);
    free(rq->headers.items);
    free(rq->args.items);
    free(rq->body);
    free(rq->raw_uri);
    free(rq);
}

static double ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- MHD callbacks: bookkeeping ------------------------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    (void)conn;
    return request_new(cls, uri);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    lf_server *srv = cls;
    request *rq = *con_cls;
    (void)conn;
    (void)toe;
    if (rq == NULL) return;
    if (rq->counted) {
        pthread_mutex_lock(&srv->stats_lock);
        srv->active--;
        pthread_mutex_unlock(&srv->stats_lock);
    }
    request_free(rq);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    lf_server *srv = cls;
    (void)conn;
    (void)socket_context;
    if (toe != MHD_CONNECTION_NOTIFY_STARTED) return;
    pthread_mutex_lock(&srv->stats_lock);
    srv->connections++;
    pthread_mutex_unlock(&srv->stats_lock);
}

static void count_request(lf_server *srv, request *rq) {
    pthread_mutex_lock(&srv->stats_lock);
    srv->requests++;
    srv->active++;
    if (srv->active > srv->peak) srv->peak = srv->active;
    pthread_mutex_unlock(&srv->stats_lock);
    rq->counted = 1;
}

/* Sleeps out a response's delay_ms, or less when the server stops. */
static void sleep_ms(lf_server *srv, lua_Integer ms) {
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += (time_t)(ms / 1000);
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&srv->stats_lock);
    while (!srv->stopping)
        if (pthread_cond_timedwait(&srv->stop_cond, &srv->stats_lock, &dl) == ETIMEDOUT) break;
    pthread_mutex_unlock(&srv->stats_lock);
}

/* ---- the handler's side, run inside lua_pcall in the server state -------- */

/* Message handler: the traceback goes to standard error (one write), the
 * message alone comes back for the 500 body. Tables with a `message` field
 * (luaforce errors) give that field. */
static int server_msghandler(lua_State *S) {
    const char *msg = NULL;
    if (lua_type(S, 1) == LUA_TSTRING) {
        msg = lua_tostring(S, 1);
    } else if (luaL_callmeta(S, 1, "__tostring") && lua_type(S, -1) == LUA_TSTRING) {
        msg = lua_tostring(S, -1);
    } else if (lua_type(S, 1) == LUA_TTABLE && lua_getfield(S, 1, "message") == LUA_TSTRING) {
        msg = lua_tostring(S, -1);
    } else {
        msg = lua_pushfstring(S, "(error object is a %s value)", luaL_typename(S, 1));
    }
    int m = lua_gettop(S);
    luaL_traceback(S, S, msg, 1);
    fprintf(stderr, "luaforce server: handler error: %s\n", lua_tostring(S, -1));
    lua_pushvalue(S, m);
    return 1;
}

static void push_lower(lua_State *S, const char *s, size_t n) {
    luaL_Buffer b;
    char *p = luaL_buffinitsize(S, &b, n);
    for (size_t i = 0; i < n; i++) p[i] = (char)tolower((unsigned char)s[i]);
    luaL_pushresultsize(&b, n);
}

static void push_request(lua_State *S, request *rq) {
    lua_createtable(S, 0, 13);
    lua_pushstring(S, rq->method);
    lua_setfield(S, -2, "method");
    lua_pushstring(S, rq->path);
    lua_setfield(S, -2, "path");
    if (rq->raw_uri) {
        const char *q = strchr(rq->raw_uri, '?');
        if (q) {
            lua_pushlstring(S, rq->raw_uri, (size_t)(q - rq->raw_uri));
            lua_setfield(S, -2, "raw_path");
            lua_pushstring(S, q + 1);
            lua_setfield(S, -2, "raw_query");
        } else {
            lua_pushstring(S, rq->raw_uri);
            lua_setfield(S, -2, "raw_path");
        }
    }

    /* query: the first value of each name; query_list: every pair in order */
    lua_createtable(S, 0, (int)rq->args.n);
    lua_createtable(S, (int)rq->args.n, 0);
    for (size_t i = 0; i < rq->args.n; i++) {
        const kv *a = &rq->args.items[i];
        lua_createtable(S, 2, 0);
        lua_pushlstring(S, a->key, a->klen);
        lua_rawseti(S, -2, 1);
        lua_pushlstring(S, a->value ? a->value : "", a->value ? a->vlen : 0);
        lua_rawseti(S, -2, 2);
        lua_rawseti(S, -2, (lua_Integer)i + 1);
        lua_pushlstring(S, a->key, a->klen);
        if (lua_rawget(S, -3) == LUA_TNIL) {
            lua_pop(S, 1);
            lua_pushlstring(S, a->key, a->klen);
            lua_pushlstring(S, a->value ? a->value : "", a->value ? a->vlen : 0);
            lua_rawset(S, -4);
        } else {
            lua_pop(S, 1);
        }
    }
    lua_setfield(S, -3, "query_list");
    lua_setfield(S, -2, "query");

    /* headers: lower-cased names, repeats joined with ", " */
    lua_createtable(S, 0, (int)rq->headers.n);
    for (size_t i = 0; i < rq->headers.n; i++) {
        const kv *h = &rq->headers.items[i];
        push_lower(S, h->key, h->klen);
        lua_pushvalue(S, -1);
        if (lua_rawget(S, -3) == LUA_TNIL) {
            lua_pop(S, 1);
            lua_pushlstring(S, h->value ? h->value : "", h->value ? h->vlen : 0);
        } else {
            lua_pushliteral(S, ", ");
            lua_pushlstring(S, h->value ? h->value : "", h->value ? h->vlen : 0);
            lua_concat(S, 3);
        }
        lua_rawset(S, -3);
    }
    lua_setfield(S, -2, "headers");

    lua_pushlstring(S, rq->body ? (const char *)rq->body : "", rq->body_len);
    lua_setfield(S, -2, "body");
    lua_pushstring(S, rq->remote);
    lua_setfield(S, -2, "remote");
    lua_pushboolean(S, rq->loopback);
    lua_setfield(S, -2, "loopback");
    /* the handler builds absolute URLs (instance_url) with it */
    lua_pushstring(S, rq->srv->tls ? "https" : "http");
    lua_setfield(S, -2, "scheme");
}

static char *dup_lstring(lua_State *S, const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p == NULL) luaL_error(S, "not enough memory for the response");
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* A header name is a token (RFC 9110); values may not break the line. */
static int valid_header(const char *name, size_t nlen, const char *value, size_t vlen) {
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (nlen == 0) return 0;
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && (c == '\0' || strchr(extra, c) == NULL)) return 0;
    }
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '\r' || c == '\n' || c == '\0') return 0;
    }
    return 1;
}

/* Copies the response table at idx into rq; raises on a malformed one (the
 * request then gets a 500). rq owns every buffer as soon as it exists, so a
 * raise half-way leaks nothing. */
static void read_response(lua_State *S, request *rq, int idx) {
    if (lua_type(S, idx) != LUA_TTABLE)
        luaL_error(S, "handler.handle returned %s, not a response table", luaL_typename(S, idx));

    int isnum;
    lua_getfield(S, idx, "status");
    if (lua_isnil(S, -1)) {
        rq->status = 200;
    } else {
        lua_Integer st = lua_tointegerx(S, -1, &isnum);
        if (!isnum || st < 100 || st > 599)
            luaL_error(S, "response status must be an integer from 100 to 599, not %s",
                       luaL_tolstring(S, -1, NULL));
        rq->status = (int)st;
    }
    lua_pop(S, 1);

    if (lua_getfield(S, idx, "headers") == LUA_TTABLE) {
        lua_Integer n = luaL_len(S, -1);
        if (n > 0) {
            rq->res_headers = calloc((size_t)n, sizeof *rq->res_headers);
            if (rq->res_headers == NULL) luaL_error(S, "not enough memory for the response");
        }
        for (lua_Integer i = 1; i <= n; i++) {
            size_t nlen, vlen;
            if (lua_rawgeti(S, -1, i) != LUA_TTABLE)
                luaL_error(S, "response header %d must be a {name, value} pair, not %s", (int)i,
                           luaL_typename(S, -1));
            lua_rawgeti(S, -1, 1);
            lua_rawgeti(S, -2, 2);
            const char *name = lua_type(S, -2) == LUA_TSTRING ? lua_tolstring(S, -2, &nlen) : NULL;
            int vt = lua_type(S, -1);
            const char *value = vt == LUA_TSTRING || vt == LUA_TNUMBER ? lua_tolstring(S, -1, &vlen) : NULL;
            if (name == NULL || value == NULL)
                luaL_error(S, "response header %d must be a {name, value} pair of strings", (int)i);
            if (!valid_header(name, nlen, value, vlen))
                luaL_error(S, "response header %d (%s) is not a valid header line", (int)i, name);
            res_header *h = &rq->res_headers[rq->n_res_headers];
            h->name = dup_lstring(S, name, nlen);
            rq->n_res_headers++; /* owned now, even if the value fails */
            h->value = dup_lstring(S, value, vlen);
            lua_pop(S, 3);
        }
    } else if (!lua_isnil(S, -1)) {
        luaL_error(S, "response headers must be a list of {name, value} pairs, not %s",
                   luaL_typename(S, -1));
    }
    lua_pop(S, 1);

    int bt = lua_getfield(S, idx, "body");
    if (bt == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(S, -1, &n);
        rq->res_body = dup_lstring(S, s, n);
        rq->res_len = n;
    } else if (bt != LUA_TNIL) {
        luaL_error(S, "response body must be a string, not %s", luaL_typename(S, -1));
    }
    lua_pop(S, 1);

    lua_getfield(S, idx, "gzip");
    rq->gzip = lua_toboolean(S, -1);
    lua_pop(S, 1);

    if (lua_getfield(S, idx, "delay_ms") != LUA_TNIL) {
        lua_Number d = lua_tonumberx(S, -1, &isnum);
        if (!isnum || !(d >= 0))
            luaL_error(S, "response delay_ms must be a number >= 0");
        rq->delay_ms = d > (lua_Number)MAX_DELAY_MS ? MAX_DELAY_MS : (lua_Integer)(d + 0.5);
    }
    lua_pop(S, 1);

    if (lua_getfield(S, idx, "action") != LUA_TNIL) {
        const char *a = lua_tostring(S, -1);
        if (a && strcmp(a, "close") == 0)
            rq->action = ACT_CLOSE;
        else if (a && strcmp(a, "cut") == 0)
            rq->action = ACT_CUT;
        else if (a && strcmp(a, "chunked") == 0)
            rq->action = ACT_CHUNKED;
        else
            luaL_error(S, "response action must be \"close\" or \"cut\", not %s", luaL_tolstring(S, -1, NULL));
    }
    lua_pop(S, 1);

    int nt = lua_getfield(S, idx, "note");
    if (nt == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(S, -1, &n);
        rq->note = dup_lstring(S, s, n);
    } else if (nt != LUA_TNIL) {
        luaL_error(S, "response note must be a string, not %s", luaL_typename(S, -1));
    }
    lua_pop(S, 1);
}

/* lua_pcall'd in the server state: handler.handle(req), then the response. */
static int call_handle(lua_State *S) {
    request *rq = lua_touserdata(S, 1);
    lua_getfield(S, LUA_REGISTRYINDEX, HANDLER_KEY);
    lua_getfield(S, -1, "handle");
    push_request(S, rq);
    lua_call(S, 1, 1);
    read_response(S, rq, lua_gettop(S));
    return 0;
}

/* ---- the access handler ---------------------------------------------------- */

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind, const char *key, size_t klen,
                                  const char *value, size_t vlen) {
    kv_list *l = cls;
    (void)kind;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        kv *ni = realloc(l->items, ncap * sizeof *ni);
        if (ni == NULL) {
            l->nomem = 1;
            return MHD_NO;
        }
        l->items = ni;
        l->cap = ncap;
    }
    l->items[l->n++] = (kv){key, value, klen, vlen};
    return MHD_YES;
}

/* Appends n bytes of s to buf (capacity cap, length *len, always
 * NUL-terminated) with control bytes as '?': text from a request or a
 * handler must not break the log into lines a reader would misattribute. */
static void log_append(char *buf, size_t cap, size_t *len, const char *s, size_t n) {
    for (size_t i = 0; i < n && *len + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[(*len)++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[*len] = '\0';
}

/* One line per request: METHOD PATH STATUS TIMEms [cut|close] [note]. Built
 * whole, then written with one call, so concurrent requests' lines do not
 * interleave. */
static void log_line(request *rq, const char *status, const char *action) {
    if (!rq->srv->log) return;
    char line[2048], head[64];
    size_t len = 0;
    const char *path = rq->raw_uri ? rq->raw_uri : rq->path;
    line[0] = '\0';
    log_append(line, sizeof line, &len, rq->method, strlen(rq->method));
    log_append(line, sizeof line, &len, " ", 1);
    log_append(line, sizeof line, &len, path, strcspn(path, "?"));
    snprintf(head, sizeof head, " %s %.0fms", status, ms_since(&rq->t0));
    log_append(line, sizeof line, &len, head, strlen(head));
    if (action) {
        log_append(line, sizeof line, &len, " ", 1);
        log_append(line, sizeof line, &len, action, strlen(action));
    }
    if (rq->note && rq->note[0]) {
        log_append(line, sizeof line, &len, " ", 1);
        log_append(line, sizeof line, &len, rq->note, strlen(rq->note));
    }
    fprintf(stderr, "%s\n", line);
}

/* The content reader of a `cut` response: the first half of the body, then
 * an error, which makes MHD close the connection with the body short. */
typedef struct cut_body {
    char *data;
    size_t half;
    int chunked; /* a "chunked" body: all of it, size unknown to MHD */
} cut_body;

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max) {
    cut_body *c = cls;
    if (pos >= c->half) return c->chunked ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = min_size(max, c->half - (size_t)pos);
    memcpy(buf, c->data + pos, n);
    return (ssize_t)n;
}

static void cut_free(void *cls) {
    cut_body *c = cls;
    free(c->data);
    free(c);
}

/* Queues rq's response (status, headers, body already in rq) and logs it. */
static enum MHD_Result send_response(request *rq) {
    struct MHD_Response *resp;
    if (rq->action == ACT_CUT || rq->action == ACT_CHUNKED) {
        cut_body *c = malloc(sizeof *c);
        if (c == NULL) return MHD_NO;
        c->data = rq->res_body;
        c->chunked = rq->action == ACT_CHUNKED;
        c->half = c->chunked ? rq->res_len : rq->res_len / 2;
        resp = MHD_create_response_from_callback(c->chunked ? MHD_SIZE_UNKNOWN : rq->res_len, 16 * 1024,
                                                 cut_reader, c, cut_free);
        if (resp == NULL) {
            free(c);
            return MHD_NO;
        }
        rq->res_body = NULL; /* the response owns it now */
    } else if (rq->res_len == 0) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer_with_free_callback(rq->res_len, rq->res_body, free);
        if (resp) rq->res_body = NULL;
    }
    if (resp == NULL) return MHD_NO;
    for (size_t i = 0; i < rq->n_res_headers; i++) {
        const res_header *h = &rq->res_headers[i];
        if (strcasecmp(h->name, "Content-Length") == 0) continue; /* MHD writes it */
        if (MHD_add_response_header(resp, h->name, h->value) != MHD_YES)
            fprintf(stderr, "luaforce server: response header '%s' refused by libmicrohttpd\n", h->name);
    }
    if (rq->gzip) MHD_add_response_header(resp, "Content-Encoding", "gzip");
    enum MHD_Result r = MHD_queue_response(rq->conn, (unsigned int)rq->status, resp);
    MHD_destroy_response(resp);
    char st[16];
    snprintf(st, sizeof st, "%d", rq->status);
    log_line(rq, r == MHD_YES ? st : "-", rq->action == ACT_CUT ? "cut" : NULL);
    return r;
}

/* A response made here, without the handler: bad gzip, too large, errors. */
static enum MHD_Result send_error(request *rq, int status, const char *code, const char *message) {
    request_clear_response(rq);
    rq->status = status;
    rq->res_body = lf_error_body(code, message, &rq->res_len);
    if (rq->res_body == NULL) return MHD_NO;
    rq->res_headers = calloc(1, sizeof *rq->res_headers);
    if (rq->res_headers == NULL) return MHD_NO;
    rq->res_headers[0].name = strdup("Content-Type");
    rq->res_headers[0].value = strdup("application/json;charset=UTF-8");
    rq->n_res_headers = 1;
    if (rq->res_headers[0].name == NULL || rq->res_headers[0].value == NULL) return MHD_NO;
    rq->responded = 1;
    return send_response(rq);
}

/* The body is complete: run the handler, then answer as it says. */
static enum MHD_Result dispatch(request *rq) {
    lf_server *srv = rq->srv;
    MHD_get_connection_values_n(rq->conn, MHD_HEADER_KIND, collect_kv, &rq->headers);
    MHD_get_connection_values_n(rq->conn, MHD_GET_ARGUMENT_KIND, collect_kv, &rq->args);
    if (rq->headers.nomem || rq->args.nomem) return MHD_NO;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, rq->remote, sizeof rq->remote);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, rq->remote, sizeof rq->remote);
    rq->loopback = lf_addr_is_loopback(sa);

    char *errmsg = NULL;
    pthread_mutex_lock(&srv->lua_lock);
    lua_State *S = srv->S;
    int top = lua_gettop(S);
    lua_pushcfunction(S, server_msghandler);
    lua_pushcfunction(S, call_handle);
    lua_pushlightuserdata(S, rq);
    int st = lua_pcall(S, 1, 0, top + 1);
    if (st != LUA_OK) {
        const char *m = lua_type(S, -1) == LUA_TSTRING ? lua_tostring(S, -1) : "error in the handler";
        errmsg = strdup(m);
    }
    lua_settop(S, top);
    pthread_mutex_unlock(&srv->lua_lock);

    if (st != LUA_OK) {
        enum MHD_Result r = send_error(rq, 500, "UNKNOWN_EXCEPTION", errmsg ? errmsg : "error in the handler");
        free(errmsg);
        return r;
    }
    if (rq->delay_ms > 0) sleep_ms(srv, rq->delay_ms);
    if (rq->action == ACT_CLOSE) {
        log_line(rq, "-", "close");
        return MHD_NO; /* MHD drops the connection, nothing sent */
    }
    if (rq->gzip) {
        unsigned char *z;
        size_t zn;
        if (lf_gzip(rq->res_body ? rq->res_body : "", rq->res_len, &z, &zn) != LF_GZIP_OK)
            return send_error(rq, 500, "UNKNOWN_EXCEPTION", "not enough memory to compress the response");
        free(rq->res_body);
        rq->res_body = (char *)z;
        rq->res_len = zn;
    }
    return send_response(rq);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    lf_server *srv = cls;
    request *rq = *con_cls;
    (void)version;
    if (rq == NULL) { /* the URI callback could not allocate */
        rq = request_new(srv, NULL);
        if (rq == NULL) return MHD_NO;
        *con_cls = rq;
    }
    if (!rq->started) {
        rq->started = 1;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        rq->conn = conn;
        rq->method = method;
        rq->path = url;
        count_request(srv, rq);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > srv->max_body)
            return send_error(rq, 413, "REQUEST_ENTITY_TOO_LARGE", "the request body is too large");
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->responded || rq->too_large || rq->nomem) return MHD_YES; /* drop the rest */
        if (n > srv->max_body - rq->body_len) {
            rq->too_large = 1;
            free(rq->body);
            rq->body = NULL;
            rq->body_len = rq->body_cap = 0;
            return MHD_YES;
        }
        if (rq->body_len + n > rq->body_cap) {
            size_t ncap = rq->body_cap ? rq->body_cap : 16 * 1024;
            while (ncap < rq->body_len + n) ncap *= 2;
            unsigned char *nb = realloc(rq->body, ncap);
            if (nb == NULL) {
                rq->nomem = 1;
                return MHD_YES;
            }
            rq->body = nb;
            rq->body_cap = ncap;
        }
        memcpy(rq->body + rq->body_len, upload_data, n);
        rq->body_len += n;
        return MHD_YES;
    }
    if (rq->responded) return MHD_YES;
    if (rq->too_large)
        return send_error(rq, 413, "REQUEST_ENTITY_TOO_LARGE", "the request body is too large");
    if (rq->nomem)
        return send_error(rq, 500, "UNKNOWN_EXCEPTION", "not enough memory for the request body");
    const char *ce = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    if (ce && (strcasecmp(ce, "gzip") == 0 || strcasecmp(ce, "x-gzip") == 0)) {
        unsigned char *plain;
        size_t pn;
        int r = lf_gunzip(rq->body, rq->body_len, srv->max_body, &plain, &pn);
        if (r == LF_GZIP_BAD)
            return send_error(rq, 400, "BAD_REQUEST", "the request body is not valid gzip");
        if (r == LF_GZIP_TOO_LARGE)
            return send_error(rq, 413, "REQUEST_ENTITY_TOO_LARGE", "the request body is too large");
        if (r != LF_GZIP_OK)
            return send_error(rq, 500, "UNKNOWN_EXCEPTION", "not enough memory for the request body");
        free(rq->body);
        rq->body = plain;
        rq->body_len = rq->body_cap = pn;
    }
    return dispatch(rq);
}

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
    lua_createtable(S, 0, 1);
    lua_pushlightuserdata(S, a->srv);
    lua_pushcclosure(S, self_stats, 1);
    lua_setfield(S, -2, "stats");
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
    free(srv);
}

static lf_server *server_alloc(void) {
    lf_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) return NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->stop_cond, &ca);
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
 *               tls_cert=, tls_key=}
 *   -> Server | nil, message, code ("LISTEN_FAILED", "HANDLER_FAILED",
 *      "START_FAILED", "TLS_UNSUPPORTED", "TLS_FAILED")
 * tls_cert and tls_key are PEM texts (not file names), both or neither. */
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
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
                                   MHD_OPTION_ARRAY, srv->tls ? tls_opts : &tls_opts[3],
                                   MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                                   MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                   MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
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
            lua_Integer left = timeout - (lua_Integer)ms_since(&t0);
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
