/*
 * fuzz_emulator.c: the local org's request handling. A request read from
 * the input goes the way luaforce.core.server sends one: a request struct as
 * server_request.c fills it from MHD (the path percent-decoded, the query
 * split into arguments, a gzip body gunzipped), then lf_srv_call_handler
 * (server_handler.c) builds the request table in the handler's state, calls
 * luaforce.emulator.app's handle and checks and copies the reply.
 *
 * The input reads like an HTTP/1.1 request: "METHOD TARGET" on the first
 * line, "Name: value" header lines up to an empty line, then the body. The
 * harness takes any bytes (a line without a colon is no header, a missing
 * target is "/"). The org is a small one, reset before each request, so
 * every input starts from the same data; it answers as if from loopback,
 * so the /_emulator controls are in reach.
 *
 * With FUZZ_TRACE set in the environment each reply's status and the start
 * of its body go to standard error: a way to see what a seed reaches
 * (build/replay_emulator tests/fuzz/emulator).
 *
 * Findings: the handler raising (the server would answer 500
 * UNKNOWN_EXCEPTION), a reply the server refuses (a status outside 100-599,
 * a header that would break the response), any 5xx (with no fault rules
 * set, which the reset before each input sees to, the org never answers
 * one), and a gzip
 * reply that does not gunzip back to the body.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "core.h"
#include "fuzz.h"
#include "host.h"
#include "server.h"
#include "server_internal.h"

static lf_server srv;

static const char setup[] =
    "local app = require 'luaforce.emulator.app'\n"
    "local json = require 'luaforce.json'\n"
    "local contacts = {}\n"
    "for i = 1, 5 do\n"
    "  contacts[i] = { FirstName = 'F' .. i, LastName = 'Contact ' .. i, Email = 'c' .. i .. '@example.com',\n"
    "    AccountId = '001000000000001AAA' }\n"
    "end\n"
    "app.init(json.encode {\n"
    "  empty = true, now = '2024-06-01T12:00:00Z', min_batch_size = 2, child_batch_size = 3,\n"
    "  data_inline = {\n"
    "    Account = { { Id = '001000000000001AAA', Name = 'Acme', Industry = 'Energy', AnnualRevenue = 1000.5 },\n"
    "      { Id = '001000000000002AAA', Name = 'Globex', Industry = 'Retail' } },\n"
    "    Contact = contacts,\n"
    "  },\n"
    "})\n"
    "return app\n";

/* A kv list of n items; value NULL stands for "". */
static void kv_add(kv_list *l, const char *k, size_t kl, const char *v, size_t vl) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        kv *items = realloc(l->items, cap * sizeof *items);
        FUZZ_CHECK(items != NULL, "out of memory");
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = (kv){k, v, kl, vl};
}

/* Splits the query string q (modified) into arguments, as MHD does:
 * "&"-separated, name "=" value, both with "+" as a space, then
 * percent-decoded. */
static void parse_args(char *q, kv_list *args) {
    while (q && *q) {
        char *amp = strchr(q, '&');
        if (amp) *amp = '\0';
        for (char *c = q; *c; c++)
            if (*c == '+') *c = ' ';
        char *eq = strchr(q, '=');
        if (eq) *eq = '\0';
        size_t kl = MHD_http_unescape(q);
        if (eq) {
            size_t vl = MHD_http_unescape(eq + 1);
            kv_add(args, q, kl, eq + 1, vl);
        } else {
            kv_add(args, q, kl, NULL, 0);
        }
        q = amp ? amp + 1 : NULL;
    }
}

/* The next line of buf[*pos..n) (CR LF or LF), NUL-terminated in place. */
static char *next_line(char *buf, size_t n, size_t *pos) {
    if (*pos >= n) return NULL;
    char *line = buf + *pos;
    char *nl = memchr(line, '\n', n - *pos);
    size_t len = nl ? (size_t)(nl - line) : n - *pos;
    *pos += len + (nl != NULL);
    if (len > 0 && line[len - 1] == '\r') len--;
    line[len] = '\0';
    return line;
}

/* Checks a reply the handler gave and the server would send. */
static void check_reply(const request *rq) {
    FUZZ_CHECK(rq->status >= 100 && rq->status <= 599, "status %d", rq->status);
    FUZZ_CHECK(rq->status < 500, "status %d: %.*s", rq->status, (int)(rq->res_len > 400 ? 400 : rq->res_len),
               rq->res_body ? rq->res_body : "");
    for (size_t i = 0; i < rq->n_res_headers; i++) {
        const res_header *h = &rq->res_headers[i];
        FUZZ_CHECK(lf_valid_header(h->name, strlen(h->name), h->value, strlen(h->value)), "header %s", h->name);
    }
    if (rq->gzip) {
        unsigned char *z, *back;
        size_t zn, bn;
        FUZZ_CHECK(lf_gzip(rq->res_body ? rq->res_body : "", rq->res_len, &z, &zn) == LF_GZIP_OK, "gzip");
        FUZZ_CHECK(lf_gunzip(z, zn, rq->res_len + 1, &back, &bn) == LF_GZIP_OK, "gunzip");
        FUZZ_CHECK(bn == rq->res_len && (bn == 0 || memcmp(back, rq->res_body, bn) == 0), "gzip round trip");
        free(z);
        free(back);
    }
}

/* lua_pcall'd: app.control("reset") and no fault rules (a reset keeps the
 * rules), so each input meets the same org. */
static int reset(lua_State *S) {
    lua_getfield(S, LUA_REGISTRYINDEX, HANDLER_KEY);
    lua_getfield(S, -1, "control");
    lua_pushvalue(S, -1);
    lua_pushliteral(S, "reset");
    lua_call(S, 1, 0);
    lua_pushliteral(S, "set_faults");
    lua_pushliteral(S, "[]");
    lua_call(S, 2, 0);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    lua_State *S = lf_host_open(NULL);
    FUZZ_CHECK(S != NULL, "no Lua state");
    FUZZ_CHECK(luaL_loadbuffer(S, setup, sizeof setup - 1, "=fuzz_emulator") == LUA_OK, "%s", lua_tostring(S, -1));
    FUZZ_CHECK(lua_pcall(S, 0, 1, 0) == LUA_OK, "%s", lua_tostring(S, -1));
    lua_setfield(S, LUA_REGISTRYINDEX, HANDLER_KEY);
    srv.S = S;
    srv.max_body = 64 * 1024 * 1024;
    pthread_mutex_init(&srv.lua_lock, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf != NULL, "out of memory");
    memcpy(buf, data, size);
    buf[size] = '\0';

    request rq;
    memset(&rq, 0, sizeof rq);
    rq.srv = &srv;
    size_t pos = 0;
    char *first = next_line(buf, size, &pos);
    char *method = first ? first : "GET";
    char *target = first ? strchr(first, ' ') : NULL;
    if (target) {
        *target++ = '\0';
        char *version = strchr(target, ' ');
        if (version) *version = '\0';
    }
    if (!target || !*target) target = "/";
    rq.raw_uri = strdup(target);
    char *path = strdup(target);
    FUZZ_CHECK(rq.raw_uri && path, "out of memory");
    char *q = strchr(path, '?');
    if (q) *q++ = '\0';
    MHD_http_unescape(path);
    parse_args(q, &rq.args);
    rq.method = method;
    rq.path = path;

    const char *encoding = NULL;
    char *line;
    while ((line = next_line(buf, size, &pos)) != NULL && *line) {
        char *colon = strchr(line, ':');
        if (!colon || colon == line) continue;
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t') value++;
        kv_add(&rq.headers, line, (size_t)(colon - line), value, strlen(value));
        if (strcasecmp(line, "content-encoding") == 0) encoding = value;
    }
    rq.body_len = pos < size ? size - pos : 0;
    rq.body = malloc(rq.body_len + 1);
    FUZZ_CHECK(rq.body != NULL, "out of memory");
    memcpy(rq.body, buf + pos, rq.body_len);
    strcpy(rq.remote, "127.0.0.1");
    rq.loopback = 1;

    int go = 1;
    if (encoding && (strcasecmp(encoding, "gzip") == 0 || strcasecmp(encoding, "x-gzip") == 0)) {
        unsigned char *plain;
        size_t pn;
        go = lf_gunzip(rq.body, rq.body_len, srv.max_body, &plain, &pn) == LF_GZIP_OK;
        if (go) {
            free(rq.body);
            rq.body = plain;
            rq.body_len = pn;
        }
    }
    if (go) {
        lua_State *S = srv.S;
        lua_pushcfunction(S, reset);
        FUZZ_CHECK(lua_pcall(S, 0, 0, 0) == LUA_OK, "reset: %s", lua_tostring(S, -1));
        char *err = NULL;
        int ok = lf_srv_call_handler(&rq, &err);
        FUZZ_CHECK(ok, "the handler raised: %s", err ? err : "?");
        if (getenv("FUZZ_TRACE"))
            fprintf(stderr, "%s %s -> %d %.*s\n", rq.method, rq.raw_uri, rq.status,
                    (int)(rq.res_len > 120 ? 120 : rq.res_len), rq.res_body ? rq.res_body : "");
        check_reply(&rq);
        lua_gc(S, LUA_GCCOLLECT); /* see fuzz_pcall: keeps LeakSanitizer quiet */
    }

    lf_srv_clear_response(&rq);
    free(rq.headers.items);
    free(rq.args.items);
    free(rq.body);
    free(rq.raw_uri);
    free(path);
    free(buf);
    return 0;
}
