/*
 * server_internal.h: what the files of luaforce.core.server share (not a
 * public interface; server.h holds the pure, tested pieces): the server and
 * request types, and the functions one file offers the others.
 *
 *   server.c           the Lua face: server.start (listening socket, the
 *                      handler's state, the MHD daemon) and the Server methods
 *   server_request.c   a request's life in MHD's callbacks: counting, the
 *                      body, then the handler, the delay, compression
 *   server_handler.c   the handler's side, in the server's Lua state: the
 *                      request table in, the reply table out, under the lock;
 *                      the background worker's handler.tick() call
 *   server_response.c  answering: MHD responses (cut, chunked), error
 *                      bodies, the per-request log line
 *   server_gzip.c      gzip both ways (zlib)
 */
#ifndef LUAFORCE_SERVER_INTERNAL_H
#define LUAFORCE_SERVER_INTERNAL_H
#include <netinet/in.h>
#include <pthread.h>
#include <time.h>

#include <lua.h>
#include <microhttpd.h>

/* Registry field of the server state holding the handler module. */
#define HANDLER_KEY "luaforce.server.handler"

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
    /* The background worker (start's tick_ms): a thread that, while work is
     * pending, takes lua_lock and calls handler.tick() (one step; it answers
     * whether more is pending), tick_ms apart. `work_pending` and the wake-up
     * (work_cond) are under stats_lock; handler code sets it through
     * server_self.wake(). The worker never holds stats_lock while it takes
     * lua_lock (request threads take them in the other order). */
    int has_worker, work_pending;
    lua_Integer tick_ms;
    pthread_t worker;
    pthread_cond_t work_cond;
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

/* ---- server_request.c ---- */

/* MHD's callbacks (cls is the lf_server). */
void *lf_srv_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
void lf_srv_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe);
void lf_srv_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe);
enum MHD_Result lf_srv_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls);
/* Frees the response copied out of the handler's reply (rq stays usable). */
void lf_srv_clear_response(request *rq);
/* Milliseconds since t0 (CLOCK_MONOTONIC). */
double lf_srv_ms_since(const struct timespec *t0);

/* ---- server_handler.c ---- */

/* Runs handler.handle(req) for rq in the server state, under its lock, and
 * copies the reply into rq. Returns 1, or 0 with the error message (a new
 * malloc'd string, or NULL without memory) in *errmsg. */
int lf_srv_call_handler(request *rq, char **errmsg);
/* Runs handler.tick() in the server state, under its lock: 1 when it
 * answers that more work is pending, 0 when not, when the handler has no
 * tick or when it raised (the error goes to standard error). */
int lf_srv_call_tick(lf_server *srv);

/* ---- server_response.c ---- */

/* Queues rq's response (status, headers, body already in rq) and logs it. */
enum MHD_Result lf_srv_send_response(request *rq);
/* A response made without the handler: bad gzip, too large, errors. */
enum MHD_Result lf_srv_send_error(request *rq, int status, const char *code, const char *message);
/* The request's log line (when the server logs): status and action. */
void lf_srv_log_line(request *rq, const char *status, const char *action);

#endif
