/* gb_params.h: typed "key=value" parameters for protocols and topologies.
 *
 * Each protocol or topology describes its parameters with a NULL-terminated array of
 * gb_param_desc. A user spec such as "torus:dims=8x8" or "random-regular:d=8" is parsed
 * against that array into a gb_params value, which holds every parameter: the user's
 * value where given, the default otherwise. Unknown keys, duplicate keys, malformed and
 * out-of-range values are rejected with a one-line message.
 */
#ifndef GB_PARAMS_H
#define GB_PARAMS_H

#include <stdint.h>
#include "gb_common.h"

enum gb_param_type {
    GB_PARAM_INT,    /* signed 64-bit integer in [min, max] */
    GB_PARAM_DOUBLE, /* finite double in [min, max] */
    GB_PARAM_STRING  /* free text without ','; the component validates it */
};

typedef struct gb_param_desc {
    const char *name; /* lower-case key; NULL ends the array */
    enum gb_param_type type;
    const char *def;  /* default as text; "" means "none: the component decides" */
    double min, max;  /* inclusive range for INT and DOUBLE */
    const char *help; /* one line for --list */
    const char *choices; /* STRING only: allowed values "a|b|c", NULL = free text */
} gb_param_desc;

#define GB_PARAMS_MAX 16
#define GB_PARAM_VALUE_LEN 256

typedef struct gb_params {
    const gb_param_desc *desc; /* the descriptor array parsed against */
    int count;                 /* entries used in value[] (one per descriptor) */
    char value[GB_PARAMS_MAX][GB_PARAM_VALUE_LEN];
    unsigned char given[GB_PARAMS_MAX]; /* 1 when the user set it */
} gb_params;

/* Split "name:key=value,key=value" into name and parameters.
 * `what` names the kind ("protocol", "topology") for error messages.
 * `spec` is the text after the name's colon (may be NULL or empty for "no parameters").
 * Returns 0, GB_ENOENT (unknown key), GB_EINVAL (malformed, duplicate) or GB_ERANGE;
 * err receives one line such as "topology 'torus': unknown parameter 'foo'". */
int gb_params_parse(gb_params *out, const gb_param_desc *desc, const char *spec,
                    const char *what, const char *name, char *err);

/* Typed getters. The key must exist in the descriptor (a programming error otherwise,
 * which returns 0 / 0.0 / ""). has() tells whether the value is non-empty. */
int64_t gb_params_int(const gb_params *p, const char *key);
double gb_params_double(const gb_params *p, const char *key);
const char *gb_params_str(const gb_params *p, const char *key);
int gb_params_has(const gb_params *p, const char *key);
int gb_params_given(const gb_params *p, const char *key);

/* Write the resolved parameters as "k=v,k=v" (every parameter, defaults included,
 * empty values left out) into buf. Returns the length written (truncates safely). */
int gb_params_format(const gb_params *p, char *buf, size_t len);

/* Parse a whole decimal integer / finite double; 0 on success, GB_EINVAL otherwise. */
int gb_parse_i64(const char *s, int64_t *out);
int gb_parse_double(const char *s, double *out);

#endif
