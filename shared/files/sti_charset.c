/*  sti_charset: UTF-8 or GB18030, and GB18030 to UTF-8. See sti_charset.h.

    Two byte-at-a-time state machines run side by side: one checks UTF-8
    strictly (no overlong forms, no surrogates, nothing past U+10FFFF), the
    other checks GB18030's shape (a lead byte 0x81-0xFE, then a trail byte
    0x40-0x7E or 0x80-0xFE, or the four-byte form digit, lead, digit). The
    decoder keeps up to three bytes of a character cut between pieces.
*/
#include "sti_charset.h"

#include <assert.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sti_charset_sniff_init(sti_charset_sniff_t *self)
{
    assert(self);
    memset(self, 0, sizeof *self);
}

//  The UTF-8 machine: one byte.
static void s_utf8(sti_charset_sniff_t *self, unsigned char c)
{
    if (self->utf8_need) {
        if (c >= self->lo && c <= self->hi) {
            self->lo = 0x80, self->hi = 0xBF;
            if (--self->utf8_need == 0) {
                self->utf8_good++;
            }
            return;
        }
        self->utf8_need = 0; // the sequence is cut short: c starts anew
        if (!self->utf8_bad++) {
            self->first_bad = self->start;
        }
    }
    self->lo = 0x80, self->hi = 0xBF;
    self->start = self->offset;
    if (c < 0x80) {
        return;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        self->utf8_need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        self->utf8_need = 2;
        self->lo = c == 0xE0 ? 0xA0 : 0x80;
        self->hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        self->utf8_need = 3;
        self->lo = c == 0xF0 ? 0x90 : 0x80;
        self->hi = c == 0xF4 ? 0x8F : 0xBF;
    } else if (!self->utf8_bad++) {
        self->first_bad = self->offset;
    }
}

//  The GB18030 machine: one byte.
static void s_gb(sti_charset_sniff_t *self, unsigned char c)
{
    bool digit = c >= 0x30 && c <= 0x39, lead = c >= 0x81 && c <= 0xFE;
    switch (self->gb_state) {
    case 0:
        self->gb_state = lead ? 1 : 0;
        self->gb_bad |= c == 0x80 || c == 0xFF;
        break;
    case 1: // after a lead byte: a trail byte, or the digit of a four-byte form
        self->gb_state = digit ? 2 : 0;
        self->gb_bad |= !digit && !(c >= 0x40 && c <= 0x7E) && !(c >= 0x80 && c <= 0xFE);
        break;
    case 2:
        self->gb_state = 3;
        self->gb_bad |= !lead;
        break;
    default:
        self->gb_state = 0;
        self->gb_bad |= !digit;
    }
}

void sti_charset_sniff_feed(sti_charset_sniff_t *self, const void *data, size_t len)
{
    assert(self && (data || len == 0));
    const unsigned char *bytes = (const unsigned char *)data;
    for (size_t i = 0; i < len; i++, self->offset++) {
        if (self->offset < sizeof self->bom) {
            self->bom[self->offset] = bytes[i];
        }
        s_utf8(self, bytes[i]);
        s_gb(self, bytes[i]);
    }
}

sti_charset_t sti_charset_sniff_end(sti_charset_sniff_t *self, uint64_t *first_bad)
{
    assert(self);
    if (self->utf8_need && !self->utf8_bad++) {
        self->first_bad = self->start;
    }
    self->utf8_need = 0;
    self->gb_bad |= self->gb_state != 0;
    if (first_bad) {
        *first_bad = self->utf8_bad ? self->first_bad : 0;
    }
    if (self->offset >= 2 && ((self->bom[0] == 0xFF && self->bom[1] == 0xFE) ||
                              (self->bom[0] == 0xFE && self->bom[1] == 0xFF))) {
        return STI_CHARSET_UTF16;
    }
    if (!self->utf8_bad) {
        return STI_CHARSET_UTF8;
    }
    if (!self->gb_bad && self->utf8_bad >= self->utf8_good) {
        return STI_CHARSET_GB18030;
    }
    return STI_CHARSET_UNKNOWN;
}

const char *sti_charset_name(sti_charset_t charset)
{
    switch (charset) {
    case STI_CHARSET_UTF8:
        return "UTF-8";
    case STI_CHARSET_GB18030:
        return "GB18030 (GBK)";
    case STI_CHARSET_UTF16:
        return "UTF-16";
    default:
        return "not UTF-8";
    }
}

//  --- the decoder ---

struct _sti_charset_decoder_t {
    iconv_t cd;      // the C library's converter
    char carry[4];   // bytes of a character cut off at the end of the last piece
    size_t carried;  // how many
    char *in;        // the carried bytes and the piece, joined
    size_t in_cap;   // bytes allocated for in
    char *out;       // the UTF-8 made
    size_t out_cap;  // bytes allocated for out
    uint64_t offset; // bytes of input converted before this piece (for messages)
};

sti_charset_decoder_t *sti_charset_decoder_new(void)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        return NULL;
    }
    sti_charset_decoder_t *self = (sti_charset_decoder_t *)calloc(1, sizeof *self);
    assert(self);
    self->cd = cd;
    return self;
}

void sti_charset_decoder_destroy(sti_charset_decoder_t **self_p)
{
    assert(self_p);
    sti_charset_decoder_t *self = *self_p;
    if (self) {
        iconv_close(self->cd);
        free(self->in);
        free(self->out);
        free(self);
        *self_p = NULL;
    }
}

//  Grows *buf to at least need bytes.
static void s_reserve(char **buf, size_t *cap, size_t need)
{
    if (*cap < need) {
        *cap = need;
        *buf = (char *)realloc(*buf, need);
        assert(*buf);
    }
}

//  Converts in[0..len) into out. Returns the bytes of in used (a cut
//  character at the end is left), or -1 at a byte that is not GB18030,
//  with *bad its index in in; *made gets the bytes of UTF-8 made.
static long s_convert(sti_charset_decoder_t *self, char *in, size_t len, size_t *made, size_t *bad)
{
    char *src = in, *dst = self->out;
    size_t left = len, room = self->out_cap;
    while (left > 0 && iconv(self->cd, &src, &left, &dst, &room) == (size_t)-1) {
        if (errno == EINVAL) {
            break; // a character cut at the end: kept for the next piece
        }
        if (errno != E2BIG) {
            *bad = (size_t)(src - in);
            return -1;
        }
        size_t used = (size_t)(dst - self->out);
        s_reserve(&self->out, &self->out_cap, 2 * self->out_cap);
        dst = self->out + used;
        room = self->out_cap - used;
    }
    *made = (size_t)(dst - self->out);
    return (long)(len - left);
}

int sti_charset_decode(sti_charset_decoder_t *self, const void *data, size_t len, bool last,
                       const char **out, size_t *out_len, char *err, size_t errlen)
{
    assert(self && (data || len == 0) && out && out_len);
    size_t total = self->carried + len;
    s_reserve(&self->in, &self->in_cap, total + 1);
    s_reserve(&self->out, &self->out_cap, 2 * total + 16); // GB18030 grows at most 1.5 times
    memcpy(self->in, self->carry, self->carried);
    if (len) {
        memcpy(self->in + self->carried, data, len);
    }
    size_t made = 0, bad = 0;
    long used = s_convert(self, self->in, total, &made, &bad);
    if (used < 0) {
        snprintf(err, errlen, "byte %llu is not GB18030",
                 (unsigned long long)(self->offset + bad + 1));
        return -1;
    }
    size_t rest = total - (size_t)used;
    self->offset += (uint64_t)used;
    if (rest > 0 && (last || rest >= sizeof self->carry)) {
        snprintf(err, errlen, "byte %llu is not GB18030: %s", (unsigned long long)self->offset + 1,
                 last ? "the file ends inside a character" : "a character too long");
        return -1;
    }
    memcpy(self->carry, self->in + used, rest);
    self->carried = rest;
    *out = self->out;
    *out_len = made;
    return 0;
}
