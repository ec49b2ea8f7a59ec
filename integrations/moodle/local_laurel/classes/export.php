<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * The grade export Laurel asks for when it first sees a course, or when a teacher presses "Fetch
 * grades from Moodle": the course's grade items and its enrolled learners' current grades, as the
 * same laurel.moodle.v1 payloads the observers deliver, so Laurel stores them like any other event.
 *
 * Request (POST local/laurel/export.php, signed like deliveries, with the same secret):
 *   {"schema":"laurel.moodle.export.v1","source":"<source id>","course":"<course id>","after":"<user id>","limit":<1..200>}
 * Answer (200, signed the same way): {"schema":"laurel.moodle.export.v1","course":{...},"after":"...",
 *   "events":[grade_item_exported... (first page only), user_graded...],"next":"<user id>"|null}
 * Pages are learners ordered by user id; "next" is the "after" of the next page.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->libdir . '/gradelib.php');

/**
 * Answers export requests.
 */
class export {
    /** Request and answer schema. */
    const SCHEMA = 'laurel.moodle.export.v1';
    /** Learners per page: a page holds at most this many learners' grades on every item. */
    const MAX_LIMIT = 200;

    /**
     * Handles one request; returns what to send, so the entry script stays a few lines and tests can
     * call this without a web server.
     *
     * @param string $method HTTP method
     * @param string $body exact request bytes
     * @param string $timestamp X-Laurel-Timestamp
     * @param string $signature X-Laurel-Signature
     * @return array ['status' => int, 'headers' => string[], 'body' => string]
     */
    public static function handle(string $method, string $body, string $timestamp, string $signature): array {
        $config = get_config('local_laurel');
        if ($method !== 'POST') {
            return self::error(405, 'Send a POST.');
        }
        if (empty($config->laurelurl) || empty($config->sourceid) || empty($config->secret)) {
            return self::error(503, 'The Laurel plugin is not configured on this site.');
        }
        // Checked before anything is parsed: only the holder of the secret learns more than this.
        if (!signature::verify((string)$config->secret, $timestamp, $signature, $body, time())) {
            return self::error(401, 'The request signature does not match, or its timestamp is more than 5 minutes away.');
        }
        if (isset($config->allowexport) && empty($config->allowexport)) {
            return self::error(403, 'The site administrator turned the grade export off.');
        }
        $request = json_decode($body, true);
        if (!is_array($request) || ($request['schema'] ?? null) !== self::SCHEMA) {
            return self::error(400, 'Expected a ' . self::SCHEMA . ' request.');
        }
        if ((string)($request['source'] ?? '') !== (string)$config->sourceid) {
            return self::error(403, 'This site sends to another Laurel event source.');
        }
        $courseid = (string)($request['course'] ?? '');
        $after = (string)($request['after'] ?? '0');
        $limit = (int)($request['limit'] ?? 100);
        if (!preg_match('/^[1-9]\d{0,18}$/', $courseid) || !preg_match('/^\d{1,19}$/', $after) || $limit < 1 || $limit > self::MAX_LIMIT) {
            return self::error(400, 'course, after and limit (1..' . self::MAX_LIMIT . ') are required.');
        }
        global $DB;
        if ((int)$courseid === SITEID || !$DB->record_exists('course', ['id' => (int)$courseid])) {
            return self::error(404, 'No such course.');
        }
        $page = self::page((int)$courseid, (int)$after, $limit);
        return self::answer(200, $page, (string)$config->secret);
    }

    /**
     * One page: the grade items (first page only) and the grades of up to $limit enrolled learners.
     *
     * @param int $courseid
     * @param int $after user id the previous page ended with (0 for the first page)
     * @param int $limit
     * @return array
     */
    public static function page(int $courseid, int $after, int $limit): array {
        global $DB;
        $items = [];
        foreach (\grade_item::fetch_all(['courseid' => $courseid]) ?: [] as $item) {
            // Course and category totals are aggregates, not assessments (as the observer skips them).
            if ($item->itemtype !== 'course' && $item->itemtype !== 'category') {
                $items[] = $item;
            }
        }
        $course = payload::course($courseid);
        $events = [];
        if ($after === 0) {
            foreach ($items as $item) {
                $events[] = self::item_event($course, $item);
            }
        }
        // Active enrolments only: the learners a teacher sees in the gradebook.
        $context = \context_course::instance($courseid);
        [$enrolled, $params] = get_enrolled_sql($context, '', 0, true);
        $users = $DB->get_records_sql(
            "SELECT u.* FROM {user} u JOIN ($enrolled) je ON je.id = u.id WHERE u.deleted = 0 AND u.id > :laurelafter ORDER BY u.id",
            $params + ['laurelafter' => $after], 0, $limit + 1);
        $next = null;
        if (count($users) > $limit) {
            $users = array_slice($users, 0, $limit, true);
            $next = (string)array_key_last($users);
        }
        if ($users && $items) {
            foreach ($items as $item) {
                $grades = \grade_grade::fetch_users_grades($item, array_keys($users), false);
                foreach ($grades as $userid => $grade) {
                    if ($grade->finalgrade === null || !isset($users[$userid])) {
                        continue;
                    }
                    $grade->grade_item = $item;
                    $events[] = self::grade_event($course, $grade, $item, $users[$userid]);
                }
            }
        }
        return [
            'schema' => self::SCHEMA,
            'course' => $course,
            'after' => (string)$after,
            'events' => $events,
            'next' => $next,
        ];
    }

    /**
     * A grade item as it is now. The id names the item and its last change, so asking again sends
     * the same id and Laurel stores it once.
     *
     * @param array $course from payload::course()
     * @param \grade_item $item
     * @return array laurel.moodle.v1 payload
     */
    public static function item_event(array $course, \grade_item $item): array {
        // The id uses the stored value only, so it never changes between two requests.
        $modified = (int)($item->timemodified ?? 0);
        $time = $modified ?: time();
        return [
            'schema' => payload::SCHEMA,
            'id' => 'gi-' . $item->id . '-' . $modified,
            'event' => 'grade_item_exported',
            'time' => $time,
            'site' => payload::site(),
            'course' => $course,
            'item' => payload::item($item),
        ];
    }

    /**
     * A learner's current grade on an item, in the shape of user_graded (finalgrade in the item's scale).
     *
     * @param array $course from payload::course()
     * @param \grade_grade $grade
     * @param \grade_item $item
     * @param \stdClass $user
     * @return array laurel.moodle.v1 payload
     */
    public static function grade_event(array $course, \grade_grade $grade, \grade_item $item, \stdClass $user): array {
        $modified = (int)($grade->timemodified ?? 0);
        $time = $modified ?: ((int)($item->timemodified ?? 0) ?: time());
        return [
            'schema' => payload::SCHEMA,
            'id' => 'gg-' . $grade->id . '-' . $modified,
            'event' => 'user_graded',
            'time' => $time,
            'site' => payload::site(),
            'course' => $course,
            'user' => [
                'id' => (string)$user->id,
                'email' => (string)$user->email,
                'fullname' => fullname($user),
            ],
            'item' => payload::item($item),
            'grade' => [
                'finalgrade' => (float)$grade->finalgrade,
                'hidden' => (bool)($grade->is_hidden() || $item->is_hidden()),
                'excluded' => (bool)$grade->is_excluded(),
            ],
        ];
    }

    /**
     * A signed JSON answer: Laurel checks that it comes from the holder of the secret.
     *
     * @param int $status
     * @param array $data
     * @param string $secret
     * @return array
     */
    private static function answer(int $status, array $data, string $secret): array {
        $body = json_encode($data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        $timestamp = time();
        return ['status' => $status, 'body' => $body, 'headers' => [
            'Content-Type: application/json; charset=utf-8',
            'Cache-Control: no-store',
            signature::TIMESTAMP_HEADER . ': ' . $timestamp,
            signature::SIGNATURE_HEADER . ': ' . signature::sign($secret, $timestamp, $body),
        ]];
    }

    /**
     * An unsigned error answer (it carries no data).
     *
     * @param int $status
     * @param string $message
     * @return array
     */
    private static function error(int $status, string $message): array {
        return ['status' => $status, 'body' => json_encode(['error' => $message]), 'headers' => [
            'Content-Type: application/json; charset=utf-8',
            'Cache-Control: no-store',
        ]];
    }
}
