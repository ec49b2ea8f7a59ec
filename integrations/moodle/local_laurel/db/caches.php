<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Cache definitions: the learner's badges read from Laurel for the profile pages.
 *
 * @package    local_laurel
 * @category   cache
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

$definitions = [
    // Key "<userid>_<courseid>"; value ['at' => unix time, 'ok' => bool, 'badges' => list]. Entries carry
    // their own time and are judged fresh for 5 minutes (1 on failure) in profile_badges, so the
    // behaviour does not depend on whether the configured store honours ttl.
    'profilebadges' => [
        'mode' => cache_store::MODE_APPLICATION,
        'simplekeys' => true,
        'simpledata' => false,
        'ttl' => 300,
        'staticacceleration' => true,
        'staticaccelerationsize' => 50,
    ],
];
