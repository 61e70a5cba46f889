/*
 * http.c: luaforce.core.http, HTTP exchanges over libcurl (mechanism only;
 * redirects, tracing, scheduling and the response shape are policy in
 * lua/luaforce/http/).
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
 *   lua_pcall (with the common message handler, so the error keeps the
 *   traceback of where on_chunk raised it), keeps the error in a registry
 *   slot reserved before the transfer and returns the abort value; result()
 *   raises it after libcurl returned.
 * - The response size cap is enforced in the write callback, on decoded
 *   bytes, so chunked and gzip-inflated bodies cannot grow past it.
 *
 * The files: http.c (this one: the Lua face, sessions, text functions),
 * http_loop.c (the multi handle), http_transfer.c (one exchange and its
 * callbacks), http_result.c (response and error tables); http_internal.h
 * says what they share.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <lauxlib.h>

#include "core.h"
#include "http_internal.h"

/* ---- sessions ----------------------------------------------------------------- */

static lf_session *check_session(lua_State *L, int idx) {
    lf_session *s = luaL_checkudata(L, idx, SESSION_MT);
    if (s->closed) luaL_error(L, "attempt to use a closed session");
    return s;
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
            lf_http_xfer_destroy(L, x);
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

/* __gc. A session found unreachable while on_chunk runs cannot let go of
 * its handles now (libcurl is inside a callback, and close refuses): it
 * marks itself for finalization again, so a later collection, outside the
 * callback, closes it. Raising here would lose the handles for good. */
static int session_gc(lua_State *L) {
    lf_session *s = luaL_checkudata(L, 1, SESSION_MT);
    if (!s->closed && s->loop && s->loop->in_callback) {
        lua_settop(L, 1);
        luaL_setmetatable(L, SESSION_MT);
        return 0;
    }
    return session_close(L);
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

/* session{connect_timeout=, timeout=, max_body=, ca_file=, ca_path=,
 * user_agent=, insecure_skip_tls_verify=} (the Lua face checked the names) */
static int l_session(lua_State *L) {
    if (lua_isnoneornil(L, 1)) lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lf_loop *lp = lf_http_check_loop(L);
    lf_session *s = lua_newuserdatauv(L, sizeof *s, 1);
    memset(s, 0, sizeof *s);
    s->closed = 1; /* until everything below is acquired */
    luaL_setmetatable(L, SESSION_MT);
    lf_http_push_loop(L);
    lua_setiuservalue(L, -2, 1); /* the loop lives as long as its sessions */
    s->loop = lp;
    s->connect_ms = lf_http_opt_ms(L, 1, "connect_timeout", DEFAULT_CONNECT_MS, "session");
    s->timeout_ms = lf_http_opt_ms(L, 1, "timeout", DEFAULT_TIMEOUT_MS, "session");
    s->max_body = lf_http_opt_size(L, 1, "max_body", DEFAULT_MAX_BODY, "session");
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

static xfer *find_busy(lf_session *s, lua_Integer id) {
    for (xfer *x = s->busy; x; x = x->next)
        if (x->id == id) return x;
    return NULL;
}

/* session:perform(req) -> response | nil, err: one exchange, to its end. */
static int session_perform(lua_State *L) {
    lf_session *s = check_session(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lf_loop *lp = lf_http_check_loop(L);
    req_opts o;
    lf_http_check_request(L, s, 2, &o);
    xfer *x = lf_http_xfer_take(L, s);
    lf_http_xfer_setup(L, s, x, 2, &o);
    lf_http_xfer_add(L, lp, x);
    x->notify = 0;
    while (!x->done) {
        /* libcurl's own timers (the transfer's timeouts) end the poll
         * sooner when due; Ctrl-C wakes it */
        lf_http_loop_step(L, lp, 10000, 1);
        if (x->done) break;
        if (lf_interrupted) {
            lf_http_loop_unlink(lp, x);
            x->done = 1;
            x->interrupted = 1;
        }
    }
    return lf_http_push_result(L, x);
}

/* session:start(req) -> id: the transfer runs while wait() drives the loop. */
static int session_start(lua_State *L) {
    lf_session *s = check_session(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lf_loop *lp = lf_http_check_loop(L);
    req_opts o;
    lf_http_check_request(L, s, 2, &o);
    xfer *x = lf_http_xfer_take(L, s);
    lf_http_xfer_setup(L, s, x, 2, &o);
    lf_http_xfer_add(L, lp, x);
    x->notify = 1;
    /* a first push: connects start now, not at the next wait */
    lf_http_loop_step(L, lp, 0, 0);
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
    return lf_http_push_result(L, x);
}

/* session:cancel(id): stops a transfer and forgets it. */
static int session_cancel(lua_State *L) {
    lf_session *s = luaL_checkudata(L, 1, SESSION_MT);
    lua_Integer id = luaL_checkinteger(L, 2);
    if (s->closed) return 0;
    if (s->loop->in_callback) return luaL_error(L, "http: no requests from inside on_chunk");
    xfer *x = find_busy(s, id);
    if (x) lf_http_xfer_release(L, x);
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
        {"wait", lf_http_wait},
        {"done", lf_http_done},
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
    lf_interrupt_wakeup = lf_http_wake_on_interrupt;
    if (luaL_newmetatable(L, LOOP_MT)) {
        lua_pushcfunction(L, lf_http_loop_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, SESSION_MT)) {
        luaL_newlib(L, session_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, session_gc);
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
