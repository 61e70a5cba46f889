/*
 * server_response.c: how luaforce.core.server answers: an MHD response from
 * what the handler's reply left in the request (a `cut` body stops half-way,
 * a `chunked` one is sent without a length), the Salesforce-shaped error
 * body for answers made without the handler, and the one log line per
 * request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <microhttpd.h>

#include "core.h"
#include "server.h"
#include "json_text.h"
#include "server_internal.h"

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

/* Appends n bytes of s to buf (capacity cap, length *len, always
 * NUL-terminated) with control bytes as '?': text from a request or a
 * handler must not break the log into lines a reader would misattribute. */
void lf_log_append(char *buf, size_t cap, size_t *len, const char *s, size_t n) {
    for (size_t i = 0; i < n && *len + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[(*len)++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[*len] = '\0';
}

/* One line per request: METHOD PATH STATUS TIMEms [cut|close] [note]. Built
 * whole, then written with one call, so concurrent requests' lines do not
 * interleave. */
void lf_srv_log_line(request *rq, const char *status, const char *action) {
    if (!rq->srv->log) return;
    char line[2048], head[64];
    size_t len = 0;
    const char *path = rq->raw_uri ? rq->raw_uri : rq->path;
    line[0] = '\0';
    lf_log_append(line, sizeof line, &len, rq->method, strlen(rq->method));
    lf_log_append(line, sizeof line, &len, " ", 1);
    lf_log_append(line, sizeof line, &len, path, strcspn(path, "?"));
    snprintf(head, sizeof head, " %s %.0fms", status, lf_srv_ms_since(&rq->t0));
    lf_log_append(line, sizeof line, &len, head, strlen(head));
    if (action) {
        lf_log_append(line, sizeof line, &len, " ", 1);
        lf_log_append(line, sizeof line, &len, action, strlen(action));
    }
    if (rq->note && rq->note[0]) {
        lf_log_append(line, sizeof line, &len, " ", 1);
        lf_log_append(line, sizeof line, &len, rq->note, strlen(rq->note));
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
    size_t left = c->half - (size_t)pos, n = max < left ? max : left;
    memcpy(buf, c->data + pos, n);
    return (ssize_t)n;
}

static void cut_free(void *cls) {
    cut_body *c = cls;
    free(c->data);
    free(c);
}

/* Queues rq's response (status, headers, body already in rq) and logs it. */
enum MHD_Result lf_srv_send_response(request *rq) {
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
    lf_srv_log_line(rq, r == MHD_YES ? st : "-", rq->action == ACT_CUT ? "cut" : NULL);
    return r;
}

/* A response made here, without the handler: bad gzip, too large, errors. */
enum MHD_Result lf_srv_send_error(request *rq, int status, const char *code, const char *message) {
    lf_srv_clear_response(rq);
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
    return lf_srv_send_response(rq);
}
