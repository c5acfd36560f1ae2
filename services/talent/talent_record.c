/*  talent_record: decoding, checking, merging and encoding talent records
    (see the header for the fields).

    Decoding is table-driven: s_fields lists every key with its presence
    bit, whether a full decode requires it, whether nil clears it, and its
    reader. Each reader checks one value and adds its own errors; the
    decoder goes on after an error so that all errors are reported at once.
    Readers never trust a length or a type: every string goes through the
    codec's bounded, UTF-8 checked copy.
*/
#include "talent_record.h"

#include <assert.h>
#include <ctype.h>
#include <sodium.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "talent_mask.h"

//  The state of one decode.
typedef struct {
    talent_record_t *record;     // what is being filled
    const talent_codes_t *codes; // the registry's codes
    talent_errors_t *errors;     // where errors go
    talent_decode_mode_t mode;   // full or partial
} s_ctx_t;

typedef int (*s_reader_fn)(s_ctx_t *ctx, sti_node_t value);

static const char *s_id_type_names[] = {"resident", "passport", "other", NULL};
static const char *s_gender_names[] = {"", "male", "female", "other", NULL};
static const char *s_status_names[] = {"active", "left", NULL};

//  --- the readers of s_fields ---

static int s_read_name(s_ctx_t *ctx, sti_node_t value)
{
    return talent_decode_text(value, "name", ctx->record->name, sizeof ctx->record->name, 1, false,
                              ctx->errors);
}

static int s_read_gender(s_ctx_t *ctx, sti_node_t value)
{
    int index = 0;
    if (talent_decode_enum(value, "gender", s_gender_names, "male, female, other", &index,
                           ctx->errors) != 0) {
        return -1;
    }
    ctx->record->gender = (talent_gender_t)index;
    return 0;
}

static int s_read_birth_year(s_ctx_t *ctx, sti_node_t value)
{
    int64_t year = 0;
    sti_field_error_t err = {{0}, {0}};
    if (sti_node_int(value, &year, &err) != 0) {
        return talent_errors_add_codec(ctx->errors, "birth_year", &err);
    }
    int latest = talent_check_today() / 10000 - 14;
    if (year < 1900 || year > latest) {
        talent_errors_add(ctx->errors, "birth_year", "must be from 1900 to %d", latest);
        return -1;
    }
    ctx->record->birth_year = (int)year;
    return 0;
}

static int s_read_id_type(s_ctx_t *ctx, sti_node_t value)
{
    int index = 0;
    if (talent_decode_enum(value, "id_type", s_id_type_names, "resident, passport, other", &index,
                           ctx->errors) != 0) {
        return -1;
    }
    ctx->record->id_type = (talent_id_type_t)index;
    return 0;
}

//  Checks a passport or other document number (already upper-cased).
static int s_check_document(const char *number, bool passport, char *reason, size_t cap)
{
    size_t len = strlen(number);
    size_t min = passport ? 5 : 4, max = passport ? 20 : TALENT_DOCUMENT_MAX;
    if (len < min || len > max) {
        snprintf(reason, cap, "must be %zu to %zu characters", min, max);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        char c = number[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (!passport && c == '-');
        if (!ok) {
            snprintf(reason, cap, "may contain only letters and digits%s",
                     passport ? "" : " and -");
            return -1;
        }
    }
    return 0;
}

static int s_read_id_number(s_ctx_t *ctx, sti_node_t value)
{
    talent_record_t *record = ctx->record;
    sti_field_error_t err = {{0}, {0}};
    if (sti_node_str_copy(value, record->id_number, sizeof record->id_number, &err) != 0) {
        record->id_number[0] = 0;
        return talent_errors_add_codec(ctx->errors, "id_number", &err);
    }
    if (!(record->present & TALENT_F_ID_TYPE)) {
        //  The number cannot be checked without its type (already reported
        //  when the type was there but bad).
        if (ctx->mode == TALENT_DECODE_PARTIAL) {
            talent_errors_add(ctx->errors, "id_number", "send id_type with id_number");
        }
        record->id_number[0] = 0;
        return -1;
    }
    for (char *c = record->id_number; *c; c++) {
        *c = (char)toupper((unsigned char)*c);
    }
    char reason[160];
    int rc = record->id_type == TALENT_ID_RESIDENT
                 ? talent_check_resident_id(record->id_number, NULL, reason, sizeof reason)
                 : s_check_document(record->id_number, record->id_type == TALENT_ID_PASSPORT,
                                    reason, sizeof reason);
    if (rc != 0) {
        record->id_number[0] = 0;
        talent_errors_add(ctx->errors, "id_number", "%s", reason);
    }
    return rc;
}

//  Reads a bounded ASCII value and runs check on it.
static int s_read_checked(s_ctx_t *ctx, sti_node_t value, const char *field, char *buf, size_t cap,
                          int (*check)(const char *, char *, size_t))
{
    sti_field_error_t err = {{0}, {0}};
    char reason[160];
    if (sti_node_str_copy(value, buf, cap, &err) != 0) {
        buf[0] = 0;
        return talent_errors_add_codec(ctx->errors, field, &err);
    }
    if (check(buf, reason, sizeof reason) != 0) {
        buf[0] = 0;
        talent_errors_add(ctx->errors, field, "%s", reason);
        return -1;
    }
    return 0;
}

static int s_read_phone(s_ctx_t *ctx, sti_node_t value)
{
    return s_read_checked(ctx, value, "phone", ctx->record->phone, sizeof ctx->record->phone,
                          talent_check_phone);
}

static int s_read_email(s_ctx_t *ctx, sti_node_t value)
{
    return s_read_checked(ctx, value, "email", ctx->record->email, sizeof ctx->record->email,
                          talent_check_email);
}

static int s_read_category(s_ctx_t *ctx, sti_node_t value)
{
    return talent_decode_code(value, "category", ctx->codes, TALENT_LEVEL, ctx->record->category,
                              ctx->errors);
}

static int s_read_field(s_ctx_t *ctx, sti_node_t value)
{
    return talent_decode_code(value, "field", ctx->codes, TALENT_FIELD, ctx->record->field,
                              ctx->errors);
}

static int s_read_employer(s_ctx_t *ctx, sti_node_t value)
{
    return talent_decode_employer(value, ctx->record->employer_name, ctx->record->employer_uscc,
                                  ctx->errors);
}

static int s_read_channel(s_ctx_t *ctx, sti_node_t value)
{
    static const char *const keys[] = {"kind", "station", NULL};
    talent_record_t *record = ctx->record;
    sti_field_error_t err = {{0}, {0}};
    if (sti_map_only(value, keys, &err) != 0) {
        char field[80];
        snprintf(field, sizeof field, "channel%s%s", err.field[0] ? "." : "", err.field);
        return talent_errors_add_codec(ctx->errors, field, &err);
    }
    int rc = talent_decode_code(sti_node_get(value, "kind"), "channel.kind", ctx->codes,
                                TALENT_CHANNEL, record->channel, ctx->errors);
    sti_node_t station = sti_node_get(value, "station");
    if (!sti_node_is_missing(station) && sti_node_type(station) != STI_TYPE_NIL) {
        rc |= talent_decode_text(station, "channel.station", record->station,
                                 sizeof record->station, 1, false, ctx->errors);
    }
    return rc ? -1 : 0;
}

static int s_read_overseas(s_ctx_t *ctx, sti_node_t value)
{
    sti_field_error_t err = {{0}, {0}};
    if (sti_node_bool(value, &ctx->record->overseas, &err) != 0) {
        return talent_errors_add_codec(ctx->errors, "overseas", &err);
    }
    return 0;
}

static int s_read_arrived(s_ctx_t *ctx, sti_node_t value)
{
    return talent_decode_date(value, "arrived", ctx->record->arrived, ctx->errors);
}

static int s_read_status(s_ctx_t *ctx, sti_node_t value)
{
    int index = 0;
    if (talent_decode_enum(value, "status", s_status_names, "active, left", &index, ctx->errors) !=
        0) {
        return -1;
    }
    ctx->record->status = (talent_status_t)index;
    return 0;
}

static int s_read_left_on(s_ctx_t *ctx, sti_node_t value)
{
    return talent_decode_date(value, "left_on", ctx->record->left_on, ctx->errors);
}

static int s_read_notes(s_ctx_t *ctx, sti_node_t value)
{
    return talent_decode_text(value, "notes", ctx->record->notes, sizeof ctx->record->notes, 0,
                              true, ctx->errors);
}

//  One key of the record map.
typedef struct {
    const char *key;  // map key
    unsigned bit;     // TALENT_F_*
    bool required;    // a full decode needs it
    bool nullable;    // nil clears it
    s_reader_fn read; // checks and stores the value
} s_field_t;

//  In decoding order: id_type comes before id_number, which needs it.
static const s_field_t s_fields[] = {
    {"name", TALENT_F_NAME, true, false, s_read_name},
    {"gender", TALENT_F_GENDER, false, true, s_read_gender},
    {"birth_year", TALENT_F_BIRTH_YEAR, false, true, s_read_birth_year},
    {"id_type", TALENT_F_ID_TYPE, true, false, s_read_id_type},
    {"id_number", TALENT_F_ID_NUMBER, true, false, s_read_id_number},
    {"phone", TALENT_F_PHONE, false, true, s_read_phone},
    {"email", TALENT_F_EMAIL, false, true, s_read_email},
    {"category", TALENT_F_CATEGORY, true, false, s_read_category},
    {"field", TALENT_F_FIELD, true, false, s_read_field},
    {"employer", TALENT_F_EMPLOYER, false, true, s_read_employer},
    {"channel", TALENT_F_CHANNEL, true, false, s_read_channel},
    {"overseas", TALENT_F_OVERSEAS, false, false, s_read_overseas},
    {"arrived", TALENT_F_ARRIVED, true, false, s_read_arrived},
    {"status", TALENT_F_STATUS, false, false, s_read_status},
    {"left_on", TALENT_F_LEFT_ON, false, true, s_read_left_on},
    {"notes", TALENT_F_NOTES, false, true, s_read_notes},
};
#define S_FIELD_COUNT (sizeof s_fields / sizeof s_fields[0])

//  --- decoding ---

//  Clears the field of bit in record (nil in an update).
static void s_clear(talent_record_t *record, unsigned bit)
{
    switch (bit) {
    case TALENT_F_GENDER:
        record->gender = TALENT_GENDER_UNSET;
        break;
    case TALENT_F_BIRTH_YEAR:
        record->birth_year = 0;
        break;
    case TALENT_F_PHONE:
        record->phone[0] = 0;
        break;
    case TALENT_F_EMAIL:
        record->email[0] = 0;
        break;
    case TALENT_F_EMPLOYER:
        record->employer_name[0] = record->employer_uscc[0] = 0;
        break;
    case TALENT_F_LEFT_ON:
        record->left_on[0] = 0;
        break;
    case TALENT_F_NOTES:
        record->notes[0] = 0;
        break;
    default:
        assert(false);
    }
}

//  Reads every key of s_fields present in map.
static void s_decode_fields(s_ctx_t *ctx, sti_node_t map)
{
    for (size_t i = 0; i < S_FIELD_COUNT; i++) {
        const s_field_t *f = &s_fields[i];
        sti_node_t value = sti_node_get(map, f->key);
        if (sti_node_is_missing(value)) {
            if (ctx->mode == TALENT_DECODE_FULL && f->required) {
                talent_errors_add(ctx->errors, f->key, "missing");
            }
            continue;
        }
        if (sti_node_type(value) == STI_TYPE_NIL) {
            if (f->nullable) {
                s_clear(ctx->record, f->bit);
                ctx->record->present |= f->bit;
            } else {
                talent_errors_add(ctx->errors, f->key, "must not be nil");
            }
            continue;
        }
        if (f->read(ctx, value) == 0) {
            ctx->record->present |= f->bit;
        }
    }
}

int talent_record_decode_node(sti_node_t map, const talent_codes_t *codes,
                              talent_decode_mode_t mode, talent_record_t *record,
                              talent_errors_t *errors)
{
    assert(codes && record && errors);
    memset(record, 0, sizeof *record);
    talent_errors_clear(errors);
    if (sti_node_type(map) != STI_TYPE_MAP) {
        talent_errors_add(errors, "", "a talent must be a map, got %s",
                          sti_type_name(sti_node_type(map)));
        return -1;
    }
    //  Unknown or repeated keys are reported, and the known ones still checked.
    const char *keys[S_FIELD_COUNT + 1];
    for (size_t i = 0; i < S_FIELD_COUNT; i++) {
        keys[i] = s_fields[i].key;
    }
    keys[S_FIELD_COUNT] = NULL;
    sti_field_error_t err = {{0}, {0}};
    if (sti_map_only(map, keys, &err) != 0) {
        talent_errors_add_codec(errors, err.field, &err);
    }
    s_ctx_t ctx = {record, codes, errors, mode};
    s_decode_fields(&ctx, map);
    if (mode == TALENT_DECODE_PARTIAL && !sti_node_is_missing(sti_node_get(map, "id_type")) &&
        sti_node_is_missing(sti_node_get(map, "id_number"))) {
        talent_errors_add(errors, "id_type", "send id_number with id_type");
    }
    if (mode == TALENT_DECODE_FULL && errors->count == 0) {
        talent_record_check(record, codes, errors);
    }
    return errors->count == 0 ? 0 : -1;
}

int talent_record_decode(const void *data, size_t size, const talent_codes_t *codes,
                         talent_decode_mode_t mode, talent_record_t *record,
                         talent_errors_t *errors)
{
    assert(record && errors);
    memset(record, 0, sizeof *record);
    talent_errors_clear(errors);
    sti_limits_t limits = {TALENT_RECORD_MAX_BYTES, TALENT_NOTES_MAX + 64, 64, 4};
    char reason[160] = "";
    sti_reader_t *reader = sti_reader_new(data, size, &limits, reason, sizeof reason);
    if (!reader) {
        talent_errors_add(errors, "", "%s", reason);
        return -1;
    }
    int rc = talent_record_decode_node(sti_reader_root(reader), codes, mode, record, errors);
    sti_reader_destroy(&reader);
    return rc;
}

//  --- checks across fields ---

//  The channel and its station.
static void s_check_station(const talent_record_t *record, const talent_codes_t *codes,
                            talent_errors_t *errors)
{
    const talent_code_t *channel = talent_codes_find(codes, TALENT_CHANNEL, record->channel);
    if (!channel) {
        talent_errors_add(errors, "channel.kind", "missing");
    } else if (channel->requires_station && !record->station[0]) {
        talent_errors_add(errors, "channel.station", "missing: the channel %s names its station",
                          channel->code);
    } else if (!channel->requires_station && record->station[0]) {
        talent_errors_add(errors, "channel.station",
                          "only for a channel that names a station, not %s", channel->code);
    }
}

int talent_record_check(const talent_record_t *record, const talent_codes_t *codes,
                        talent_errors_t *errors)
{
    assert(record && codes && errors);
    size_t before = errors->count;
    s_check_station(record, codes, errors);
    if (record->status == TALENT_LEFT && !record->left_on[0]) {
        talent_errors_add(errors, "left_on", "missing: the status is left");
    }
    if (record->status == TALENT_ACTIVE && record->left_on[0]) {
        talent_errors_add(errors, "left_on", "only when the status is left");
    }
    if (record->left_on[0] && record->arrived[0] && strcmp(record->left_on, record->arrived) < 0) {
        talent_errors_add(errors, "left_on", "is before the arrival date %s", record->arrived);
    }
    int birth = 0;
    if (record->birth_year && record->id_type == TALENT_ID_RESIDENT &&
        talent_check_resident_id(record->id_number, &birth, NULL, 0) == 0 &&
        birth / 10000 != record->birth_year) {
        talent_errors_add(errors, "birth_year", "does not match the birth date in id_number");
    }
    return errors->count == before ? 0 : -1;
}

//  --- merging ---

//  One part of a record that an update replaces as a whole.
typedef struct {
    unsigned bit;  // TALENT_F_* that carries it
    size_t offset; // offsetof the member
    size_t size;   // sizeof the member
} s_part_t;

#define S_PART(bit, member)                                                                        \
    {                                                                                              \
        bit, offsetof(talent_record_t, member), sizeof(((talent_record_t *)0)->member)             \
    }

static const s_part_t s_parts[] = {
    S_PART(TALENT_F_NAME, name),
    S_PART(TALENT_F_GENDER, gender),
    S_PART(TALENT_F_BIRTH_YEAR, birth_year),
    S_PART(TALENT_F_ID_TYPE, id_type),
    S_PART(TALENT_F_ID_NUMBER, id_number),
    S_PART(TALENT_F_PHONE, phone),
    S_PART(TALENT_F_EMAIL, email),
    S_PART(TALENT_F_CATEGORY, category),
    S_PART(TALENT_F_FIELD, field),
    S_PART(TALENT_F_EMPLOYER, employer_name),
    S_PART(TALENT_F_EMPLOYER, employer_uscc),
    S_PART(TALENT_F_CHANNEL, channel),
    S_PART(TALENT_F_CHANNEL, station),
    S_PART(TALENT_F_OVERSEAS, overseas),
    S_PART(TALENT_F_ARRIVED, arrived),
    S_PART(TALENT_F_STATUS, status),
    S_PART(TALENT_F_LEFT_ON, left_on),
    S_PART(TALENT_F_NOTES, notes),
};

void talent_record_wipe(talent_record_t *record)
{
    assert(record);
    sodium_memzero(record, sizeof *record);
}

void talent_record_merge(talent_record_t *record, const talent_record_t *update)
{
    assert(record && update);
    for (size_t i = 0; i < sizeof s_parts / sizeof s_parts[0]; i++) {
        if (update->present & s_parts[i].bit) {
            memcpy((char *)record + s_parts[i].offset, (const char *)update + s_parts[i].offset,
                   s_parts[i].size);
        }
    }
    record->present |= update->present;
}

//  --- encoding ---

//  The masked form of value under key, or nil when empty.
static void s_kv_masked(sti_writer_t *writer, const char *key, const char *value,
                        int (*mask)(const char *, char *, size_t))
{
    char masked[TALENT_MASK_MAX];
    sti_writer_str(writer, key);
    if (!value[0] || mask(value, masked, sizeof masked) != 0) {
        sti_writer_nil(writer);
        return;
    }
    sti_writer_str(writer, masked);
}

void talent_record_encode_masked(const talent_record_t *record, const char *id, int64_t version,
                                 sti_writer_t *writer)
{
    assert(record && id && writer);
    sti_writer_map(writer, 18);
    sti_writer_kv_str(writer, "id", id);
    sti_writer_kv_int(writer, "version", version);
    talent_write_text(writer, "name", record->name);
    talent_write_text(writer, "gender", talent_gender_name(record->gender));
    sti_writer_str(writer, "birth_year");
    if (record->birth_year) {
        sti_writer_int(writer, record->birth_year);
    } else {
        sti_writer_nil(writer);
    }
    sti_writer_kv_str(writer, "id_type", talent_id_type_name(record->id_type));
    s_kv_masked(writer, "id_number", record->id_number, talent_mask_document);
    s_kv_masked(writer, "phone", record->phone, talent_mask_phone);
    s_kv_masked(writer, "email", record->email, talent_mask_email);
    talent_write_text(writer, "category", record->category);
    talent_write_text(writer, "field", record->field);
    talent_write_employer(writer, record->employer_name, record->employer_uscc);
    sti_writer_str(writer, "channel");
    sti_writer_map(writer, 2);
    talent_write_text(writer, "kind", record->channel);
    talent_write_text(writer, "station", record->station);
    sti_writer_kv_bool(writer, "overseas", record->overseas);
    talent_write_text(writer, "arrived", record->arrived);
    sti_writer_kv_str(writer, "status", talent_status_name(record->status));
    talent_write_text(writer, "left_on", record->left_on);
    talent_write_text(writer, "notes", record->notes);
}

void talent_record_encode_revealed(const talent_record_t *record, const char *id, int64_t version,
                                   sti_writer_t *writer)
{
    assert(record && id && writer);
    sti_writer_map(writer, 7);
    sti_writer_kv_str(writer, "id", id);
    sti_writer_kv_int(writer, "version", version);
    talent_write_text(writer, "name", record->name);
    sti_writer_kv_str(writer, "id_type", talent_id_type_name(record->id_type));
    talent_write_text(writer, "id_number", record->id_number);
    talent_write_text(writer, "phone", record->phone);
    talent_write_text(writer, "email", record->email);
}

//  The member holding a text field, or NULL for a field of another type.
static const char *s_text_of(const talent_record_t *record, unsigned bit)
{
    switch (bit) {
    case TALENT_F_NAME:
        return record->name;
    case TALENT_F_ID_NUMBER:
        return record->id_number;
    case TALENT_F_PHONE:
        return record->phone;
    case TALENT_F_EMAIL:
        return record->email;
    case TALENT_F_CATEGORY:
        return record->category;
    case TALENT_F_FIELD:
        return record->field;
    case TALENT_F_ARRIVED:
        return record->arrived;
    case TALENT_F_LEFT_ON:
        return record->left_on;
    case TALENT_F_NOTES:
        return record->notes;
    default:
        return NULL;
    }
}

static void s_write_request_maps(const talent_record_t *record, unsigned bit, sti_writer_t *writer)
{
    if (bit == TALENT_F_EMPLOYER && !record->employer_name[0]) {
        sti_writer_nil(writer);
    } else if (bit == TALENT_F_EMPLOYER) {
        sti_writer_map(writer, record->employer_uscc[0] ? 2 : 1);
        sti_writer_kv_str(writer, "name", record->employer_name);
        if (record->employer_uscc[0]) {
            sti_writer_kv_str(writer, "uscc", record->employer_uscc);
        }
    } else {
        assert(bit == TALENT_F_CHANNEL);
        sti_writer_map(writer, record->station[0] ? 2 : 1);
        sti_writer_kv_str(writer, "kind", record->channel);
        if (record->station[0]) {
            sti_writer_kv_str(writer, "station", record->station);
        }
    }
}

//  Writes the value of one present field as the decoder reads it; an empty
//  optional field is nil.
static void s_write_request_field(const talent_record_t *record, unsigned bit, sti_writer_t *writer)
{
    const char *text = s_text_of(record, bit);
    if (text) {
        sti_writer_str(writer, text[0] ? text : NULL);
    } else if (bit == TALENT_F_GENDER) {
        sti_writer_str(writer, record->gender ? talent_gender_name(record->gender) : NULL);
    } else if (bit == TALENT_F_BIRTH_YEAR && record->birth_year) {
        sti_writer_int(writer, record->birth_year);
    } else if (bit == TALENT_F_BIRTH_YEAR) {
        sti_writer_nil(writer);
    } else if (bit == TALENT_F_ID_TYPE) {
        sti_writer_str(writer, talent_id_type_name(record->id_type));
    } else if (bit == TALENT_F_OVERSEAS) {
        sti_writer_bool(writer, record->overseas);
    } else if (bit == TALENT_F_STATUS) {
        sti_writer_str(writer, talent_status_name(record->status));
    } else {
        s_write_request_maps(record, bit, writer);
    }
}

void talent_record_encode_request(const talent_record_t *record, sti_writer_t *writer)
{
    assert(record && writer);
    size_t pairs = 0;
    for (size_t i = 0; i < S_FIELD_COUNT; i++) {
        pairs += (record->present & s_fields[i].bit) != 0;
    }
    sti_writer_map(writer, pairs);
    for (size_t i = 0; i < S_FIELD_COUNT; i++) {
        if (record->present & s_fields[i].bit) {
            sti_writer_str(writer, s_fields[i].key);
            s_write_request_field(record, s_fields[i].bit, writer);
        }
    }
}

bool talent_record_counts_for(const talent_record_t *record, const talent_indicator_t *indicator,
                              int year)
{
    assert(record && indicator);
    char year_end[TALENT_DATE_LEN + 1];
    snprintf(year_end, sizeof year_end, "%04d-12-31", year);
    if (!record->arrived[0] || strcmp(record->arrived, year_end) > 0) {
        return false;
    }
    if (indicator->counts_overseas >= 0 && record->overseas != (indicator->counts_overseas == 1)) {
        return false;
    }
    if (indicator->counts_active_only && record->status == TALENT_LEFT &&
        strcmp(record->left_on, year_end) <= 0) {
        return false;
    }
    return true;
}

const char *talent_id_type_name(talent_id_type_t type)
{
    assert(type <= TALENT_ID_OTHER);
    return s_id_type_names[type];
}

const char *talent_gender_name(talent_gender_t gender)
{
    assert(gender <= TALENT_GENDER_OTHER);
    return s_gender_names[gender];
}

const char *talent_status_name(talent_status_t status)
{
    assert(status <= TALENT_LEFT);
    return s_status_names[status];
}
