/*
 * server_handler.c: the handler's side of a luaforce.core.server request, in
 * the server's own Lua state and under its lock: the request gathered in C
 * becomes the request table, handler.handle(req) runs under lua_pcall, and
 * the reply table is checked and copied into C buffers the request owns, so
 * nothing of the state is touched once the lock is let go. A malformed reply
 * raises inside the pcall and the request gets a 500. The background
 * worker's step (handler.tick(), lf_srv_call_tick) runs here too, under the
 * same lock.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <microhttpd.h>

#include "core.h"
#include "server.h"
#include "server_internal.h"

#define MAX_DELAY_MS ((lua_Integer)24 * 3600 * 1000)

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
int lf_valid_header(const char *name, size_t nlen, const char *value, size_t vlen) {
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
            size_t nlen = 0, vlen = 0;
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
            if (!lf_valid_header(name, nlen, value, vlen))
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

int lf_srv_call_handler(request *rq, char **errmsg) {
    lf_server *srv = rq->srv;
    pthread_mutex_lock(&srv->lua_lock);
    lua_State *S = srv->S;
    int top = lua_gettop(S);
    lua_pushcfunction(S, server_msghandler);
    lua_pushcfunction(S, call_handle);
    lua_pushlightuserdata(S, rq);
    int st = lua_pcall(S, 1, 0, top + 1);
    if (st != LUA_OK) {
        const char *m = lua_type(S, -1) == LUA_TSTRING ? lua_tostring(S, -1) : "error in the handler";
        *errmsg = strdup(m);
    }
    lua_settop(S, top);
    pthread_mutex_unlock(&srv->lua_lock);
    return st == LUA_OK;
}

/* ---- the background worker's step ------------------------------------------ */

/* lua_pcall'd in the server state: handler.tick(), its first result as a
 * boolean on the stack (false when the handler has no tick). */
static int call_tick_in_state(lua_State *S) {
    lua_getfield(S, LUA_REGISTRYINDEX, HANDLER_KEY);
    if (lua_getfield(S, -1, "tick") != LUA_TFUNCTION) {
        lua_pushboolean(S, 0);
        return 1;
    }
    lua_call(S, 0, 1);
    lua_pushboolean(S, lua_toboolean(S, -1));
    return 1;
}

int lf_srv_call_tick(lf_server *srv) {
    pthread_mutex_lock(&srv->lua_lock);
    lua_State *S = srv->S;
    int top = lua_gettop(S);
    lua_pushcfunction(S, server_msghandler);
    lua_pushcfunction(S, call_tick_in_state);
    int more = 0;
    if (lua_pcall(S, 0, 1, top + 1) == LUA_OK) more = lua_toboolean(S, -1);
    /* on an error the message handler has written the traceback; a tick
     * that raised is not retried until something wakes the worker again */
    lua_settop(S, top);
    pthread_mutex_unlock(&srv->lua_lock);
    return more;
}
