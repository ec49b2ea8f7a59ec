<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Builds the JSON payloads Laurel's POST /events/moodle/:sourceId accepts (schema laurel.moodle.v1).
 * Laurel's parser is src/events/sources/moodle.ts; test/events/fixtures/moodle-*.json are examples.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel;

defined('MOODLE_INTERNAL') || die();

/**
 * Payload builder.
 */
class payload {
    /** Payload schema version understood by Laurel. */
    const SCHEMA = 'laurel.moodle.v1';

    /**
     * A learner's grade on one grade item.
     *
     * @param \core\event\base $event the user_graded event
     * @param \grade_grade $grade the grade, with its item
     * @param \grade_item $item the grade item
     * @param \stdClass $user the graded user (id, email, names)
     * @return array
     */
    public static function user_graded(\core\event\base $event, \grade_grade $grade, \grade_item $item, \stdClass $user): array {
        return [
            'schema' => self::SCHEMA,
            // Unique per observation; retries of the delivery task resend the same id, which Laurel dedupes.
            'id' => 'ug-' . $grade->id . '-' . $event->timecreated . '-' . bin2hex(random_bytes(8)),
            'event' => 'user_graded',
            'time' => (int)$event->timecreated,
            'site' => self::site(),
            'course' => self::course((int)$event->courseid),
            'user' => [
                'id' => (string)$user->id,
                'email' => (string)$user->email,
                'fullname' => fullname($user),
            ],
            'item' => self::item($item),
            'grade' => [
                // Null when the grade was removed; numbers are in the item's own scale (0..grademax).
                'finalgrade' => $grade->finalgrade === null ? null : (float)$grade->finalgrade,
                'hidden' => (bool)($grade->is_hidden() || $item->is_hidden()),
                'excluded' => (bool)$grade->is_excluded(),
            ],
        ];
    }

    /**
     * A graded activity was created, updated or deleted.
     *
     * @param \core\event\base $event the course module event
     * @param string $action created, updated or deleted
     * @param \grade_item|null $item the activity's grade item (null after deletion)
     * @return array
     */
    public static function course_module(\core\event\base $event, string $action, ?\grade_item $item): array {
        $other = $event->other ?? [];
        $itemdata = $item ? self::item($item) : [
            'id' => null,
            'cmid' => (string)$event->objectid,
            'module' => (string)($other['modulename'] ?? ''),
            'instance' => (string)($other['instanceid'] ?? ''),
            'itemnumber' => 0,
            'name' => isset($other['name']) ? (string)$other['name'] : null,
            'grademax' => null,
            'duedate' => null,
        ];
        $itemdata['cmid'] = (string)$event->objectid;
        return [
            'schema' => self::SCHEMA,
            'id' => 'cm-' . $action . '-' . $event->objectid . '-' . ($item ? $item->id : 0) . '-' .
                $event->timecreated . '-' . bin2hex(random_bytes(8)),
            'event' => 'course_module_' . $action,
            'time' => (int)$event->timecreated,
            'site' => self::site(),
            'course' => self::course((int)$event->courseid),
            'item' => $itemdata,
        ];
    }

    /**
     * The site, so Laurel can tell several Moodles apart in logs.
     *
     * @return array
     */
    public static function site(): array {
        global $CFG;
        return ['url' => (string)$CFG->wwwroot, 'release' => (string)$CFG->release];
    }

    /**
     * The course, by id (the LTI context id Moodle sends in launches is the same number).
     *
     * @param int $courseid
     * @return array
     */
    public static function course(int $courseid): array {
        $course = get_course($courseid);
        return ['id' => (string)$course->id, 'shortname' => (string)$course->shortname, 'fullname' => (string)$course->fullname];
    }

    /**
     * A grade item.
     *
     * @param \grade_item $item
     * @return array
     */
    public static function item(\grade_item $item): array {
        $cmid = null;
        if ($item->itemtype === 'mod' && $item->itemmodule && $item->iteminstance) {
            $cm = get_coursemodule_from_instance($item->itemmodule, $item->iteminstance, $item->courseid, false, IGNORE_MISSING);
            $cmid = $cm ? (string)$cm->id : null;
        }
        return [
            'id' => (string)$item->id,
            'cmid' => $cmid,
            'module' => $item->itemtype === 'mod' ? (string)$item->itemmodule : null,
            'instance' => $item->itemtype === 'mod' ? (string)$item->iteminstance : null,
            'itemnumber' => (int)$item->itemnumber,
            'name' => $item->get_name(true),
            'grademax' => (float)$item->grademax,
            'duedate' => null,
        ];
    }
}
