/*  indicators_duty_book: who owes which figure, by when — the reporting
    duties read from Redis (indicators_duty_store) and resolved against the
    catalog (docs/completeness.md).

    An org unit's duties are the indicators its unit type is assigned,
    plus those added for it, minus those dropped for it, in catalog order.
    An indicator's calendar is its catalog frequency and due rule unless an
    admin set another (duty.rule). Retired org units, derived indicators
    and codes the catalog no longer has are left out, never an error: the
    duty ops refuse them when they are set, and this only reads.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "indicators_duty_store.h"
#include "sti_catalog.h"

#define INDICATORS_UNIT_TYPE_MAX 16 // bytes of a unit type, with NUL
#define INDICATORS_CONTACT_MAX 129  // bytes of one contact field, with NUL

//  The unit types, NULL-terminated: town, street, platform, department, district.
extern const char *const indicators_unit_types[];
//  Whether text is a unit type.
bool indicators_unit_type_valid(const char *text);

//  An indicator's reporting calendar.
typedef struct {
    sti_period_kind_t frequency; // how often
    sti_due_rule_t rule;         // by when
    char due[STI_DUE_TEXT_MAX];  // the rule's text
    bool overridden;             // set by an admin, not the catalog's
} indicators_duty_rule_t;

//  One indicator an org unit reports.
typedef struct {
    const sti_indicator_t *indicator;   // borrowed from the catalog
    const indicators_duty_rule_t *rule; // its calendar (the book's)
} indicators_duty_t;

//  An org unit with duties, a type or a contact.
typedef struct {
    const sti_org_unit_t *org;                     // borrowed from the catalog
    char type[INDICATORS_UNIT_TYPE_MAX];           // its unit type ("" none)
    char contact_name[INDICATORS_CONTACT_MAX];     // the responsible contact
    char contact_phone[INDICATORS_CONTACT_MAX];    //
    char contact_email[INDICATORS_CONTACT_MAX];    //
    char contact_dingtalk[INDICATORS_CONTACT_MAX]; // DingTalk user id
    const indicators_duty_t *duties;               // what it reports (the book's)
    size_t duty_count;                             // how many
} indicators_duty_unit_t;

typedef struct _indicators_duty_book_t indicators_duty_book_t;

//  Resolves hashes (as indicators_duty_store_read gives them) against
//  catalog. Both must outlive the book (indicators_duty_book_assigned reads
//  the hashes). Never NULL.
indicators_duty_book_t *indicators_duty_book_new(const sti_catalog_t *catalog,
                                                 const indicators_duty_pairs_t *hashes);
void indicators_duty_book_destroy(indicators_duty_book_t **self_p);

size_t indicators_duty_book_unit_count(const indicators_duty_book_t *self);
const indicators_duty_unit_t *indicators_duty_book_unit_at(const indicators_duty_book_t *self,
                                                           size_t index);
//  The indicator's calendar (the catalog's or an admin's).
const indicators_duty_rule_t *indicators_duty_book_rule(const indicators_duty_book_t *self,
                                                        const sti_indicator_t *indicator);
//  The indicators unit type type is assigned, "a,b,c" (borrowed; "" none).
const char *indicators_duty_book_assigned(const indicators_duty_book_t *self, const char *type);
