<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Signed reads from Laurel (profile badges, notifications), authenticated like the deliveries:
 * HMAC-SHA256 with the event source's shared secret over "timestamp.GET <path and query>".
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->libdir . '/filelib.php');

/**
 * A small client for Laurel's signed GET endpoints.
 */
class laurel_client {
    /** @var string Laurel's base URL, without a trailing slash. */
    private $baseurl;
    /** @var string The event source id. */
    private $sourceid;
    /** @var string The shared secret. */
    private $secret;

    /**
     * Builds a client from the plugin settings, or returns null when they are incomplete.
     *
     * @return laurel_client|null
     */
    public static function from_config(): ?laurel_client {
        $config = get_config('local_laurel');
        if (empty($config->laurelurl) || empty($config->sourceid) || empty($config->secret)) {
            return null;
        }
        return new self((string)$config->laurelurl, (string)$config->sourceid, (string)$config->secret);
    }

    /**
     * Constructor.
     *
     * @param string $baseurl
     * @param string $sourceid
     * @param string $secret
     */
    public function __construct(string $baseurl, string $sourceid, string $secret) {
        $this->baseurl = rtrim($baseurl, '/');
        $this->sourceid = $sourceid;
        $this->secret = $secret;
    }

    /**
     * The path of one of this source's endpoints, e.g. "/events/moodle/<source>/notifications".
     *
     * @param string $suffix starting with "/"
     * @return string
     */
    public function source_path(string $suffix): string {
        return '/events/moodle/' . rawurlencode($this->sourceid) . $suffix;
    }

    /**
     * GETs a path of Laurel, signed; returns the decoded JSON or null when Laurel is unreachable,
     * refuses, or answers something that is not JSON. Never throws: callers degrade quietly.
     *
     * @param string $pathandquery e.g. "/events/moodle/<source>/users/4/badges?course=2"
     * @param int $timeout seconds; short on pages a person waits for
     * @return array|null
     */
    public function get_json(string $pathandquery, int $timeout = 3): ?array {
        $timestamp = time();
        // Signed like deliveries, over "GET <path>": the timestamp is inside the MAC, so a captured
        // request cannot be replayed with a fresh one.
        $signature = signature::sign($this->secret, $timestamp, 'GET ' . $pathandquery);
        $curl = new \curl();
        $curl->setHeader([
            'Accept: application/json',
            signature::TIMESTAMP_HEADER . ': ' . $timestamp,
            signature::SIGNATURE_HEADER . ': ' . $signature,
        ]);
        $response = $curl->get($this->baseurl . $pathandquery, [], ['CURLOPT_TIMEOUT' => $timeout, 'CURLOPT_CONNECTTIMEOUT' => 2]);
        $info = $curl->get_info();
        $status = (int)($info['http_code'] ?? 0);
        if ($curl->get_errno() || $status !== 200) {
            debugging('local_laurel: Laurel answered ' . ($curl->get_errno() ? $curl->error : 'HTTP ' . $status) .
                ' for ' . strtok($pathandquery, '?'), DEBUG_DEVELOPER);
            return null;
        }
        $decoded = json_decode((string)$response, true);
        return is_array($decoded) ? $decoded : null;
    }
}
