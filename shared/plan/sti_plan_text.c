/*  sti_plan_text: codes and names of the catalog. See the header.
 */
#include "sti_plan_text.h"

#include <assert.h>
#include <string.h>

#define S_CODE_MAX 65 // bytes of a code, with NUL (STI_CODE_MAX of sti_catalog.h)

bool sti_code_valid(const char *code, bool dash, bool letter_first)
{
    size_t len = code ? strnlen(code, S_CODE_MAX) : 0;
    if (len == 0 || len >= S_CODE_MAX || (letter_first && (code[0] < 'a' || code[0] > 'z'))) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = code[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dash && c == '-'))) {
            return false;
        }
    }
    return true;
}

bool sti_text_valid(const char *text, size_t cap)
{
    if (!text || strnlen(text, cap) >= cap) {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

size_t sti_text_copy(char *buf, size_t cap, const char *text)
{
    assert(buf && cap > 0 && text);
    size_t len = strnlen(text, cap - 1);
    memcpy(buf, text, len);
    buf[len] = 0;
    return len;
}
