/*
 * http_result.c: a finished transfer of luaforce.core.http as Lua values:
 * the response table (status, headers as a flat list, body, timings), or an
 * error table whose `kind` sorts libcurl's many codes into the few a caller
 * acts on (TIMEOUT, CONNECT, TLS, PARTIAL_BODY, ...) and whose request_sent
 * says whether the server may have acted on the request.
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

const char *lf_http_error_kind(CURLcode rc, int got_response) {
    switch (rc) {
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
        return rc == CURLE_RECV_ERROR ? "EMPTY_REPLY" : "PROTOCOL";
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_UNSUPPORTED_PROTOCOL: return "PROTOCOL";
    case CURLE_URL_MALFORMAT: return "URL";
    case CURLE_FILESIZE_EXCEEDED: return "TOO_LARGE";
    case CURLE_ABORTED_BY_CALLBACK: return "ABORTED";
    default: return "NETWORK";
    }
}

/* The kind of a failed transfer: what luaforce itself stopped first (Ctrl-C,
 * the size cap, on_chunk), else libcurl's code. */
static const char *kind_of(const xfer *x, int got_response) {
    if (x->interrupted) return "ABORTED";
    if (x->replay_refused) return "EMPTY_REPLY";
    if (x->too_large) return "TOO_LARGE";
    if (x->aborted) return "ABORTED";
    return lf_http_error_kind(x->rc, got_response);
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
    } else if (x->replay_refused) {
        lua_pushliteral(L, "the connection closed before an answer came");
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
    /* libcurl wanted to send it again: the first send is what counts */
    if (x->replay_refused) sent = x->replay_at >= x->body_len;
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
int lf_http_push_result(lua_State *L, xfer *x) {
    if (x->chunk_failed) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, x->err_ref);
        lf_http_xfer_release(L, x);
        return lua_error(L);
    }
    if (x->rc != CURLE_OK || x->too_large || x->aborted || x->nomem || x->interrupted) {
        lua_pushnil(L);
        push_error(L, x);
        lf_http_xfer_release(L, x);
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
    lf_http_xfer_release(L, x);
    return 1;
}
