<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Scheduled tasks.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

$tasks = [
    // Badge notifications (issue 16): every minute, so a learner hears of a badge within a minute or two.
    [
        'classname' => '\local_laurel\task\send_notifications',
        'blocking' => 0,
        'minute' => '*',
        'hour' => '*',
        'day' => '*',
        'month' => '*',
        'dayofweek' => '*',
    ],
];
