<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Names of the signature headers Laurel reads (the same for deliveries and signed reads).
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel;

defined('MOODLE_INTERNAL') || die();

/**
 * Header names.
 */
class deliver_headers {
    /** Unix time the request was signed at. */
    const TIMESTAMP = 'X-Laurel-Timestamp';
    /** sha256=<hex HMAC-SHA256>. */
    const SIGNATURE = 'X-Laurel-Signature';
}
