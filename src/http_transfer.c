/*
 * http_transfer.c: one HTTP exchange of luaforce.core.http on a pooled curl
 * easy handle: the request table (normalized by lua/luaforce/http) turned
 * into curl options, and libcurl's write and header callbacks.
 *
 * - curl_easy_reset between requests keeps the handle's buffers and caches.
 * - Nothing longjmps through libcurl: the write callback calls on_chunk under
 *   lua_pcall with the common message handler (so its error keeps a
 *   traceback), keeps the error in a registry slot reserved before the
 *   transfer and returns the abort value; the result raises it after
 *   libcurl returned.
 * - The response size cap is enforced in the write callback, on decoded
 *   bytes, so chunked and gzip-inflated bodies cannot grow past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "core.h"
#include "http_internal.h"

/* ---- callbacks -------------------------------------------------------------- */

/* Runs on_chunk(piece) in protected mode; the arguments are C pointers, so
 * nothing here can raise outside the pcall. */
static int chunk_call(lua_State *L) {
    xfer *x = lua_touserdata(L, 1);
    const char *p = lua_touserdata(L, 2);
    size_t n = (size_t)lua_tointeger(L, 3);
    lua_rawgeti(L, LUA_REGISTRYINDEX, x->chunk_ref);
    lua_pushlstring(L, p, n);
    lua_call(L, 1, 1);
    return 1;
}

/* Hands one piece of the body to on_chunk, protected (lf_msghandler adds
 * the traceback of where on_chunk raised). Returns 0 to make libcurl stop:
 * on_chunk failed (its error kept for the result) or returned false. */
static int deliver_chunk(xfer *x, const char *p, size_t n) {
    lf_loop *lp = x->s->loop;
    lua_State *L = lp->L;
    if (L == NULL || !lua_checkstack(L, 7)) {
        x->nomem = 1;
        return 0;
    }
    int base = lua_gettop(L) + 1;
    lua_pushcfunction(L, lf_msghandler);
    lua_pushcfunction(L, chunk_call);
    lua_pushlightuserdata(L, x);
    lua_pushlightuserdata(L, (void *)p);
    lua_pushinteger(L, (lua_Integer)n);
    lp->in_callback = 1;
    int st = lua_pcall(L, 3, 1, base);
    lp->in_callback = 0;
    if (st != LUA_OK) {
        /* the slot exists since start(): storing into it allocates nothing */
        lua_rawseti(L, LUA_REGISTRYINDEX, x->err_ref);
        lua_settop(L, base - 1);
        x->chunk_failed = 1;
        return 0;
    }
    int stop = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
    lua_settop(L, base - 1);
    if (stop) {
        x->aborted = 1;
        return 0;
    }
    return 1;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud) {
    xfer *x = ud;
    size_t n = size * nmemb;
    x->received += (curl_off_t)n;
    if (x->max_body > 0 && x->received > x->max_body) {
        x->too_large = 1;
        return n ? 0 : 1;
    }
    if (x->chunk_ref != LUA_NOREF) {
        if (n == 0) return 0;
        return deliver_chunk(x, p, n) ? n : 0;
    }
    if (!lf_hbuf_add(&x->body, p, n)) {
        x->nomem = 1;
        return n ? 0 : 1;
    }
    return n;
}

/* The request body, read from the Lua string in place. */
static size_t on_read(char *buf, size_t size, size_t nitems, void *ud) {
    xfer *x = ud;
    size_t room = size * nitems;
    curl_off_t left = x->body_len - x->body_pos;
    size_t n = left < (curl_off_t)room ? (size_t)left : room;
    memcpy(buf, x->body_text + x->body_pos, n);
    x->body_pos += (curl_off_t)n;
    return n;
}

/* The body from a file (body_file): read piece by piece as libcurl sends
 * it, so an upload of any size costs one buffer. A short read (the file
 * shrank under us) aborts the transfer rather than sending a short body. */
static size_t on_read_file(char *buf, size_t size, size_t nitems, void *ud) {
    xfer *x = ud;
    size_t room = size * nitems;
    curl_off_t left = x->body_len - x->body_pos;
    size_t want = left < (curl_off_t)room ? (size_t)left : room;
    if (want == 0) return 0;
    size_t n = fread(buf, 1, want, x->body_fp);
    if (n == 0) return CURL_READFUNC_ABORT;
    x->body_pos += (curl_off_t)n;
    return n;
}

/* libcurl rewinds the body only to send the request again by itself: a
 * reused connection closed without an answer. That replay is refused: the
 * first send may have been processed, and whether to try again (and what
 * to report) is the caller's policy (luaforce.client.retry), which must
 * know there was an attempt. A rewind before any byte was read is no
 * replay. */
static int on_seek(void *ud, curl_off_t offset, int origin) {
    xfer *x = ud;
    if (offset == 0 && origin == SEEK_SET && x->body_pos == 0) return CURL_SEEKFUNC_OK;
    x->replay_refused = 1;
    x->replay_at = x->body_pos;
    return CURL_SEEKFUNC_FAIL;
}

/* Keeps the header block of the last response only: a status line starts
 * over (100 Continue, then the real one). */
static size_t on_header(char *p, size_t size, size_t nmemb, void *ud) {
    xfer *x = ud;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) x->head.len = 0;
    if (x->head.len + n > MAX_HEADER_BYTES) {
        x->too_large = 1;
        return 0;
    }
    if (!lf_hbuf_add(&x->head, p, n)) {
        x->nomem = 1;
        return 0;
    }
    return n;
}

/* ---- the handle pool ------------------------------------------------------------ */

static void unref(lua_State *L, int *ref) {
    if (*ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, *ref);
    *ref = LUA_NOREF;
}

/* Frees what one request held, keeping the easy handle for the next. */
static void xfer_clear(lua_State *L, xfer *x) {
    if (x->in_multi) lf_http_loop_unlink(x->s->loop, x);
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    lf_hbuf_free(&x->body);
    lf_hbuf_free(&x->head);
    if (x->body_fp) fclose(x->body_fp);
    x->body_fp = NULL;
    unref(L, &x->chunk_ref);
    unref(L, &x->body_ref);
    unref(L, &x->err_ref);
    x->done = x->notify = 0;
    x->id = 0;
}

static void list_remove(xfer **head, xfer *x) {
    for (xfer **p = head; *p; p = &(*p)->next) {
        if (*p == x) {
            *p = x->next;
            x->next = NULL;
            return;
        }
    }
}

/* Back to the pool (the easy handle keeps its caches). */
void lf_http_xfer_release(lua_State *L, xfer *x) {
    lf_session *s = x->s;
    xfer_clear(L, x);
    list_remove(&s->busy, x);
    x->next = s->idle;
    s->idle = x;
}

void lf_http_xfer_destroy(lua_State *L, xfer *x) {
    xfer_clear(L, x);
    curl_easy_cleanup(x->easy);
    free(x);
}

/* An easy handle from the pool (or a new one), on the busy list. */
xfer *lf_http_xfer_take(lua_State *L, lf_session *s) {
    xfer *x = s->idle;
    if (x) {
        s->idle = x->next;
        curl_easy_reset(x->easy);
    } else {
        x = calloc(1, sizeof *x);
        if (x == NULL) luaL_error(L, "not enough memory");
        x->easy = curl_easy_init();
        if (x->easy == NULL) {
            free(x);
            luaL_error(L, "http: cannot create a curl easy handle");
        }
        x->s = s;
        x->chunk_ref = x->body_ref = x->err_ref = LUA_NOREF;
    }
    x->next = s->busy;
    s->busy = x;
    x->rc = CURLE_OK;
    x->received = 0;
    x->body_len = x->body_pos = x->replay_at = 0;
    x->body_text = NULL;
    x->body_fp = NULL;
    x->too_large = x->aborted = x->interrupted = x->chunk_failed = x->nomem = x->replay_refused = 0;
    x->errbuf[0] = '\0';
    return x;
}

/* ---- a request table as curl options ---------------------------------------------- */

/* Seconds (a number > 0) as whole milliseconds; dflt when absent. */
long lf_http_opt_ms(lua_State *L, int idx, const char *name, long dflt, const char *fn) {
    long out = dflt;
    if (lua_getfield(L, idx, name) != LUA_TNIL) {
        int ok;
        lua_Number v = lua_tonumberx(L, -1, &ok);
        if (!ok || !(v > 0) || v > 86400.0 * 30)
            luaL_error(L, "bad option '%s' to '%s' (seconds > 0 expected)", name, fn);
        out = (long)(v * 1000 + 0.5);
        if (out < 1) out = 1;
    }
    lua_pop(L, 1);
    return out;
}

curl_off_t lf_http_opt_size(lua_State *L, int idx, const char *name, curl_off_t dflt, const char *fn) {
    curl_off_t out = dflt;
    if (lua_getfield(L, idx, name) != LUA_TNIL) {
        int ok;
        lua_Integer v = lua_tointegerx(L, -1, &ok);
        if (!ok || v < 0) luaL_error(L, "bad option '%s' to '%s' (bytes >= 0 expected)", name, fn);
        out = (curl_off_t)v;
    }
    lua_pop(L, 1);
    return out;
}

static void setopt_or_raise(lua_State *L, xfer *x, CURLcode rc, const char *what) {
    if (rc == CURLE_OK) return;
    const char *msg = curl_easy_strerror(rc);
    lf_http_xfer_release(L, x);
    luaL_error(L, "http: cannot set %s: %s", what, msg);
}

void lf_http_check_request(lua_State *L, lf_session *s, int idx, req_opts *o) {
    if (lua_getfield(L, idx, "url") != LUA_TSTRING) luaL_error(L, "bad request (url must be a string)");
    if (lua_getfield(L, idx, "method") != LUA_TSTRING && !lua_isnil(L, -1))
        luaL_error(L, "bad request (method must be a string)");
    int bt = lua_getfield(L, idx, "body");
    if (bt != LUA_TSTRING && bt != LUA_TNIL) luaL_error(L, "bad request (body must be a string)");
    lua_pop(L, 3);
    o->connect_ms = lf_http_opt_ms(L, idx, "connect_timeout", s->connect_ms, "request");
    o->timeout_ms = lf_http_opt_ms(L, idx, "timeout", s->timeout_ms, "request");
    o->has_max_body = lua_getfield(L, idx, "max_body") != LUA_TNIL;
    lua_pop(L, 1);
    o->max_body = lf_http_opt_size(L, idx, "max_body", 0, "request");
}

/* Fills x from the request table at idx (normalized by the Lua face):
 * method, url, headers (a list of "Name: value" lines), body, timeout,
 * connect_timeout, on_chunk, max_body. Raises on misuse, releasing x. */
void lf_http_xfer_setup(lua_State *L, lf_session *s, xfer *x, int idx, const req_opts *o) {
    CURL *e = x->easy;
    const char *url, *method;
    lua_getfield(L, idx, "url");
    url = lua_tostring(L, -1);
    setopt_or_raise(L, x, curl_easy_setopt(e, CURLOPT_URL, url), "the URL");
    lua_pop(L, 1);
    lua_getfield(L, idx, "method");
    method = lua_tostring(L, -1);
    if (method == NULL) method = "GET";

    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
    curl_easy_setopt(e, CURLOPT_SHARE, s->share);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, s->user_agent);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    if (s->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (s->ca_file) setopt_or_raise(L, x, curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file), "ca_file");
    if (s->ca_path) setopt_or_raise(L, x, curl_easy_setopt(e, CURLOPT_CAPATH, s->ca_path), "ca_path");

    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    /* fresh_connect: a new connection for this request. libcurl replays a
     * request on its own when a reused connection closes without an answer,
     * POSTs included; a request that must never be sent twice (a create)
     * asks for a connection nothing else has used, so that never happens. */
    /* ... and closes it after: left in the pool, every create would add
     * one idle connection (up to libcurl's 64) for the server to hold */
    lua_getfield(L, idx, "fresh_connect");
    long fresh = lua_toboolean(L, -1) ? 1L : 0L;
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, fresh);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, fresh);
    lua_pop(L, 1);

    /* the body: the Lua string stays referenced and on_read copies from it;
     * a read callback rather than POSTFIELDS, so that libcurl must ask
     * (on_seek) before it sends the request a second time */
    size_t blen = 0;
    int has_body = lua_getfield(L, idx, "body") == LUA_TSTRING;
    if (has_body) {
        x->body_text = lua_tolstring(L, -1, &blen);
        x->body_len = (curl_off_t)blen;
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, x);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
        x->body_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        lua_pop(L, 1);
        /* body_file: the body is that file's bytes, streamed */
        if (lua_getfield(L, idx, "body_file") == LUA_TSTRING) {
            const char *path = lua_tostring(L, -1);
            struct stat st;
            FILE *fp = fopen(path, "rb");
            if (fp == NULL || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
                int err = errno;
                if (fp) fclose(fp);
                lf_http_xfer_release(L, x);
                luaL_error(L, "http: cannot read the body file %s: %s", path,
                           fp ? "not a regular file" : strerror(err));
            }
            x->body_fp = fp;
            x->body_len = (curl_off_t)st.st_size;
            has_body = 1;
            curl_easy_setopt(e, CURLOPT_POST, 1L);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, x->body_len);
            curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read_file);
            curl_easy_setopt(e, CURLOPT_READDATA, x);
            curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
            curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
        }
        lua_pop(L, 1);
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "POST") == 0) {
        if (!has_body) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
        }
    } else if (strcmp(method, "GET") != 0 || has_body) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    lua_pop(L, 1); /* method */

    /* headers: never libcurl's Expect: 100-continue (a round trip lost on
     * every large body) */
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    int ok = h != NULL;
    if (lua_getfield(L, idx, "headers") == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n && ok; i++) {
            lua_rawgeti(L, -1, i);
            const char *line = lua_tostring(L, -1);
            if (line) {
                struct curl_slist *nh = curl_slist_append(h, line);
                if (nh == NULL) ok = 0;
                else h = nh;
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    x->headers = h;
    if (!ok) {
        lf_http_xfer_release(L, x);
        luaL_error(L, "not enough memory");
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);

    x->max_body = s->max_body;
    if (lua_getfield(L, idx, "on_chunk") == LUA_TFUNCTION) {
        x->chunk_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        x->max_body = 0; /* streaming: no cap unless the request asks */
        lua_pushboolean(L, 0);
        x->err_ref = luaL_ref(L, LUA_REGISTRYINDEX); /* the slot for its error */
    } else {
        lua_pop(L, 1);
    }
    if (o->has_max_body) x->max_body = o->max_body;
}

void lf_http_xfer_add(lua_State *L, lf_loop *lp, xfer *x) {
    CURLMcode mc = curl_multi_add_handle(lp->multi, x->easy);
    if (mc != CURLM_OK) {
        lf_http_xfer_release(L, x);
        luaL_error(L, "http: cannot start the transfer: %s", curl_multi_strerror(mc));
    }
    x->in_multi = 1;
    x->lprev = NULL;
    x->lnext = lp->active;
    if (lp->active) lp->active->lprev = x;
    lp->active = x;
    x->id = lp->next_id++;
}
