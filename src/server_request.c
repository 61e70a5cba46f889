/*
 * server_request.c: a request's life in luaforce.core.server, in MHD's
 * callbacks (one thread per connection): the URI callback makes the request
 * (it alone sees the raw URI), the access handler counts it, collects the
 * body (under max_body; gunzipped when sent gzip), gathers what MHD knows
 * (headers, query arguments, the peer's address) into C arrays, runs the
 * handler (server_handler.c), sleeps out delay_ms outside the Lua lock and
 * answers (server_response.c); the completion callback frees it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <lauxlib.h>
#include <microhttpd.h>

#include "core.h"
#include "server.h"
#include "server_internal.h"

/* ---- the request ----------------------------------------------------------- */

void lf_srv_clear_response(request *rq) {
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
    lf_srv_clear_response(rq);
    free(rq->headers.items);
    free(rq->args.items);
    free(rq->body);
    free(rq->raw_uri);
    free(rq);
}

double lf_srv_ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

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

/* ---- MHD callbacks: bookkeeping ------------------------------------------ */

void *lf_srv_on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    (void)conn;
    return request_new(cls, uri);
}

void lf_srv_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
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

void lf_srv_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
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
    if (!lf_srv_call_handler(rq, &errmsg)) {
        enum MHD_Result r = lf_srv_send_error(rq, 500, "UNKNOWN_EXCEPTION", errmsg ? errmsg : "error in the handler");
        free(errmsg);
        return r;
    }
    if (rq->delay_ms > 0) sleep_ms(srv, rq->delay_ms);
    if (rq->action == ACT_CLOSE) {
        lf_srv_log_line(rq, "-", "close");
        return MHD_NO; /* MHD drops the connection, nothing sent */
    }
    if (rq->gzip) {
        unsigned char *z;
        size_t zn;
        if (lf_gzip(rq->res_body ? rq->res_body : "", rq->res_len, &z, &zn) != LF_GZIP_OK)
            return lf_srv_send_error(rq, 500, "UNKNOWN_EXCEPTION", "not enough memory to compress the response");
        free(rq->res_body);
        rq->res_body = (char *)z;
        rq->res_len = zn;
    }
    return lf_srv_send_response(rq);
}

enum MHD_Result lf_srv_on_request(void *cls, struct MHD_Connection *conn, const char *url,
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
            return lf_srv_send_error(rq, 413, "REQUEST_ENTITY_TOO_LARGE", "the request body is too large");
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
        return lf_srv_send_error(rq, 413, "REQUEST_ENTITY_TOO_LARGE", "the request body is too large");
    if (rq->nomem)
        return lf_srv_send_error(rq, 500, "UNKNOWN_EXCEPTION", "not enough memory for the request body");
    const char *ce = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    if (ce && (strcasecmp(ce, "gzip") == 0 || strcasecmp(ce, "x-gzip") == 0)) {
        unsigned char *plain;
        size_t pn;
        int r = lf_gunzip(rq->body, rq->body_len, srv->max_body, &plain, &pn);
        if (r == LF_GZIP_BAD)
            return lf_srv_send_error(rq, 400, "BAD_REQUEST", "the request body is not valid gzip");
        if (r == LF_GZIP_TOO_LARGE)
            return lf_srv_send_error(rq, 413, "REQUEST_ENTITY_TOO_LARGE", "the request body is too large");
        if (r != LF_GZIP_OK)
            return lf_srv_send_error(rq, 500, "UNKNOWN_EXCEPTION", "not enough memory for the request body");
        free(rq->body);
        rq->body = plain;
        rq->body_len = rq->body_cap = pn;
    }
    return dispatch(rq);
}
