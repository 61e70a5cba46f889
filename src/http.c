/*
 * http.c: luaforce.core.http, HTTP exchanges over libcurl (mechanism only;
 * redirects, tracing, scheduling and the response shape are policy in
 * lua/luaforce/http.lua).
 *
 * The shape:
 * - One curl multi handle per Lua state (the "loop", a userdata kept in the
 *   registry). Every transfer runs on it, one at a time or many at once, so
 *   its connection cache keeps connections alive between requests and Ctrl-C
 *   can wake every wait through curl_multi_wakeup.
 * - A session owns a pool of easy handles (curl_easy_reset between requests
 *   keeps the handle's buffers) and a share handle for the DNS cache and TLS
 *   sessions. Its options (timeouts, CA, the size cap) apply to each request.
 * - session:perform(req) runs one exchange to its end; session:start(req)
 *   returns an id at once, wait() drives the multi handle, done() lists the
 *   ids finished since, session:result(id) collects one. Lua coroutines sit
 *   on top of these (http.parallel).
 * - Nothing longjmps through libcurl: the write callback calls on_chunk under
 *   lua_pcall, keeps an error in a registry slot reserved before the transfer
 *   and returns the abort value; result() raises it after libcurl returned.
 * - The response size cap is enforced in the write callback, on decoded
 *   bytes, so chunked and gzip-inflated bodies cannot grow past it.
 *
 * Caveat: the signal handler reaches the multi handle being polled through
 * one static pointer (a signal handler has nothing else to go by); it is set
 * only around curl_multi_poll.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "core.h"
#include "http_text.h"

#define SESSION_MT "luaforce.http.Session"
#define LOOP_MT "luaforce.http.Loop"
#define LOOP_KEY "luaforce.http.loop"
#define MAX_HEADER_BYTES ((size_t)1 << 20)
#define DEFAULT_MAX_BODY ((curl_off_t)128 * 1024 * 1024)
#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 120000L

typedef struct xfer xfer;

typedef struct lf_loop {
    CURLM *multi;
    xfer *active; /* every transfer in the multi handle */
    lua_Integer *done_ids;
    size_t ndone, capdone;
    lua_Integer next_id;
    lua_State *L;    /* the thread driving the multi handle right now */
    int in_callback; /* inside on_chunk: no re-entry into libcurl */
    int closed;
} lf_loop;

typedef struct lf_session {
    lf_loop *loop;
    CURLSH *share;
    xfer *idle; /* handles ready for the next request */
    xfer *busy; /* started, not yet collected */
    long connect_ms, timeout_ms;
    curl_off_t max_body;
    char *ca_file, *ca_path, *user_agent;
    int insecure;
    int closed;
} lf_session;

struct xfer {
    CURL *easy;
    lf_session *s;
    xfer *next;         /* in the session's idle or busy list */
    xfer *lnext, *lprev; /* in the loop's active list */
    lua_Integer id;
    int in_multi, done, notify;
    CURLcode rc;
    struct curl_slist *headers;
    lf_hbuf body, head;
    curl_off_t received, max_body, body_len;
    int too_large, aborted, interrupted, chunk_failed, nomem;
    int chunk_ref, body_ref, err_ref; /* registry refs, LUA_NOREF when unused */
    char errbuf[CURL_ERROR_SIZE];
};

/* The multi handle inside curl_multi_poll, for the SIGINT handler. */
static CURLM *volatile polling_multi = NULL;

static void wake_on_interrupt(void) {
    CURLM *m = polling_multi;
    if (m) curl_multi_wakeup(m);
}

/* ---- the loop --------------------------------------------------------------- */

static void loop_unlink(lf_loop *lp, xfer *x) {
    if (!x->in_multi) return;
    curl_multi_remove_handle(lp->multi, x->easy);
    if (x->lprev) x->lprev->lnext = x->lnext;
    else lp->active = x->lnext;
    if (x->lnext) x->lnext->lprev = x->lprev;
    x->lnext = x->lprev = NULL;
    x->in_multi = 0;
}

static int loop_gc(lua_State *L) {
    lf_loop *lp = luaL_checkudata(L, 1, LOOP_MT);
    if (lp->closed) return 0;
    while (lp->active) loop_unlink(lp, lp->active);
    curl_multi_cleanup(lp->multi);
    free(lp->done_ids);
    lp->done_ids = NULL;
    lp->closed = 1;
    return 0;
}

/* The state's loop, made on first use; pushed on the stack. */
static lf_loop *push_loop(lua_State *L) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, LOOP_KEY) == LUA_TUSERDATA) return lua_touserdata(L, -1);
    lua_pop(L, 1);
    lf_loop *lp = lua_newuserdatauv(L, sizeof *lp, 0);
    memset(lp, 0, sizeof *lp);
    lp->closed = 1;
    luaL_setmetatable(L, LOOP_MT);
    lp->multi = curl_multi_init();
    if (lp->multi == NULL) luaL_error(L, "http: cannot create a curl multi handle");
    lp->closed = 0;
    lp->next_id = 1;
    curl_multi_setopt(lp->multi, CURLMOPT_MAXCONNECTS, 64L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, LOOP_KEY);
    return lp;
}

/* Marks the transfers libcurl finished; queues the ids of started ones.
 * Returns how many finished. */
static int loop_collect(lf_loop *lp) {
    CURLMsg *m;
    int left, finished = 0;
    while ((m = curl_multi_info_read(lp->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE) continue;
        char *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        xfer *x = (xfer *)priv;
        if (x == NULL) continue;
        x->rc = m->data.result;
        loop_unlink(lp, x);
        x->done = 1;
        finished++;
        if (!x->notify) continue;
        if (lp->ndone == lp->capdone) {
            size_t cap = lp->capdone ? lp->capdone * 2 : 16;
            lua_Integer *p = realloc(lp->done_ids, cap * sizeof *p);
            if (p == NULL) continue; /* result() still finds it done */
            lp->done_ids = p;
            lp->capdone = cap;
        }
        lp->done_ids[lp->ndone++] = x->id;
    }
    return finished;
}

/* One round: let libcurl work; unless a transfer finished then, wait up to
 * timeout_ms for something to happen (a socket, a timer of libcurl's, a
 * wakeup) and let libcurl work again. */
static void loop_step(lua_State *L, lf_loop *lp, int timeout_ms, int poll) {
    int running = 0;
    lp->L = L;
    curl_multi_perform(lp->multi, &running);
    /* polling_multi is set before lf_interrupted is read: a Ctrl-C after
     * the check finds it and its wakeup ends the poll at once */
    polling_multi = lp->multi;
    if (loop_collect(lp) == 0 && poll && !lf_interrupted) {
        curl_multi_poll(lp->multi, NULL, 0, timeout_ms, NULL);
        polling_multi = NULL;
        curl_multi_perform(lp->multi, &running);
        loop_collect(lp);
    }
    polling_multi = NULL;
    lp->L = NULL;
}

static lf_loop *check_loop(lua_State *L) {
    lf_loop *lp = push_loop(L);
    lua_pop(L, 1);
    if (lp->closed) luaL_error(L, "http: the transfer loop is closed");
    if (lp->in_callback) luaL_error(L, "http: no requests from inside on_chunk");
    return lp;
}

/* wait(seconds): drives every transfer for at most that long; returns early
 * when one finishes or Ctrl-C arrives. */
static int l_wait(lua_State *L) {
    lua_Number t = luaL_optnumber(L, 1, 0);
    lf_loop *lp = check_loop(L);
    int ms = t <= 0 ? 0 : t > 3600 ? 3600000 : (int)(t * 1000 + 0.5);
    /* finished transfers not yet reported (start() collects too): report
     * them now rather than wait for something new */
    loop_step(L, lp, ms, lp->ndone == 0);
    return 0;
}

/* done() -> {id, ...}: transfers started with start() that finished since
 * the last call. */
static int l_done(lua_State *L) {
    lf_loop *lp = check_loop(L);
    lua_createtable(L, (int)lp->ndone, 0);
    for (size_t i = 0; i < lp->ndone; i++) {
        lua_pushinteger(L, lp->done_ids[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lp->ndone = 0;
    return 1;
}

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

static int deliver_chunk(xfer *x, const char *p, size_t n) {
    lf_loop *lp = x->s->loop;
    lua_State *L = lp->L;
    if (L == NULL || !lua_checkstack(L, 6)) {
        x->nomem = 1;
        return 0;
    }
    lua_pushcfunction(L, chunk_call);
    lua_pushlightuserdata(L, x);
    lua_pushlightuserdata(L, (void *)p);
    lua_pushinteger(L, (lua_Integer)n);
    lp->in_callback = 1;
    int st = lua_pcall(L, 3, 1, 0);
    lp->in_callback = 0;
    if (st != LUA_OK) {
        /* the slot exists since start(): storing into it allocates nothing */
        lua_rawseti(L, LUA_REGISTRYINDEX, x->err_ref);
        x->chunk_failed = 1;
        return 0;
    }
    int stop = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
    lua_pop(L, 1);
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

/* ---- sessions ----------------------------------------------------------------- */

static lf_session *check_session(lua_State *L, int idx) {
    lf_session *s = luaL_checkudata(L, idx, SESSION_MT);
    if (s->closed) luaL_error(L, "attempt to use a closed session");
    return s;
}

static void unref(lua_State *L, int *ref) {
    if (*ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, *ref);
    *ref = LUA_NOREF;
}

/* Frees what one request held, keeping the easy handle for the next. */
static void xfer_clear(lua_State *L, xfer *x) {
    if (x->in_multi) loop_unlink(x->s->loop, x);
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    lf_hbuf_free(&x->body);
    lf_hbuf_free(&x->head);
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
static void xfer_release(lua_State *L, xfer *x) {
    lf_session *s = x->s;
    xfer_clear(L, x);
    list_remove(&s->busy, x);
    x->next = s->idle;
    s->idle = x;
}

static void xfer_destroy(lua_State *L, xfer *x) {
    xfer_clear(L, x);
    curl_easy_cleanup(x->easy);
    free(x);
}

static int session_close(lua_State *L) {
    lf_session *s = luaL_checkudata(L, 1, SESSION_MT);
    if (s->closed) return 0;
    if (s->loop && s->loop->in_callback) return luaL_error(L, "http: cannot close a session inside on_chunk");
    s->closed = 1;
    int loop_open = s->loop && !s->loop->closed;
    xfer *lists[2] = {s->busy, s->idle};
    for (int i = 0; i < 2; i++) {
        xfer *x = lists[i];
        while (x) {
            xfer *next = x->next;
            if (!loop_open) x->in_multi = 0; /* the loop already let go of it */
            xfer_destroy(L, x);
            x = next;
        }
    }
    s->busy = s->idle = NULL;
    if (s->share) curl_share_cleanup(s->share);
    s->share = NULL;
    free(s->ca_file);
    free(s->ca_path);
    free(s->user_agent);
    s->ca_file = s->ca_path = s->user_agent = NULL;
    return 0;
}

static char *opt_string(lua_State *L, int idx, const char *name) {
    char *out = NULL;
    int t = lua_getfield(L, idx, name);
    if (t == LUA_TSTRING) {
        out = strdup(lua_tostring(L, -1));
        if (out == NULL) luaL_error(L, "not enough memory");
    } else if (t != LUA_TNIL) {
        luaL_error(L, "bad option '%s' to 'session' (string expected, got %s)", name, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return out;
}

/* Seconds (a number > 0) as whole milliseconds; dflt when absent. */
static long opt_ms(lua_State *L, int idx, const char *name, long dflt, const char *fn) {
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

static curl_off_t opt_size(lua_State *L, int idx, const char *name, curl_off_t dflt, const char *fn) {
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

/* session{connect_timeout=, timeout=, max_body=, ca_file=, ca_path=,
 * user_agent=, insecure_skip_tls_verify=} (the Lua face checked the names) */
static int l_session(lua_State *L) {
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lf_loop *lp = check_loop(L);
    lf_session *s = lua_newuserdatauv(L, sizeof *s, 1);
    memset(s, 0, sizeof *s);
    s->closed = 1; /* until everything below is acquired */
    luaL_setmetatable(L, SESSION_MT);
    push_loop(L);
    lua_setiuservalue(L, -2, 1); /* the loop lives as long as its sessions */
    s->loop = lp;
    s->connect_ms = opt_ms(L, 1, "connect_timeout", DEFAULT_CONNECT_MS, "session");
    s->timeout_ms = opt_ms(L, 1, "timeout", DEFAULT_TIMEOUT_MS, "session");
    s->max_body = opt_size(L, 1, "max_body", DEFAULT_MAX_BODY, "session");
    lua_getfield(L, 1, "insecure_skip_tls_verify");
    s->insecure = lua_toboolean(L, -1);
    lua_pop(L, 1);
    s->share = curl_share_init();
    if (s->share == NULL) return luaL_error(L, "http: cannot create a curl share handle");
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    s->closed = 0;
    s->ca_file = opt_string(L, 1, "ca_file");
    s->ca_path = opt_string(L, 1, "ca_path");
    s->user_agent = opt_string(L, 1, "user_agent");
    if (s->user_agent == NULL) {
        s->user_agent = strdup("luaforce/" LUAFORCE_VERSION);
        if (s->user_agent == NULL) return luaL_error(L, "not enough memory");
    }
    return 1;
}

/* An easy handle from the pool (or a new one), on the busy list. */
static xfer *xfer_take(lua_State *L, lf_session *s) {
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
    x->body_len = 0;
    x->too_large = x->aborted = x->interrupted = x->chunk_failed = x->nomem = 0;
    x->errbuf[0] = '\0';
    return x;
}

static void setopt_or_raise(lua_State *L, xfer *x, CURLcode rc, const char *what) {
    if (rc == CURLE_OK) return;
    const char *msg = curl_easy_strerror(rc);
    xfer_release(L, x);
    luaL_error(L, "http: cannot set %s: %s", what, msg);
}

/* What a request table says beyond the URL, checked before a handle is
 * taken so that a bad value raises with nothing to give back. */
typedef struct req_opts {
    long connect_ms, timeout_ms;
    curl_off_t max_body;
    int has_max_body;
} req_opts;

static void check_request(lua_State *L, lf_session *s, int idx, req_opts *o) {
    if (lua_getfield(L, idx, "url") != LUA_TSTRING) luaL_error(L, "bad request (url must be a string)");
    if (lua_getfield(L, idx, "method") != LUA_TSTRING && !lua_isnil(L, -1))
        luaL_error(L, "bad request (method must be a string)");
    int bt = lua_getfield(L, idx, "body");
    if (bt != LUA_TSTRING && bt != LUA_TNIL) luaL_error(L, "bad request (body must be a string)");
    lua_pop(L, 3);
    o->connect_ms = opt_ms(L, idx, "connect_timeout", s->connect_ms, "request");
    o->timeout_ms = opt_ms(L, idx, "timeout", s->timeout_ms, "request");
    o->has_max_body = lua_getfield(L, idx, "max_body") != LUA_TNIL;
    lua_pop(L, 1);
    o->max_body = opt_size(L, idx, "max_body", 0, "request");
}

/* Fills x from the request table at idx (normalized by the Lua face):
 * method, url, headers (a list of "Name: value" lines), body, timeout,
 * connect_timeout, on_chunk, max_body. Raises on misuse, releasing x. */
static void xfer_setup(lua_State *L, lf_session *s, xfer *x, int idx, const req_opts *o) {
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
    lua_getfield(L, idx, "fresh_connect");
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, lua_toboolean(L, -1) ? 1L : 0L);
    lua_pop(L, 1);

    /* the body: the Lua string stays referenced, libcurl reads it in place */
    size_t blen = 0;
    int has_body = lua_getfield(L, idx, "body") == LUA_TSTRING;
    if (has_body) {
        lua_tolstring(L, -1, &blen);
        x->body_len = (curl_off_t)blen;
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, lua_tostring(L, -1));
        x->body_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
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
        xfer_release(L, x);
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

static void xfer_add(lua_State *L, lf_loop *lp, xfer *x) {
    CURLMcode mc = curl_multi_add_handle(lp->multi, x->easy);
    if (mc != CURLM_OK) {
        xfer_release(L, x);
        luaL_error(L, "http: cannot start the transfer: %s", curl_multi_strerror(mc));
    }
    x->in_multi = 1;
    x->lprev = NULL;
    x->lnext = lp->active;
    if (lp->active) lp->active->lprev = x;
    lp->active = x;
    x->id = lp->next_id++;
}

/* ---- results ------------------------------------------------------------------ */

typedef struct head_state {
    lua_State *L;
    int tindex;          /* the flat {name, value, ...} list */
    lua_Integer n;
    int status;
} head_state;

static int push_header(void *ud, int kind, const char *a, size_t alen, const char *b, size_t blen, int status) {
    head_state *h = ud;
    lua_State *L = h->L;
    if (kind == LF_HDR_STATUS) {
        /* a new response: what came before belonged to an earlier one */
        lua_newtable(L);
        lua_replace(L, h->tindex);
        h->n = 0;
        h->status = status;
        lua_pushlstring(L, a, alen);
        lua_setfield(L, h->tindex - 1, "http_version");
        lua_pushlstring(L, b, blen);
        lua_setfield(L, h->tindex - 1, "reason");
    } else if (kind == LF_HDR_FIELD) {
        lua_pushlstring(L, a, alen);
        lua_rawseti(L, h->tindex, ++h->n);
        lua_pushlstring(L, b, blen);
        lua_rawseti(L, h->tindex, ++h->n);
    } else if (kind == LF_HDR_CONT && h->n > 0) {
        lua_rawgeti(L, h->tindex, h->n);
        lua_pushliteral(L, " ");
        lua_pushlstring(L, a, alen);
        lua_concat(L, 3);
        lua_rawseti(L, h->tindex, h->n);
    }
    return 0;
}

static const char *kind_of(const xfer *x, int got_response) {
    if (x->interrupted) return "ABORTED";
    if (x->too_large) return "TOO_LARGE";
    if (x->aborted) return "ABORTED";
    switch (x->rc) {
    case CURLE_OPERATION_TIMEDOUT: return "TIMEOUT";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "DNS";
    case CURLE_COULDNT_CONNECT:
    case CURLE_INTERFACE_FAILED: return "CONNECT";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED: return "TLS";
    case CURLE_GOT_NOTHING: return "EMPTY_REPLY";
    case CURLE_PARTIAL_FILE: return "PARTIAL_BODY";
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        if (got_response) return "PARTIAL_BODY";
        return x->rc == CURLE_RECV_ERROR ? "EMPTY_REPLY" : "PROTOCOL";
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_UNSUPPORTED_PROTOCOL: return "PROTOCOL";
    case CURLE_URL_MALFORMAT: return "URL";
    case CURLE_FILESIZE_EXCEEDED: return "TOO_LARGE";
    case CURLE_ABORTED_BY_CALLBACK: return "ABORTED";
    default: return "NETWORK";
    }
}

/* Pushes the error table for a failed transfer. */
static void push_error(lua_State *L, xfer *x) {
    long status = 0;
    curl_off_t up = 0, reqsize = 0, hdr = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up);
    long rs = 0, hs = 0;
    curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &rs);
    curl_easy_getinfo(x->easy, CURLINFO_HEADER_SIZE, &hs);
    reqsize = rs;
    hdr = hs;
    int got_response = status > 0 || hdr > 0;
    const char *kind = kind_of(x, got_response);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    if (x->interrupted) {
        lua_pushliteral(L, "interrupted");
    } else if (x->too_large && x->max_body > 0 && x->received > x->max_body) {
        lua_pushfstring(L, "the response body passed the limit of %I bytes", (lua_Integer)x->max_body);
    } else if (x->too_large) {
        lua_pushliteral(L, "the response headers passed 1 MiB");
    } else if (x->aborted) {
        lua_pushliteral(L, "on_chunk returned false: transfer stopped");
    } else if (x->nomem) {
        lua_pushliteral(L, "not enough memory for the response");
    } else if (x->errbuf[0]) {
        size_t n = strlen(x->errbuf);
        while (n > 0 && (x->errbuf[n - 1] == '\n' || x->errbuf[n - 1] == ' ')) n--;
        lua_pushlstring(L, x->errbuf, n);
    } else {
        lua_pushstring(L, curl_easy_strerror(x->rc));
    }
    lua_setfield(L, -2, "message");
    /* the whole request went out: the headers were written and every body
     * byte uploaded; a response of any kind also proves it */
    int sent = (reqsize > 0 && up >= x->body_len) || (got_response && up >= x->body_len);
    lua_pushboolean(L, sent);
    lua_setfield(L, -2, "request_sent");
    lua_pushinteger(L, (lua_Integer)x->rc);
    lua_setfield(L, -2, "curl_code");
    if (status > 0) {
        lua_pushinteger(L, status);
        lua_setfield(L, -2, "status");
    }
    lua_pushinteger(L, (lua_Integer)x->received);
    lua_setfield(L, -2, "received");
}

/* Pushes the result of a finished transfer and releases it: the response
 * table, or false and the error table. Raises on_chunk's error. */
static int push_result(lua_State *L, xfer *x) {
    if (x->chunk_failed) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, x->err_ref);
        xfer_release(L, x);
        return lua_error(L);
    }
    if (x->rc != CURLE_OK || x->too_large || x->aborted || x->nomem || x->interrupted) {
        lua_pushnil(L);
        push_error(L, x);
        xfer_release(L, x);
        return 2;
    }
    long status = 0;
    curl_off_t total_us = 0;
    char *eff = NULL, *redirect = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &redirect);
    lua_createtable(L, 0, 9);
    lua_pushinteger(L, status);
    lua_setfield(L, -2, "status");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "reason");
    lua_pushliteral(L, "1.1");
    lua_setfield(L, -2, "http_version");
    lua_pushnumber(L, (lua_Number)total_us / 1e6);
    lua_setfield(L, -2, "elapsed");
    if (eff) {
        lua_pushstring(L, eff);
        lua_setfield(L, -2, "url");
    }
    if (redirect) {
        lua_pushstring(L, redirect);
        lua_setfield(L, -2, "redirect_url");
    }
    lua_pushlstring(L, x->body.data ? x->body.data : "", x->body.len);
    lua_setfield(L, -2, "body");
    lua_pushinteger(L, (lua_Integer)x->received);
    lua_setfield(L, -2, "received");
    lua_newtable(L);
    head_state h = {L, lua_gettop(L), 0, 0};
    lf_parse_headers(x->head.data ? x->head.data : "", x->head.len, push_header, &h);
    lua_setfield(L, -2, "header_list");
    xfer_release(L, x);
    return 1;
}

static xfer *find_busy(lf_session *s, lua_Integer id) {
    for (xfer *x = s->busy; x; x = x->next)
        if (x->id == id) return x;
    return NULL;
}

/* session:perform(req) -> response | nil, err: one exchange, to its end. */
static int session_perform(lua_State *L) {
    lf_session *s = check_session(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lf_loop *lp = check_loop(L);
    req_opts o;
    check_request(L, s, 2, &o);
    xfer *x = xfer_take(L, s);
    xfer_setup(L, s, x, 2, &o);
    xfer_add(L, lp, x);
    x->notify = 0;
    while (!x->done) {
        /* libcurl's own timers (the transfer's timeouts) end the poll
         * sooner when due; Ctrl-C wakes it */
        loop_step(L, lp, 10000, 1);
        if (x->done) break;
        if (lf_interrupted) {
            loop_unlink(lp, x);
            x->done = 1;
            x->interrupted = 1;
        }
    }
    return push_result(L, x);
}

/* session:start(req) -> id: the transfer runs while wait() drives the loop. */
static int session_start(lua_State *L) {
    lf_session *s = check_session(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lf_loop *lp = check_loop(L);
    req_opts o;
    check_request(L, s, 2, &o);
    xfer *x = xfer_take(L, s);
    xfer_setup(L, s, x, 2, &o);
    xfer_add(L, lp, x);
    x->notify = 1;
    /* a first push: connects start now, not at the next wait */
    loop_step(L, lp, 0, 0);
    lua_pushinteger(L, x->id);
    return 1;
}

/* session:result(id) -> response | nil, err | nothing while it runs. */
static int session_result(lua_State *L) {
    lf_session *s = check_session(L, 1);
    lua_Integer id = luaL_checkinteger(L, 2);
    if (s->loop->in_callback) return luaL_error(L, "http: no requests from inside on_chunk");
    xfer *x = find_busy(s, id);
    if (x == NULL) return luaL_error(L, "http: no transfer %I in this session", id);
    if (!x->done) return 0;
    return push_result(L, x);
}

/* session:cancel(id): stops a transfer and forgets it. */
static int session_cancel(lua_State *L) {
    lf_session *s = luaL_checkudata(L, 1, SESSION_MT);
    lua_Integer id = luaL_checkinteger(L, 2);
    if (s->closed) return 0;
    if (s->loop->in_callback) return luaL_error(L, "http: no requests from inside on_chunk");
    xfer *x = find_busy(s, id);
    if (x) xfer_release(L, x);
    return 0;
}

/* session:active() -> number of transfers started and not collected */
static int session_active(lua_State *L) {
    lf_session *s = check_session(L, 1);
    lua_Integer n = 0;
    for (xfer *x = s->busy; x; x = x->next) n++;
    lua_pushinteger(L, n);
    return 1;
}

static int session_tostring(lua_State *L) {
    lf_session *s = luaL_checkudata(L, 1, SESSION_MT);
    if (s->closed) lua_pushliteral(L, "luaforce.http.Session (closed)");
    else lua_pushfstring(L, "luaforce.http.Session (%p)", (void *)s);
    return 1;
}

/* ---- text helpers ---------------------------------------------------------------- */

static int push_hbuf(lua_State *L, lf_hbuf *b, int ok) {
    if (!ok) {
        lf_hbuf_free(b);
        return luaL_error(L, "not enough memory");
    }
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    lf_hbuf_free(b);
    return 1;
}

/* encode(s [, form]) -> percent-encoded s */
static int l_encode(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lf_hbuf b = {0};
    return push_hbuf(L, &b, lf_pct_encode(&b, s, n, lua_toboolean(L, 2)));
}

/* decode(s [, form]) -> s with %XX undone */
static int l_decode(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, n + 1);
    luaL_pushresultsize(&b, lf_pct_decode(out, s, n, lua_toboolean(L, 2)));
    return 1;
}

/* encode_pairs({k1, v1, k2, v2, ...} [, form]) -> "k=v&..." sorted by key */
static int l_encode_pairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int form = lua_toboolean(L, 2);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1) / 2;
    lf_kv *kv = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *kv, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, 1, 2 * i + 1);
        lua_rawgeti(L, 1, 2 * i + 2);
        if (!lua_isstring(L, -2) || !lua_isstring(L, -1))
            return luaL_error(L, "bad argument #1 to 'encode_pairs' (strings expected)");
        kv[i].key = lua_tolstring(L, -2, &kv[i].klen);
        kv[i].value = lua_tolstring(L, -1, &kv[i].vlen);
        lua_pop(L, 2); /* the strings stay alive in the table */
    }
    lf_hbuf b = {0};
    return push_hbuf(L, &b, lf_encode_pairs(&b, kv, (size_t)n, form));
}

static int l_redact_form(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lf_hbuf b = {0};
    return push_hbuf(L, &b, lf_redact_form(&b, s, n));
}

static int l_redact_json(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lf_hbuf b = {0};
    return push_hbuf(L, &b, lf_redact_json(&b, s, n));
}

static int l_redact_url(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lf_hbuf b = {0};
    return push_hbuf(L, &b, lf_redact_url(&b, s, n));
}

/* redact_secrets(text, {secret, ...}) */
static int l_redact_secrets(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t count = lua_rawlen(L, 2);
    const char **sec = lua_newuserdatauv(L, (count ? count : 1) * (sizeof(char *) + sizeof(size_t)), 0);
    size_t *lens = (size_t *)(sec + (count ? count : 1));
    size_t k = 0;
    for (size_t i = 1; i <= count; i++) {
        if (lua_rawgeti(L, 2, (lua_Integer)i) == LUA_TSTRING) {
            sec[k] = lua_tolstring(L, -1, &lens[k]);
            if (lens[k] > 0) k++;
        }
        lua_pop(L, 1);
    }
    lf_hbuf b = {0};
    return push_hbuf(L, &b, lf_redact_secrets(&b, s, n, sec, lens, k));
}

static int l_secret_header(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_pushboolean(L, lf_secret_header(s, n));
    return 1;
}

/* url_parts(url) -> {scheme, host, port, origin, has_userinfo} | nil, message */
static int l_url_parts(lua_State *L) {
    const char *url = luaL_checkstring(L, 1);
    CURLU *u = curl_url();
    if (u == NULL) return luaL_error(L, "not enough memory");
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (rc != CURLUE_OK) {
        curl_url_cleanup(u);
        lua_pushnil(L);
        lua_pushstring(L, curl_url_strerror(rc));
        return 2;
    }
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    int has_user = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK;
    lua_createtable(L, 0, 5);
    lua_pushstring(L, scheme ? scheme : "");
    lua_setfield(L, -2, "scheme");
    lua_pushstring(L, host ? host : "");
    lua_setfield(L, -2, "host");
    lua_pushstring(L, port ? port : "");
    lua_setfield(L, -2, "port");
    lua_pushfstring(L, "%s://%s:%s", scheme ? scheme : "", host ? host : "", port ? port : "");
    lua_setfield(L, -2, "origin");
    lua_pushboolean(L, has_user);
    lua_setfield(L, -2, "has_userinfo");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_url_cleanup(u);
    return 1;
}

int luaopen_luaforce_core_http(lua_State *L) {
    static const luaL_Reg session_methods[] = {
        {"perform", session_perform},
        {"start", session_start},
        {"result", session_result},
        {"cancel", session_cancel},
        {"active", session_active},
        {"close", session_close},
        {NULL, NULL},
    };
    static const luaL_Reg fns[] = {
        {"session", l_session},
        {"wait", l_wait},
        {"done", l_done},
        {"encode", l_encode},
        {"decode", l_decode},
        {"encode_pairs", l_encode_pairs},
        {"redact_form", l_redact_form},
        {"redact_json", l_redact_json},
        {"redact_url", l_redact_url},
        {"redact_secrets", l_redact_secrets},
        {"secret_header", l_secret_header},
        {"url_parts", l_url_parts},
        {NULL, NULL},
    };
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return luaL_error(L, "http: curl_global_init failed");
    lf_interrupt_wakeup = wake_on_interrupt;
    if (luaL_newmetatable(L, LOOP_MT)) {
        lua_pushcfunction(L, loop_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, SESSION_MT)) {
        luaL_newlib(L, session_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, session_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, session_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, session_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    lua_pushliteral(L, LUAFORCE_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
    lua_setfield(L, -2, "libcurl");
    return 1;
}
