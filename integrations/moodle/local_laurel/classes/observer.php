<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Observers: turn grade and activity events into queued deliveries to Laurel.
 *
 * Observers only queue an ad-hoc task: they never call Laurel themselves, so a slow or unreachable
 * Laurel never slows grading down, and a failed delivery is retried by the task system.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel;

defined('MOODLE_INTERNAL') || die();

require_once($CFG->libdir . '/gradelib.php');

/**
 * Event observer callbacks.
 */
class observer {
    /**
     * A learner received, changed or lost a grade.
     *
     * @param \core\event\user_graded $event
     * @return void
     */
    public static function user_graded(\core\event\user_graded $event): void {
        if (!self::configured()) {
            return;
        }
        $grade = $event->get_grade();
        if (!$grade) {
            return;
        }
        $item = $grade->grade_item ?? $grade->load_grade_item();
        // Course and category totals are aggregates, not assessments.
        if (!$item || $item->itemtype === 'course' || $item->itemtype === 'category') {
            return;
        }
        $user = \core_user::get_user($event->relateduserid);
        if (!$user || $user->deleted) {
            return;
        }
        task\deliver_event::queue(payload::user_graded($event, $grade, $item, $user));
    }

    /**
     * An activity was created, updated or deleted: sent when it has grade items (or may have had).
     *
     * @param \core\event\base $event course_module_created, course_module_updated or course_module_deleted
     * @return void
     */
    public static function course_module_changed(\core\event\base $event): void {
        if (!self::configured()) {
            return;
        }
        $other = $event->other ?? [];
        $action = substr($event->eventname, strrpos($event->eventname, '_') + 1);
        if ($event instanceof \core\event\course_module_deleted) {
            // The grade items are already gone; Laurel keys activities by module and instance.
            task\deliver_event::queue(payload::course_module($event, 'deleted', null));
            return;
        }
        $items = \grade_item::fetch_all([
            'itemtype' => 'mod',
            'itemmodule' => $other['modulename'] ?? '',
            'iteminstance' => $other['instanceid'] ?? 0,
            'courseid' => $event->courseid,
        ]);
        if (!$items) {
            return;
        }
        foreach ($items as $item) {
            task\deliver_event::queue(payload::course_module($event, $action, $item));
        }
    }

    /**
     * Whether the admin turned the plugin on and filled every setting.
     *
     * @return bool
     */
    public static function configured(): bool {
        $config = get_config('local_laurel');
        return !empty($config->enabled) && !empty($config->laurelurl) && !empty($config->sourceid) && !empty($config->secret);
    }
}
