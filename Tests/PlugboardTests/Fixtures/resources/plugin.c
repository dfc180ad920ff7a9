/*
 * The plugin side of resource-world (resources.wit), written on the C bindings `plugboard bindgen --guest c`
 * generates (PlugboardTesting.CResourceGuest builds it): it implements the resource `counter` and uses the host's
 * `blob`, passing handles of both alone and inside lists, options and records.
 */
#include "resource_world.h"

#include <stdlib.h>
#include <string.h>

/* What a counter is: the handles the host holds stand for one of these. */
struct exports_resource_world_counter_t {
    resource_world_string_t name; /* owned */
    int64_t value;
};

/* Counters made and not yet destroyed. */
static uint32_t live_counters = 0;

/* A new counter owning `name`, handed out as an owned handle. */
static exports_resource_world_own_counter_t make_counter(resource_world_string_t name, int64_t value) {
    exports_resource_world_counter_t *counter = malloc(sizeof *counter);
    if (counter == NULL) abort();
    counter->name = name;
    counter->value = value;
    live_counters++;
    return exports_resource_world_counter_new(counter);
}

/* Runs when the owned handle to a counter is dropped, by the host or by merge below. */
void exports_resource_world_counter_destructor(exports_resource_world_counter_t *rep) {
    resource_world_string_free(&rep->name);
    free(rep);
    live_counters--;
}

exports_resource_world_own_counter_t exports_resource_world_counters_constructor_counter(resource_world_string_t name, int64_t start) {
    return make_counter(name, start); /* the argument is ours: the counter keeps it */
}

int64_t exports_resource_world_counters_method_counter_add(exports_resource_world_borrow_counter_t self, int64_t n) {
    self->value += n;
    return self->value;
}

resource_world_string_t exports_resource_world_counters_method_counter_name(exports_resource_world_borrow_counter_t self) {
    resource_world_string_t name;
    resource_world_string_dup_n(&name, (const char *)self->name.ptr, self->name.len);
    return name;
}

/* `a` is consumed: dropping its handle runs its destructor. The new counter is named "<a>+<b>". */
exports_resource_world_own_counter_t exports_resource_world_counters_static_counter_merge(
    exports_resource_world_own_counter_t a, exports_resource_world_borrow_counter_t b) {
    exports_resource_world_counter_t *first = exports_resource_world_counter_rep(a);
    resource_world_string_t name;
    name.len = first->name.len + 1 + b->name.len;
    name.ptr = malloc(name.len);
    if (name.ptr == NULL) abort();
    if (first->name.len > 0) memcpy(name.ptr, first->name.ptr, first->name.len);
    name.ptr[first->name.len] = '+';
    if (b->name.len > 0) memcpy(name.ptr + first->name.len + 1, b->name.ptr, b->name.len);
    int64_t value = first->value + b->value;
    exports_resource_world_counter_drop_own(a);
    return make_counter(name, value);
}

uint32_t exports_resource_world_counters_live(void) {
    return live_counters;
}

/* The handles go back exactly as they came; the list, option and record memory is freed after the host read it. */
resource_world_list_own_counter_t exports_resource_world_counters_echo_counters(resource_world_list_own_counter_t c) {
    return c;
}

resource_world_option_own_counter_t exports_resource_world_counters_echo_maybe(resource_world_option_own_counter_t c) {
    return c;
}

resource_world_labelled_t exports_resource_world_counters_echo_labelled(resource_world_labelled_t l) {
    return l;
}

/* The blob is ours (owned): append through the host's method, then give it back. */
resource_world_own_blob_t exports_resource_world_counters_extend_blob(resource_world_own_blob_t b, resource_world_list_u8_t more) {
    resource_world_blobs_method_blob_append(resource_world_borrow_blob(b), more);
    resource_world_list_u8_free(&more);
    return b;
}

/* A new blob holding the counter's name (the host's constructor), then `b`'s bytes ([static]blob.concat, which
 * takes the new blob's handle and gives back the result's). `b` is lent for this call: the bindings drop it. */
resource_world_own_blob_t exports_resource_world_counters_blob_of(exports_resource_world_borrow_counter_t c, resource_world_borrow_blob_t b) {
    resource_world_list_u8_t name = {c->name.ptr, c->name.len}; /* borrowed by the constructor */
    resource_world_own_blob_t made = resource_world_blobs_constructor_blob(name);
    return resource_world_blobs_static_blob_concat(made, b);
}
