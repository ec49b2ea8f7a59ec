<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Ad-hoc task that POSTs one signed event to Laurel, retried by Moodle's task system while Laurel
 * is unreachable (the delay doubles after each failure, up to a day).
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel\task;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->libdir . '/filelib.php');

/**
 * Delivers one event.
 */
class deliver_event extends \core\task\adhoc_task {
    /** Header carrying the Unix time the delivery was signed at. */
    const TIMESTAMP_HEADER = 'X-Laurel-Timestamp';
    /** Header carrying sha256=<hex HMAC-SHA256 of "timestamp.body">. */
    const SIGNATURE_HEADER = 'X-Laurel-Signature';

    /**
     * Queues the delivery of a payload.
     *
     * @param array $payload from \local_laurel\payload
     * @return void
     */
    public static function queue(array $payload): void {
        $task = new self();
        $task->set_component('local_laurel');
        // Stored as the exact JSON text that will be signed and sent, so every retry sends the same bytes.
        $task->set_custom_data(['body' => json_encode($payload, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE)]);
        \core\task\manager::queue_adhoc_task($task);
    }

    /**
     * Name shown in the task logs.
     *
     * @return string
     */
    public function get_name(): string {
        return get_string('taskdeliver', 'local_laurel');
    }

    /**
     * Sends the event; throws to make Moodle retry later.
     *
     * @return void
     */
    public function execute() {
        $config = get_config('local_laurel');
        if (empty($config->laurelurl) || empty($config->sourceid) || empty($config->secret)) {
            // Kept for later: an admin may be completing the settings.
            throw new \moodle_exception('notconfigured', 'local_laurel');
        }
        $data = $this->get_custom_data();
        $body = (string)$data->body;
        $url = rtrim($config->laurelurl, '/') . '/events/moodle/' . rawurlencode($config->sourceid);

        // Signed at send time, not at queue time: Laurel refuses timestamps more than 5 minutes
        // old, and a retry may come hours later. The timestamp is inside the MAC, so it cannot be
        // changed without the secret.
        $timestamp = time();
        $signature = 'sha256=' . hash_hmac('sha256', $timestamp . '.' . $body, $config->secret);

        $curl = new \curl();
        $curl->setHeader([
            'Content-Type: application/json',
            'Accept: application/json',
            self::TIMESTAMP_HEADER . ': ' . $timestamp,
            self::SIGNATURE_HEADER . ': ' . $signature,
        ]);
        $response = $curl->post($url, $body, ['CURLOPT_TIMEOUT' => 15, 'CURLOPT_CONNECTTIMEOUT' => 5]);
        $info = $curl->get_info();
        $status = (int)($info['http_code'] ?? 0);

        if ($status >= 200 && $status < 300) {
            mtrace('local_laurel: delivered ' . $this->event_id($body) . ' (HTTP ' . $status . ')');
            return;
        }
        // A malformed or oversized payload will never be accepted: report it and stop retrying.
        if (in_array($status, [400, 413, 415, 422], true)) {
            mtrace('local_laurel: Laurel refused ' . $this->event_id($body) . ' (HTTP ' . $status . '): ' .
                substr((string)$response, 0, 500));
            return;
        }
        // Unreachable, 5xx, rate limited, or 401/404 (secret or source id being fixed): retry later.
        $reason = $curl->get_errno() ? $curl->error : ('HTTP ' . $status);
        mtrace('local_laurel: delivery of ' . $this->event_id($body) . ' failed (' . $reason . '); will retry');
        throw new \moodle_exception('deliveryfailed', 'local_laurel', '', $status);
    }

    /**
     * The payload id, for log lines.
     *
     * @param string $body
     * @return string
     */
    private function event_id(string $body): string {
        $decoded = json_decode($body, true);
        return is_array($decoded) && isset($decoded['id']) ? (string)$decoded['id'] : '?';
    }
}
