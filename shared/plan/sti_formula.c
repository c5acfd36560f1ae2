/*  sti_formula: the formula of a derived indicator. See sti_formula.h.

    A recursive-descent parser builds a small tree in a fixed array of nodes
    (bounded by the text's length); a depth counter bounds the recursion of
    both parsing and evaluation. Evaluation checks every intermediate result,
    so no NaN or infinity can leave it.
*/
#include "sti_formula.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_MAX_NODES STI_FORMULA_MAX_LEN // a node takes at least one byte of text

typedef enum { S_CONST, S_INPUT, S_NEG, S_ADD, S_SUB, S_MUL, S_DIV } s_op_t;

typedef struct {
    s_op_t op;    // what the node does
    double value; // the constant, for S_CONST
    int input;    // the input's index, for S_INPUT
    int left;     // the left (or only) operand's node, for operators
    int right;    // the right operand's node, for binary operators
} s_node_t;

struct _sti_formula_t {
    char text[STI_FORMULA_MAX_LEN + 1];                        // the text as given
    char inputs[STI_FORMULA_MAX_INPUTS][STI_FORMULA_CODE_MAX]; // distinct codes read
    size_t input_count;                                        // how many inputs
    s_node_t nodes[S_MAX_NODES];                               // the tree
    int node_count;                                            // nodes in use
    int root;                                                  // the top node
};

//  Parser state.
typedef struct {
    sti_formula_t *formula; // what is being built
    const char *text;       // the text
    size_t pos;             // the next byte to read
    int depth;              // current nesting
    char *err;              // where a reason goes
    size_t errlen;          // its size
} s_parser_t;

static int s_expr(s_parser_t *p);

static void s_skip_space(s_parser_t *p)
{
    while (p->text[p->pos] == ' ' || p->text[p->pos] == '\t') {
        p->pos++;
    }
}

//  Writes "at position N: <what>" and returns -1.
static int s_fail(s_parser_t *p, const char *what)
{
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c == 0) {
        snprintf(p->err, p->errlen, "at position %zu: %s, found the end", p->pos + 1, what);
    } else if (c >= 0x21 && c < 0x7f) {
        snprintf(p->err, p->errlen, "at position %zu: %s, found '%c'", p->pos + 1, what, c);
    } else {
        snprintf(p->err, p->errlen, "at position %zu: %s, found byte 0x%02x", p->pos + 1, what, c);
    }
    return -1;
}

static int s_node(s_parser_t *p, s_op_t op, int left, int right)
{
    sti_formula_t *f = p->formula;
    if (f->node_count == S_MAX_NODES) {
        return s_fail(p, "formula too complex");
    }
    f->nodes[f->node_count] = (s_node_t){op, 0, -1, left, right};
    return f->node_count++;
}

//  Reads a number or a code at p->pos into a new node.
static int s_operand(s_parser_t *p)
{
    const char *start = p->text + p->pos;
    size_t n = 0;
    if (*start >= '0' && *start <= '9') {
        while (start[n] >= '0' && start[n] <= '9') {
            n++;
        }
        if (start[n] == '.') {
            if (start[n + 1] < '0' || start[n + 1] > '9') {
                p->pos += n + 1;
                return s_fail(p, "expected a digit after '.'");
            }
            for (n++; start[n] >= '0' && start[n] <= '9'; n++) {
            }
        }
        int node = s_node(p, S_CONST, -1, -1);
        if (node >= 0) {
            p->formula->nodes[node].value = strtod(start, NULL);
            p->pos += n;
        }
        return node;
    }
    while ((start[n] >= 'a' && start[n] <= 'z') || (n > 0 && start[n] == '_') ||
           (n > 0 && start[n] >= '0' && start[n] <= '9')) {
        n++;
    }
    if (n == 0) {
        return s_fail(p, "expected an indicator code, a number or '('");
    }
    if (n >= STI_FORMULA_CODE_MAX) {
        return s_fail(p, "indicator code longer than 64 bytes");
    }
    sti_formula_t *f = p->formula;
    size_t index = 0;
    while (index < f->input_count &&
           !(strncmp(f->inputs[index], start, n) == 0 && f->inputs[index][n] == 0)) {
        index++;
    }
    if (index == f->input_count) {
        if (f->input_count == STI_FORMULA_MAX_INPUTS) {
            return s_fail(p, "more than 16 distinct inputs");
        }
        memcpy(f->inputs[index], start, n);
        f->inputs[index][n] = 0;
        f->input_count++;
    }
    int node = s_node(p, S_INPUT, -1, -1);
    if (node >= 0) {
        f->nodes[node].input = (int)index;
        p->pos += n;
    }
    return node;
}

static int s_factor(s_parser_t *p)
{
    s_skip_space(p);
    if (p->depth >= STI_FORMULA_MAX_DEPTH) {
        return s_fail(p, "nested deeper than 16");
    }
    p->depth++;
    int node;
    if (p->text[p->pos] == '-') {
        p->pos++;
        int operand = s_factor(p);
        node = operand < 0 ? -1 : s_node(p, S_NEG, operand, -1);
    } else if (p->text[p->pos] == '(') {
        p->pos++;
        node = s_expr(p);
        s_skip_space(p);
        if (node >= 0 && p->text[p->pos] != ')') {
            node = s_fail(p, "expected ')'");
        }
        p->pos += node >= 0;
    } else {
        node = s_operand(p);
    }
    p->depth--;
    return node;
}

static int s_term(s_parser_t *p)
{
    int left = s_factor(p);
    while (left >= 0) {
        s_skip_space(p);
        char c = p->text[p->pos];
        if (c != '*' && c != '/') {
            break;
        }
        p->pos++;
        int right = s_factor(p);
        left = right < 0 ? -1 : s_node(p, c == '*' ? S_MUL : S_DIV, left, right);
    }
    return left;
}

static int s_expr(s_parser_t *p)
{
    int left = s_term(p);
    while (left >= 0) {
        s_skip_space(p);
        char c = p->text[p->pos];
        if (c != '+' && c != '-') {
            break;
        }
        p->pos++;
        int right = s_term(p);
        left = right < 0 ? -1 : s_node(p, c == '+' ? S_ADD : S_SUB, left, right);
    }
    return left;
}

sti_formula_t *sti_formula_parse(const char *text, char *err, size_t errlen)
{
    assert(text && err);
    size_t len = strnlen(text, STI_FORMULA_MAX_LEN + 1);
    if (len > STI_FORMULA_MAX_LEN) {
        snprintf(err, errlen, "formula is longer than %d bytes", STI_FORMULA_MAX_LEN);
        return NULL;
    }
    sti_formula_t *self = (sti_formula_t *)zmalloc(sizeof(sti_formula_t));
    memcpy(self->text, text, len + 1);
    s_parser_t parser = {self, self->text, 0, 0, err, errlen};
    self->root = s_expr(&parser);
    if (self->root >= 0) {
        s_skip_space(&parser);
        if (self->text[parser.pos] != 0) {
            self->root = s_fail(&parser, "expected an operator");
        }
    }
    if (self->root < 0) {
        sti_formula_destroy(&self);
    }
    return self;
}

void sti_formula_destroy(sti_formula_t **self_p)
{
    assert(self_p);
    if (*self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

const char *sti_formula_text(const sti_formula_t *self)
{
    assert(self);
    return self->text;
}

size_t sti_formula_input_count(const sti_formula_t *self)
{
    assert(self);
    return self->input_count;
}

const char *sti_formula_input(const sti_formula_t *self, size_t index)
{
    assert(self);
    return index < self->input_count ? self->inputs[index] : NULL;
}

bool sti_formula_uses(const sti_formula_t *self, const char *code)
{
    assert(self && code);
    for (size_t i = 0; i < self->input_count; i++) {
        if (strcmp(self->inputs[i], code) == 0) {
            return true;
        }
    }
    return false;
}

//  Evaluates node with the inputs' values; false when there is no value.
static bool s_eval(const sti_formula_t *self, int index, const double *values, const bool *present,
                   double *out)
{
    const s_node_t *node = &self->nodes[index];
    double left = 0, right = 0;
    switch (node->op) {
    case S_CONST:
        *out = node->value;
        return isfinite(*out);
    case S_INPUT:
        *out = values[node->input];
        return present[node->input] && isfinite(*out);
    case S_NEG:
        if (!s_eval(self, node->left, values, present, &left)) {
            return false;
        }
        *out = -left;
        return true;
    default:
        break;
    }
    if (!s_eval(self, node->left, values, present, &left) ||
        !s_eval(self, node->right, values, present, &right)) {
        return false;
    }
    if (node->op == S_DIV && right == 0) {
        return false;
    }
    *out = node->op == S_ADD   ? left + right
           : node->op == S_SUB ? left - right
           : node->op == S_MUL ? left * right
                               : left / right;
    return isfinite(*out);
}

bool sti_formula_eval_values(const sti_formula_t *self, const double *values, const bool *present,
                             double *out)
{
    assert(self && out);
    assert(self->input_count == 0 || (values && present));
    double result;
    if (!s_eval(self, self->root, values, present, &result)) {
        return false;
    }
    *out = result == 0 ? 0 : result; // no negative zero
    return true;
}

bool sti_formula_eval(const sti_formula_t *self, sti_formula_lookup_fn *lookup, void *arg,
                      double *out)
{
    assert(self && lookup && out);
    double values[STI_FORMULA_MAX_INPUTS] = {0};
    bool present[STI_FORMULA_MAX_INPUTS] = {false};
    for (size_t i = 0; i < self->input_count; i++) {
        present[i] = lookup(arg, self->inputs[i], &values[i]);
    }
    return sti_formula_eval_values(self, values, present, out);
}
