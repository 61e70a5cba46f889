/*
 * test_http.c: the pure pieces of luaforce.core.http: the text layer
 * (http_text.c: percent- and form-encoding, sorted query building, header
 * parsing and redaction) and the error kind of a libcurl code
 * (http_result.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_internal.h"
#include "http_text.h"

/* ---- encoding ---------------------------------------------------------- */

typedef struct {
    const char *in;
    int form;
    const char *out;
} enc_row;

static void test_pct_encode(void **state) {
    (void)state;
    static const enc_row rows[] = {
        {"", 0, ""},
        {"abcXYZ019-._~", 0, "abcXYZ019-._~"},
        {"a b", 0, "a%20b"},
        {"a b", 1, "a+b"},
        {"a+b&c=d/e?f#g%", 0, "a%2Bb%26c%3Dd%2Fe%3Ff%23g%25"},
        {"SELECT Id FROM Account", 1, "SELECT+Id+FROM+Account"},
        {"\xc3\xa9", 0, "%C3%A9"},
        {"\n\r\t", 0, "%0A%0D%09"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        lf_hbuf b = {0};
        assert_true(lf_pct_encode(&b, rows[i].in, strlen(rows[i].in), rows[i].form));
        assert_true(lf_hbuf_add(&b, "", 0));
        assert_string_equal(rows[i].out, b.data);
        lf_hbuf_free(&b);
    }
}

static void test_pct_decode(void **state) {
    (void)state;
    static const enc_row rows[] = {
        {"a%20b", 0, "a b"}, {"a+b", 1, "a b"}, {"a+b", 0, "a+b"}, {"%41%6a", 0, "Aj"},
        {"100%", 0, "100%"}, {"%zz%4", 0, "%zz%4"}, {"%C3%A9", 0, "\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[32];
        size_t n = lf_pct_decode(out, rows[i].in, strlen(rows[i].in), rows[i].form);
        out[n] = '\0';
        assert_string_equal(rows[i].out, out);
    }
}

static void test_encode_pairs_sorted_and_stable(void **state) {
    (void)state;
    lf_kv kv[] = {
        {"z", "1", 1, 1}, {"a", "second", 1, 6}, {"ab", "x y", 2, 3}, {"a", "first?", 1, 6}, {"A", "up", 1, 2},
    };
    /* bytewise ("A" < "a" < "ab"); equal keys keep the order they came in */
    lf_hbuf b = {0};
    assert_true(lf_encode_pairs(&b, kv, 5, 0));
    assert_string_equal("A=up&a=second&a=first%3F&ab=x%20y&z=1", b.data);
    lf_hbuf_free(&b);
    lf_kv one[] = {{"q", "SELECT Id", 1, 9}};
    assert_true(lf_encode_pairs(&b, one, 1, 1));
    assert_string_equal("q=SELECT+Id", b.data);
    lf_hbuf_free(&b);
    assert_true(lf_encode_pairs(&b, NULL, 0, 0));
    assert_int_equal(0, b.len);
    lf_hbuf_free(&b);
}

/* ---- headers ------------------------------------------------------------- */

typedef struct {
    char text[1024];
    int status;
} collected;

static int collect(void *ud, int kind, const char *a, size_t alen, const char *b, size_t blen, int status) {
    collected *c = ud;
    char line[256];
    if (kind == LF_HDR_STATUS) {
        c->text[0] = '\0';
        c->status = status;
        snprintf(line, sizeof line, "[%.*s|%.*s]", (int)alen, a, (int)blen, b);
    } else if (kind == LF_HDR_FIELD) {
        snprintf(line, sizeof line, "<%.*s=%.*s>", (int)alen, a, (int)blen, b);
    } else {
        snprintf(line, sizeof line, "+%.*s", (int)alen, a);
    }
    strncat(c->text, line, sizeof c->text - strlen(c->text) - 1);
    return 0;
}

typedef struct {
    const char *raw;
    int status;
    const char *parsed;
} header_row;

static void test_parse_headers(void **state) {
    (void)state;
    static const header_row rows[] = {
        {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A:  spaced  \r\n\r\n", 200,
         "[1.1|OK]<Content-Type=text/plain><X-A=spaced>"},
        {"HTTP/2 204\r\nvary: a\r\n\r\n", 204, "[2|]<vary=a>"},
        /* 100 Continue, then the real response: the last block counts */
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /x\r\n\r\n", 201,
         "[1.1|Created]<Location=/x>"},
        /* LF only, folded line, junk line, empty value, reason with spaces */
        {"HTTP/1.0 404 Not Found Here\nX-Long: one\n  two\nnot a header\nX-Empty:\n", 404,
         "[1.0|Not Found Here]<X-Long=one>+two<X-Empty=>"},
        {"HTTP/1.1 200 OK\r\nBad Name: x\r\n: nothing\r\n\r\n", 200, "[1.1|OK]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        collected c = {{0}, 0};
        lf_parse_headers(rows[i].raw, strlen(rows[i].raw), collect, &c);
        assert_int_equal(rows[i].status, c.status);
        assert_string_equal(rows[i].parsed, c.text);
    }
}

static void test_status_line(void **state) {
    (void)state;
    const char *v, *r;
    size_t vl, rl;
    int st;
    assert_true(lf_parse_status_line("HTTP/1.1 503 Service Unavailable", 32, &v, &vl, &st, &r, &rl));
    assert_int_equal(503, st);
    assert_int_equal(19, rl);
    assert_false(lf_parse_status_line("HTTP/1.1 20 OK", 14, &v, &vl, &st, &r, &rl));
    assert_false(lf_parse_status_line("HTTP/1.1 2000", 13, &v, &vl, &st, &r, &rl));
    assert_false(lf_parse_status_line("HTTPS/1.1 200", 13, &v, &vl, &st, &r, &rl));
    assert_false(lf_parse_status_line("HTTP/", 5, &v, &vl, &st, &r, &rl));
}

/* ---- redaction ------------------------------------------------------------- */

typedef struct {
    const char *in, *out;
} red_row;

typedef int (*redactor)(lf_hbuf *, const char *, size_t);

static void run_rows(redactor fn, const red_row *rows, size_t n) {
    for (size_t i = 0; i < n; i++) {
        lf_hbuf b = {0};
        assert_true(fn(&b, rows[i].in, strlen(rows[i].in)));
        assert_true(lf_hbuf_add(&b, "", 0));
        assert_string_equal(rows[i].out, b.data);
        lf_hbuf_free(&b);
    }
}

static void test_secret_names(void **state) {
    (void)state;
    const char *yes_h[] = {"Authorization", "authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
                           "X-SFDC-Session", "X-Api-Token", "X-Client-Secret", "x-api-key", NULL};
    const char *no_h[] = {"Content-Type", "Accept", "Location", "Sforce-Limit-Info", "Authorisation-Hint-x", NULL};
    for (int i = 0; yes_h[i]; i++) assert_true(lf_secret_header(yes_h[i], strlen(yes_h[i])));
    for (int i = 0; no_h[i]; i++) assert_false(lf_secret_header(no_h[i], strlen(no_h[i])));
    const char *yes_n[] = {"access_token", "REFRESH_TOKEN", "client_secret", "password", "id_token", "token",
                           "client_assertion", "sessionId", "new_password", "api_key", NULL};
    const char *no_n[] = {"client_id", "grant_type", "username", "q", "instance_url", "tokens_used", NULL};
    for (int i = 0; yes_n[i]; i++) assert_true(lf_secret_name(yes_n[i], strlen(yes_n[i])));
    for (int i = 0; no_n[i]; i++) assert_false(lf_secret_name(no_n[i], strlen(no_n[i])));
}

static void test_redact_form(void **state) {
    (void)state;
    static const red_row rows[] = {
        {"", ""},
        {"grant_type=client_credentials&client_id=abc&client_secret=s3cr3t",
         "grant_type=client_credentials&client_id=abc&client_secret=***"},
        {"password=p%40ss&username=u", "password=***&username=u"},
        {"client%5Fsecret=x", "client%5Fsecret=***"}, /* names compared decoded */
        {"a&b=&password", "a&b=&password"},           /* no value to hide */
        {"refresh_token=r&refresh_token=r2", "refresh_token=***&refresh_token=***"},
        {"trailing&", "trailing&"},
    };
    run_rows(lf_redact_form, rows, sizeof rows / sizeof rows[0]);
}

static void test_redact_json(void **state) {
    (void)state;
    static const red_row rows[] = {
        {"{\"access_token\":\"00D!AQ.x\",\"instance_url\":\"https://a\"}",
         "{\"access_token\":\"***\",\"instance_url\":\"https://a\"}"},
        {"{ \"refresh_token\" : \"a\\\"b\" , \"n\": 1}", "{ \"refresh_token\" : \"***\" , \"n\": 1}"},
        {"{\"password\":12345,\"x\":[\"password\",\"v\"]}", "{\"password\":\"***\",\"x\":[\"password\",\"v\"]}"},
        {"{\"client_secret\":{\"nested\":\"kept\"}}", "{\"client_secret\":{\"nested\":\"kept\"}}"},
        {"{\"a\":{\"token\":\"t\"}}", "{\"a\":{\"token\":\"***\"}}"},
        {"{\"acc\\u0065ss_token\":\"t\"}", "{\"acc\\u0065ss_token\":\"***\"}"},
        {"{\"access_token\":\"unterminated", "{\"access_token\":\"***\""},
        {"{\"access_token\":", "{\"access_token\":"},
        {"not json at all", "not json at all"},
        {"[\"token\"]", "[\"token\"]"},
    };
    run_rows(lf_redact_json, rows, sizeof rows / sizeof rows[0]);
}

static void test_redact_url(void **state) {
    (void)state;
    static const red_row rows[] = {
        {"https://a.example.com/x?q=1", "https://a.example.com/x?q=1"},
        {"https://user:pw@a.example.com/x", "https://***@a.example.com/x"},
        {"http://u@h/p?access_token=t&x=1#frag", "http://***@h/p?access_token=***&x=1#frag"},
        {"https://h/services/oauth2/token?client_secret=s&password=p", "https://h/services/oauth2/token?client_secret=***&password=***"},
        {"/relative?token=t", "/relative?token=***"},
        {"https://h/path@not-userinfo", "https://h/path@not-userinfo"},
        {"https://h?", "https://h?"},
    };
    run_rows(lf_redact_url, rows, sizeof rows / sizeof rows[0]);
}

static void test_redact_secrets(void **state) {
    (void)state;
    const char *secrets[] = {"abcd", "abcdef", "zz"};
    size_t lens[] = {4, 6, 2};
    static const red_row rows[] = {
        {"x abcdef y abcd z", "x *** y *** z"}, /* the longest match wins */
        {"abcdabcd", "******"},
        {"nothing here", "nothing here"},
        {"zzz", "***z"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        lf_hbuf b = {0};
        assert_true(lf_redact_secrets(&b, rows[i].in, strlen(rows[i].in), secrets, lens, 3));
        assert_string_equal(rows[i].out, b.data);
        lf_hbuf_free(&b);
    }
}

/* ---- error kinds ------------------------------------------------------------ */

static void test_error_kinds(void **state) {
    (void)state;
    static const struct {
        CURLcode rc;
        int got_response;
        const char *kind;
    } rows[] = {
        {CURLE_OPERATION_TIMEDOUT, 0, "TIMEOUT"},
        {CURLE_OPERATION_TIMEDOUT, 1, "TIMEOUT"},
        {CURLE_COULDNT_RESOLVE_HOST, 0, "DNS"},
        {CURLE_COULDNT_RESOLVE_PROXY, 0, "DNS"},
        {CURLE_COULDNT_CONNECT, 0, "CONNECT"},
        {CURLE_PEER_FAILED_VERIFICATION, 0, "TLS"},
        {CURLE_SSL_CONNECT_ERROR, 0, "TLS"},
        {CURLE_SSL_CACERT_BADFILE, 0, "TLS"},
        {CURLE_GOT_NOTHING, 0, "EMPTY_REPLY"},
        {CURLE_PARTIAL_FILE, 1, "PARTIAL_BODY"},
        /* a connection that breaks: before any response nothing came back,
         * after one the body stopped short */
        {CURLE_RECV_ERROR, 0, "EMPTY_REPLY"},
        {CURLE_RECV_ERROR, 1, "PARTIAL_BODY"},
        {CURLE_HTTP2, 0, "PROTOCOL"},
        {CURLE_HTTP2_STREAM, 1, "PARTIAL_BODY"},
        {CURLE_WEIRD_SERVER_REPLY, 0, "PROTOCOL"},
        {CURLE_BAD_CONTENT_ENCODING, 1, "PROTOCOL"},
        {CURLE_UNSUPPORTED_PROTOCOL, 0, "PROTOCOL"},
        {CURLE_URL_MALFORMAT, 0, "URL"},
        {CURLE_FILESIZE_EXCEEDED, 1, "TOO_LARGE"},
        {CURLE_ABORTED_BY_CALLBACK, 0, "ABORTED"},
        {CURLE_SEND_ERROR, 0, "NETWORK"},
        {CURLE_OUT_OF_MEMORY, 0, "NETWORK"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *got = lf_http_error_kind(rows[i].rc, rows[i].got_response);
        if (strcmp(got, rows[i].kind) != 0)
            fail_msg("row %zu (curl code %d): %s, not %s", i, (int)rows[i].rc, got, rows[i].kind);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pct_encode),
        cmocka_unit_test(test_pct_decode),
        cmocka_unit_test(test_encode_pairs_sorted_and_stable),
        cmocka_unit_test(test_parse_headers),
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_redact_form),
        cmocka_unit_test(test_redact_json),
        cmocka_unit_test(test_redact_url),
        cmocka_unit_test(test_redact_secrets),
        cmocka_unit_test(test_error_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
