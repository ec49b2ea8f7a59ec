<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Callbacks of local_laurel.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

/**
 * Adds "Badges from Laurel" to the user's profile and course profile (core_myprofile_navigation
 * calls every plugin's <component>_myprofile_navigation with the same arguments).
 *
 * @param \core_user\output\myprofile\tree $tree the profile tree
 * @param stdClass $user the user whose profile is shown
 * @param bool $iscurrentuser whether the viewer is that user
 * @param stdClass|null $course the course of a course profile, null on the site profile
 * @return void
 */
function local_laurel_myprofile_navigation(\core_user\output\myprofile\tree $tree, $user, $iscurrentuser, $course) {
    if (!get_config('local_laurel', 'profilesection')) {
        return;
    }
    // As core badges do: the learner, or someone allowed to see other users' badges.
    if (!$iscurrentuser && !has_capability('moodle/badges:viewotherbadges', \context_user::instance($user->id))) {
        return;
    }
    $courseid = empty($course) ? 0 : (int)$course->id;
    if ($courseid === SITEID) {
        $courseid = 0;
    }
    $badges = \local_laurel\profile_badges::for_user((int)$user->id, $courseid);
    // After 'contact', like core badges, so the administration block stays towards the end (MDL-49928).
    $category = new \core_user\output\myprofile\category('local_laurel', get_string('profiletitle', 'local_laurel'), 'contact');
    $tree->add_category($category);
    $node = new \core_user\output\myprofile\node('local_laurel', 'laurelbadges', get_string('profilenode', 'local_laurel'),
        null, null, \local_laurel\profile_badges::render($badges));
    $tree->add_node($node);
}
