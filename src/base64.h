/*
 * base64.h: base64 (RFC 4648 section 4, the standard alphabet with '+' and
 * '/'), the one copy in luaforce. The Lua face is luaforce.core.base64
 * (base64.c).
 */
#ifndef LUAFORCE_BASE64_H
#define LUAFORCE_BASE64_H

#include <stddef.h>

/* How decoding treats the '=' padding:
 *   REQUIRED  the length is a multiple of 4 and the text ends in at most
 *             two '=' (FEEL's `from base64`, as java.util.Base64 reads
 *             padded text);
 *   OPTIONAL  any run of '=' at the end is dropped, and the rest may have
 *             any length but 4k + 1 (HTTP Basic credentials in the local
 *             org, where clients differ). */
typedef enum { LF_BASE64_PADDING_REQUIRED, LF_BASE64_PADDING_OPTIONAL } lf_base64_padding;

/* Characters in the padded encoding of n bytes; 0 when that does not fit
 * in a size_t (and n > 0). */
size_t lf_base64_encoded_size(size_t n);

/* Writes the padded encoding of in[0..n) to out: exactly
 * lf_base64_encoded_size(n) characters, no terminating NUL. */
void lf_base64_encode(const unsigned char *in, size_t n, char *out);

/* Room decoding n characters may need: n / 4 * 3 + 2 bytes. */
size_t lf_base64_decoded_max(size_t n);

/* Decodes in[0..n) into out (lf_base64_decoded_max(n) bytes of room) and
 * sets *outlen. Returns NULL on success, else why the text is not base64
 * (then *outlen is 0 and out holds nothing useful); a character outside
 * the alphabet is reported before a wrong length, with *errpos its 0-based
 * offset (else *errpos is n). Bits after the last whole byte are ignored,
 * as java.util.Base64 does. */
const char *lf_base64_decode(const char *in, size_t n, lf_base64_padding padding, unsigned char *out,
                             size_t *outlen, size_t *errpos);

#endif
