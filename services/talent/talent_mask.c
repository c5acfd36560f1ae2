/*  talent_mask: masks for personal data in answers (see the header).

    One pass counts the characters, a second copies or replaces them; both
    walk UTF-8 with s_char_len, which takes a malformed byte as a
    one-byte character so that any input ends in bounded time.
*/
#include "talent_mask.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

//  Length in bytes of the UTF-8 character at s (1 to 4); *valid says
//  whether it is well-formed. A malformed byte is a character of 1 byte.
static size_t s_char_len(const unsigned char *s, bool *valid)
{
    size_t n = s[0] < 0x80         ? 1
               : (s[0] >> 5) == 6  ? 2
               : (s[0] >> 4) == 14 ? 3
               : (s[0] >> 3) == 30 ? 4
                                   : 0;
    *valid = n > 0;
    if (n == 0) {
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *valid = false;
            return 1;
        }
    }
    return n;
}

static size_t s_char_count(const char *text)
{
    size_t count = 0;
    bool valid;
    for (const unsigned char *s = (const unsigned char *)text; *s; s += s_char_len(s, &valid)) {
        count++;
    }
    return count;
}

//  Appends len bytes to buf at *used; false when they do not fit with a NUL.
static bool s_append(char *buf, size_t cap, size_t *used, const void *bytes, size_t len)
{
    if (*used + len + 1 > cap) {
        return false;
    }
    memcpy(buf + *used, bytes, len);
    *used += len;
    buf[*used] = 0;
    return true;
}

static int s_overflow(char *buf)
{
    buf[0] = 0;
    return -1;
}

int talent_mask_keep(const char *text, size_t head, size_t tail, char *buf, size_t cap)
{
    assert(text && buf && cap > 0);
    size_t count = s_char_count(text);
    if (count <= head + tail) {
        head = tail = 0;
    }
    size_t used = 0;
    size_t index = 0;
    bool valid;
    buf[0] = 0;
    for (const unsigned char *s = (const unsigned char *)text; *s; index++) {
        size_t len = s_char_len(s, &valid);
        bool keep = index < head || index >= count - tail;
        bool ok = !keep   ? s_append(buf, cap, &used, "*", 1)
                  : valid ? s_append(buf, cap, &used, s, len)
                          : s_append(buf, cap, &used, "?", 1);
        if (!ok) {
            return s_overflow(buf);
        }
        s += len;
    }
    return 0;
}

int talent_mask_document(const char *text, char *buf, size_t cap)
{
    size_t count = s_char_count(text);
    size_t keep = count >= 12 ? 4 : count >= 6 ? 2 : 0;
    return talent_mask_keep(text, keep, keep, buf, cap);
}

int talent_mask_phone(const char *text, char *buf, size_t cap)
{
    size_t count = s_char_count(text);
    if (count >= 11) {
        return talent_mask_keep(text, 3, 4, buf, cap);
    }
    return talent_mask_keep(text, 2, 2, buf, cap);
}

int talent_mask_email(const char *text, char *buf, size_t cap)
{
    assert(text && buf && cap > 0);
    const char *at = strrchr(text, '@');
    if (!at || at == text) {
        //  Not an address: show nothing of it.
        return talent_mask_keep(text, 0, 0, buf, cap);
    }
    size_t used = 0;
    bool valid;
    size_t first = s_char_len((const unsigned char *)text, &valid);
    buf[0] = 0;
    if (!(valid ? s_append(buf, cap, &used, text, first) : s_append(buf, cap, &used, "?", 1)) ||
        !s_append(buf, cap, &used, "***", 3)) {
        return s_overflow(buf);
    }
    //  The domain is copied character by character so that malformed bytes
    //  never reach the answer.
    for (const unsigned char *s = (const unsigned char *)at; *s;) {
        size_t len = s_char_len(s, &valid);
        if (!(valid ? s_append(buf, cap, &used, s, len) : s_append(buf, cap, &used, "?", 1))) {
            return s_overflow(buf);
        }
        s += len;
    }
    return 0;
}
