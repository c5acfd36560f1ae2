/*  sti_formula: the formula of a derived indicator.

    A formula is arithmetic over indicator codes and numeric constants:
    `100 * rd_expenditure / gdp`. Grammar (whitespace between tokens allowed):
        expr    = term   { ("+" | "-") term }
        term    = factor { ("*" | "/") factor }
        factor  = "-" factor | number | code | "(" expr ")"
        number  = digit { digit } [ "." digit { digit } ]
        code    = [a-z] { [a-z0-9_] }            (at most 64 bytes)
    Anything else is refused with its position (1-based byte offset). The text
    is at most STI_FORMULA_MAX_LEN bytes and nests at most STI_FORMULA_MAX_DEPTH
    deep, so parsing and evaluation use bounded memory and stack.
    Evaluation never yields NaN or an infinity: a missing input, a division
    by zero or an overflow gives "no value".
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define STI_FORMULA_MAX_LEN 256   // bytes of formula text
#define STI_FORMULA_MAX_DEPTH 16  // nesting of parentheses and unary minus
#define STI_FORMULA_MAX_INPUTS 16 // distinct indicator codes in one formula
#define STI_FORMULA_CODE_MAX 65   // bytes of one code, with the NUL

typedef struct _sti_formula_t sti_formula_t;

//  Gives the value of input `code`; returns false when it has no value.
typedef bool(sti_formula_lookup_fn)(void *arg, const char *code, double *value);

//  Parses text (NUL-terminated). Returns a new formula the caller destroys,
//  or NULL with a reason in err ("at position 5: unexpected '$'").
sti_formula_t *sti_formula_parse(const char *text, char *err, size_t errlen);
void sti_formula_destroy(sti_formula_t **self_p);

//  The text as given (borrowed).
const char *sti_formula_text(const sti_formula_t *self);
//  The distinct codes the formula reads, in order of first appearance.
size_t sti_formula_input_count(const sti_formula_t *self);
//  Input i (borrowed), or NULL past the end.
const char *sti_formula_input(const sti_formula_t *self, size_t index);
//  True when code is one of the inputs.
bool sti_formula_uses(const sti_formula_t *self, const char *code);

//  Evaluates with each input's value from lookup. Returns true with *out
//  set, or false when there is no value (see above).
bool sti_formula_eval(const sti_formula_t *self, sti_formula_lookup_fn *lookup, void *arg,
                      double *out);
//  Evaluates with values[i] (when present[i]) as the value of input i.
bool sti_formula_eval_values(const sti_formula_t *self, const double *values, const bool *present,
                             double *out);
