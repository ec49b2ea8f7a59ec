<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * HMAC-SHA256 over "timestamp.body" with the shared secret: how deliveries to Laurel are signed,
 * and how Laurel's grade export requests (and the plugin's answers) are signed.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel;

defined('MOODLE_INTERNAL') || die();

/**
 * Signing and verification.
 */
class signature {
    /** Header carrying the Unix time the message was signed at. */
    const TIMESTAMP_HEADER = 'X-Laurel-Timestamp';
    /** Header carrying sha256=<hex HMAC-SHA256 of "timestamp.body">. */
    const SIGNATURE_HEADER = 'X-Laurel-Signature';
    /** Largest accepted distance between Laurel's clock and Moodle's, in seconds (as Laurel accepts). */
    const MAX_SKEW = 300;

    /**
     * The signature header value for a body.
     *
     * @param string $secret
     * @param int $timestamp
     * @param string $body
     * @return string sha256=<hex>
     */
    public static function sign(string $secret, int $timestamp, string $body): string {
        return 'sha256=' . hash_hmac('sha256', $timestamp . '.' . $body, $secret);
    }

    /**
     * Whether a message was signed with the secret within the accepted clock skew.
     *
     * @param string $secret
     * @param string $timestamp the X-Laurel-Timestamp value
     * @param string $signature the X-Laurel-Signature value
     * @param string $body the exact bytes received
     * @param int $now Unix time
     * @return bool
     */
    public static function verify(string $secret, string $timestamp, string $signature, string $body, int $now): bool {
        if ($secret === '' || !preg_match('/^\d{1,12}$/', $timestamp) || !preg_match('/^sha256=[0-9a-f]{64}$/', $signature)) {
            return false;
        }
        // Constant time: an early exit would let a caller find the MAC byte by byte.
        if (!hash_equals(self::sign($secret, (int)$timestamp, $body), $signature)) {
            return false;
        }
        return abs($now - (int)$timestamp) <= self::MAX_SKEW;
    }
}
