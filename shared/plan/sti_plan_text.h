/*  sti_plan_text: the checks every code and name of the catalog passes.

    A code (indicator, tag, org unit, plan) is 1 to 64 bytes of a-z, 0-9
    and '_' (and '-' where allowed), starting with a letter where asked; a
    name or a note is text that fits its buffer and holds no control
    character. Pure functions, no allocation. sti_text_copy is the copy of
    a text into a buffer that the hot paths use instead of snprintf.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

//  A code: 1..64 bytes of [a-z0-9_] (and '-' when dash), starting with a
//  letter when letter_first. NULL is not a code.
bool sti_code_valid(const char *code, bool dash, bool letter_first);
//  Text that fits cap bytes (with its NUL) and has no control characters.
//  NULL is not text.
bool sti_text_valid(const char *text, size_t cap);
//  Copies text into buf of cap (> 0) bytes, cut to fit as
//  snprintf(buf, cap, "%s", text) would cut it. Returns the length copied.
size_t sti_text_copy(char *buf, size_t cap, const char *text);
