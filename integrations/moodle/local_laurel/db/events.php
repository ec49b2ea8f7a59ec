<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Event observers: grades, and activities that carry grade items.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

$observers = [
    [
        'eventname' => '\core\event\user_graded',
        'callback'  => '\local_laurel\observer::user_graded',
    ],
    [
        'eventname' => '\core\event\course_module_created',
        'callback'  => '\local_laurel\observer::course_module_changed',
    ],
    [
        'eventname' => '\core\event\course_module_updated',
        'callback'  => '\local_laurel\observer::course_module_changed',
    ],
    [
        'eventname' => '\core\event\course_module_deleted',
        'callback'  => '\local_laurel\observer::course_module_changed',
    ],
];
