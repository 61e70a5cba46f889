/*
 * http_internal.h: what the files of luaforce.core.http share (not a public
 * interface): the loop, session and transfer types, and the functions one
 * file offers the others.
 *
 *   http.c           the Lua face: sessions and their methods, the text
 *                    functions (escaping, redaction, URL parts), luaopen
 *   http_loop.c      the curl multi handle of a Lua state: driving it,
 *                    collecting finished transfers, waking it on Ctrl-C
 *   http_transfer.c  one exchange: the pool of easy handles, a request table
 *                    turned into curl options, libcurl's write and header
 *                    callbacks (on_chunk under a protected call)
 *   http_result.c    a finished transfer as Lua values: the response table,
 *                    or the error table with its kind
 *   http_text.c      the pure text pieces (no Lua, no libcurl; http_text.h)
 */
#ifndef LUAFORCE_HTTP_INTERNAL_H
#define LUAFORCE_HTTP_INTERNAL_H
#include <curl/curl.h>
#include <lua.h>

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
    const char *body_text; /* the request body (the Lua string body_ref holds) */
    FILE *body_fp;         /* or the file body_file names, read as libcurl asks */
    curl_off_t body_pos;   /* how much of it libcurl has read */
    curl_off_t replay_at;  /* body_pos when libcurl wanted to send it again */
    int too_large, aborted, interrupted, chunk_failed, nomem, replay_refused;
    int chunk_ref, body_ref, err_ref; /* registry refs, LUA_NOREF when unused */
    char errbuf[CURL_ERROR_SIZE];
};

/* What a request table says beyond the URL, checked before a handle is
 * taken so that a bad value raises with nothing to give back. */
typedef struct req_opts {
    long connect_ms, timeout_ms;
    curl_off_t max_body;
    int has_max_body;
} req_opts;

/* ---- http_loop.c ---- */

/* The state's loop, made on first use; pushed on the stack. */
lf_loop *lf_http_push_loop(lua_State *L);
/* The loop, checked usable (open, not inside on_chunk); nothing pushed. */
lf_loop *lf_http_check_loop(lua_State *L);
/* Takes x out of the multi handle and the loop's active list. */
void lf_http_loop_unlink(lf_loop *lp, xfer *x);
/* One round of libcurl's work, waiting up to timeout_ms when poll is set
 * and nothing finished. */
void lf_http_loop_step(lua_State *L, lf_loop *lp, int timeout_ms, int poll);
/* The loop's __gc. */
int lf_http_loop_gc(lua_State *L);
/* lf_interrupt_wakeup's value: wakes the multi handle being polled. */
void lf_http_wake_on_interrupt(void);
/* wait(seconds) and done(), the module functions. */
int lf_http_wait(lua_State *L);
int lf_http_done(lua_State *L);

/* ---- http_transfer.c ---- */

/* Seconds (a number > 0) as whole milliseconds; dflt when absent. */
long lf_http_opt_ms(lua_State *L, int idx, const char *name, long dflt, const char *fn);
/* Bytes (an integer >= 0); dflt when absent. */
curl_off_t lf_http_opt_size(lua_State *L, int idx, const char *name, curl_off_t dflt, const char *fn);
/* Checks the request table at idx and reads its per-request options. */
void lf_http_check_request(lua_State *L, lf_session *s, int idx, req_opts *o);
/* An easy handle from the session's pool (or a new one), on its busy list. */
xfer *lf_http_xfer_take(lua_State *L, lf_session *s);
/* Sets x up from the request table at idx; raises (releasing x) on misuse. */
void lf_http_xfer_setup(lua_State *L, lf_session *s, xfer *x, int idx, const req_opts *o);
/* Adds x to the multi handle and gives it an id. */
void lf_http_xfer_add(lua_State *L, lf_loop *lp, xfer *x);
/* Back to the pool, keeping the easy handle and its caches. */
void lf_http_xfer_release(lua_State *L, xfer *x);
/* Frees x and its easy handle. */
void lf_http_xfer_destroy(lua_State *L, xfer *x);

/* ---- http_result.c ---- */

/* The error kind (err.kind) for libcurl's code: TIMEOUT, DNS, CONNECT, TLS,
 * EMPTY_REPLY, PARTIAL_BODY, PROTOCOL, URL, TOO_LARGE, ABORTED or NETWORK.
 * got_response: a status line or headers arrived (a connection that breaks
 * then broke a body, not the exchange). Pure: tests/c/test_http.c. */
const char *lf_http_error_kind(CURLcode rc, int got_response);

/* Pushes the result of a finished transfer and releases it: the response
 * table, or nil and the error table. Raises on_chunk's error. */
int lf_http_push_result(lua_State *L, xfer *x);

#endif
