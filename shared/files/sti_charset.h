/*  sti_charset: which encoding a text file is in, and GB18030 (GBK) text
    turned into UTF-8.

    A CSV file saved by Excel on a Chinese Windows ("CSV (逗号分隔)") is in
    GBK, not UTF-8. The sniffer reads a file's bytes in pieces (memory
    fixed, no allocation) and tells UTF-8 from GB18030 (GBK's superset, so
    GBK and GB2312 files read as GB18030 too) and from UTF-16 (Excel's
    "Unicode text", by its byte order mark). The decoder converts GB18030
    to UTF-8 with the C library's iconv, piece by piece, keeping a character
    cut between two pieces for the next.

    The decision, made on the whole file: valid UTF-8 is UTF-8 (pure ASCII
    included). Otherwise the bytes are GB18030 when every sequence is valid
    GB18030 and at least as many sequences fail as UTF-8 as pass: a UTF-8
    file with a stray byte or two is not taken for GBK (it is then
    STI_CHARSET_UNKNOWN, and the caller reads it as UTF-8, row by row).
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    STI_CHARSET_UTF8 = 0, // valid UTF-8 (or plain ASCII)
    STI_CHARSET_GB18030,  // GB18030, GBK or GB2312
    STI_CHARSET_UTF16,    // UTF-16 with a byte order mark
    STI_CHARSET_UNKNOWN,  // neither: mostly UTF-8 with invalid bytes, or something else
} sti_charset_t;

//  The sniffer's state: a plain value, zeroed by sti_charset_sniff_init.
typedef struct {
    uint64_t offset;      // bytes seen
    uint64_t first_bad;   // offset of the first byte that is not UTF-8 (when utf8_bad)
    uint64_t start;       // offset of the UTF-8 sequence under way
    uint64_t utf8_good;   // multi-byte UTF-8 sequences that were valid
    uint64_t utf8_bad;    // bytes or sequences that were not
    unsigned utf8_need;   // continuation bytes still expected
    unsigned char lo, hi; // the range the next continuation byte must be in
    unsigned gb_state;    // 0: between characters; 1, 2, 3: inside a GB18030 sequence
    bool gb_bad;          // a sequence was not GB18030
    unsigned char bom[3]; // the first bytes, for a byte order mark
} sti_charset_sniff_t;

void sti_charset_sniff_init(sti_charset_sniff_t *self);
//  Looks at the next len bytes.
void sti_charset_sniff_feed(sti_charset_sniff_t *self, const void *data, size_t len);
//  The encoding of everything fed (a sequence cut off at the end counts as
//  invalid). *first_bad (may be NULL) receives the offset of the first byte
//  that is not UTF-8 (0 for UTF-8).
sti_charset_t sti_charset_sniff_end(sti_charset_sniff_t *self, uint64_t *first_bad);
//  The name of an encoding for messages ("UTF-8", "GB18030 (GBK)", ...).
const char *sti_charset_name(sti_charset_t charset);

//  --- GB18030 to UTF-8 ---

typedef struct _sti_charset_decoder_t sti_charset_decoder_t;

//  A decoder from GB18030. Returns NULL when the C library cannot convert
//  it (no gconv module).
sti_charset_decoder_t *sti_charset_decoder_new(void);
void sti_charset_decoder_destroy(sti_charset_decoder_t **self_p);

//  Converts the next len bytes (last: no more follow). *out receives the
//  UTF-8 (borrowed until the next call) and *out_len its length. Returns 0,
//  or -1 with a reason naming the offset of the byte that is not GB18030.
int sti_charset_decode(sti_charset_decoder_t *self, const void *data, size_t len, bool last,
                       const char **out, size_t *out_len, char *err, size_t errlen);
