/*
 * http_loop.c: the transfer loop of luaforce.core.http, one curl multi handle
 * per Lua state (a userdata kept in the registry). Every transfer runs on it,
 * so its connection cache keeps connections alive between requests and one
 * curl_multi_wakeup ends any wait on Ctrl-C. wait() drives it; done() lists
 * the transfers started with session:start() that finished since.
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
#include "http_internal.h"

/* The multi handle inside curl_multi_poll, for the SIGINT handler. */
static CURLM *volatile polling_multi = NULL;

void lf_http_wake_on_interrupt(void) {
    CURLM *m = polling_multi;
    if (m) curl_multi_wakeup(m);
}

void lf_http_loop_unlink(lf_loop *lp, xfer *x) {
    if (!x->in_multi) return;
    curl_multi_remove_handle(lp->multi, x->easy);
    if (x->lprev) x->lprev->lnext = x->lnext;
    else lp->active = x->lnext;
    if (x->lnext) x->lnext->lprev = x->lprev;
    x->lnext = x->lprev = NULL;
    x->in_multi = 0;
}

int lf_http_loop_gc(lua_State *L) {
    lf_loop *lp = luaL_checkudata(L, 1, LOOP_MT);
    if (lp->closed) return 0;
    while (lp->active) lf_http_loop_unlink(lp, lp->active);
    curl_multi_cleanup(lp->multi);
    free(lp->done_ids);
    lp->done_ids = NULL;
    lp->closed = 1;
    return 0;
}

/* The state's loop, made on first use; pushed on the stack. */
lf_loop *lf_http_push_loop(lua_State *L) {
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
        lf_http_loop_unlink(lp, x);
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
void lf_http_loop_step(lua_State *L, lf_loop *lp, int timeout_ms, int poll) {
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

lf_loop *lf_http_check_loop(lua_State *L) {
    lf_loop *lp = lf_http_push_loop(L);
    lua_pop(L, 1);
    if (lp->closed) luaL_error(L, "http: the transfer loop is closed");
    if (lp->in_callback) luaL_error(L, "http: no requests from inside on_chunk");
    return lp;
}

/* wait(seconds): drives every transfer for at most that long; returns early
 * when one finishes or Ctrl-C arrives. */
int lf_http_wait(lua_State *L) {
    lua_Number t = luaL_optnumber(L, 1, 0);
    lf_loop *lp = lf_http_check_loop(L);
    int ms = t <= 0 ? 0 : t > 3600 ? 3600000 : (int)(t * 1000 + 0.5);
    /* finished transfers not yet reported (start() collects too): report
     * them now rather than wait for something new */
    lf_http_loop_step(L, lp, ms, lp->ndone == 0);
    return 0;
}

/* done() -> {id, ...}: transfers started with start() that finished since
 * the last call. */
int lf_http_done(lua_State *L) {
    lf_loop *lp = lf_http_check_loop(L);
    lua_createtable(L, (int)lp->ndone, 0);
    for (size_t i = 0; i < lp->ndone; i++) {
        lua_pushinteger(L, lp->done_ids[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lp->ndone = 0;
    return 1;
}
