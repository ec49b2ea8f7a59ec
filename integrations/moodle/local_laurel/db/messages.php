<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Message providers: a learner is told when Laurel issues them a badge.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

$messageproviders = [
    // A badge was issued by Laurel. Popup (the bell) on by default; email off by default, because
    // Laurel may already email the learner itself (the learner can turn either on in preferences).
    'badgeissued' => [
        'defaults' => [
            'popup' => MESSAGE_PERMITTED + MESSAGE_DEFAULT_ENABLED,
            'email' => MESSAGE_PERMITTED,
            'airnotifier' => MESSAGE_PERMITTED + MESSAGE_DEFAULT_ENABLED,
        ],
    ],
];
