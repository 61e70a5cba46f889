/*
 * json_internal.h: what json.c (the module), json_decode.c, json_encode.c
 * and json_render.c share. Not part of the C API of luaforce.
 *
 * raw_decode, raw_encode and raw_render_rows are created by json.c with the
 * same upvalues, so all find the sentinel and the marker strings without a
 * table lookup (the two encoding ones share one buffer cache):
 */
#ifndef LUAFORCE_JSON_INTERNAL_H
#define LUAFORCE_JSON_INTERNAL_H
#include <lua.h>

#define LF_JSON_UV_NULL lua_upvalueindex(1)     /* the json.null userdata */
#define LF_JSON_UV_ARRAYMT lua_upvalueindex(2)  /* {__jsontype = "array"} */
#define LF_JSON_UV_TYPEKEY lua_upvalueindex(3)  /* "__jsontype" */
#define LF_JSON_UV_KEYSKEY lua_upvalueindex(4)  /* "__jsonkeys" */
#define LF_JSON_UV_OBJECT lua_upvalueindex(5)   /* "object" */
#define LF_JSON_UV_ARRAY lua_upvalueindex(6)    /* "array" */
#define LF_JSON_UV_SHORTLEN lua_upvalueindex(7) /* see lf_json_shortlen */
#define LF_JSON_UV_BUFCACHE lua_upvalueindex(8) /* encoder: buffer kept; decoder: nil */
#define LF_JSON_NUPVALUES 8

/* Nesting limit for both directions: deeper input is refused with an error
 * instead of exhausting the C or Lua stack. */
#define LF_JSON_MAXDEPTH 1000

#define LF_JSON_PARSER_MT "luaforce.json.Parser"
#define LF_JSON_ENCODER_MT "luaforce.json.Encoder"
#define LF_JSON_BUFCACHE_MT "luaforce.json.Buffer"

/* Key strings: a pointer to the bytes of a Lua string kept alive elsewhere. */
typedef struct lf_jkey {
    const char *p;
    size_t len;
} lf_jkey;

/* raw_decode(text) -> value | nil, reason, offset, line, column */
int lf_json_raw_decode(lua_State *L);
/* raw_encode(value, pretty, sort_keys) -> text | nil, message */
int lf_json_raw_encode(lua_State *L);
/* raw_render_rows(rows, first, last, plan [, where [, before, after]])
 *   -> text | nil, message  (see json_render.c) */
int lf_json_raw_render_rows(lua_State *L);
/* Registers the metatables of the parser and encoder userdata. */
void lf_json_decode_init(lua_State *L);
void lf_json_encode_init(lua_State *L);
/* Pushes a new holder for the buffer the encoder keeps between calls. */
void lf_json_push_bufcache(lua_State *L);

/* The encoder as other files use it, from a C function that has the
 * upvalues above. lf_json_encoder_new pushes the encoder (a userdata with
 * __gc, so a Lua error raised meanwhile leaks nothing). The writers return 0,
 * or -1 with the reason kept in the encoder; on the way out of a failure the
 * caller adds where it was, innermost first, with the path functions.
 * lf_json_encoder_result ends the encode: it pushes the text (rc == 0) or
 * nil and "reason at path" and returns 2, and raises when memory ran out. */
typedef struct lf_json_encoder lf_json_encoder;
lf_json_encoder *lf_json_encoder_new(lua_State *L, int pretty, int sort_keys);
/* Any Lua value, exactly as raw_encode writes it. */
int lf_json_encode_value(lf_json_encoder *e, int idx);
/* Text copied as it is (already JSON). */
int lf_json_encoder_put(lf_json_encoder *e, const char *s, size_t n);
/* A string value: quoted, escaped, strict UTF-8. */
int lf_json_encoder_string(lf_json_encoder *e, const char *s, size_t n);
void lf_json_encoder_path_key(lf_json_encoder *e, const char *k, size_t len);
void lf_json_encoder_path_index(lf_json_encoder *e, lua_Integer i);
int lf_json_encoder_result(lua_State *L, lf_json_encoder *e, int rc);

#endif
