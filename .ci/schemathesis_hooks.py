"""schemathesis hooks for kadry's CI (loaded by .ci/schemathesis.toml).

The generator draws `Idempotency-Key` values from a small space ("0", "A",
...), so unrelated requests share keys: a create whose key and body repeat an
earlier one is answered with the earlier answer, as the API promises, even
when a later generated request deleted that record; the stateful checks then
take the replayed answer for a new record that is missing. Every valid key
is therefore made unique per request here. Reusing keys on purpose (the
replay, the 422 for another body, two at once, expiry) is tested in
tests/api/conditional.rs.
"""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def map_headers(context, headers):
    # Applied to the headers as they are generated, before any check sees them.
    if headers:
        for name, value in list(headers.items()):
            if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.match(value):
                headers[name] = "st-" + uuid.uuid4().hex
    return headers
