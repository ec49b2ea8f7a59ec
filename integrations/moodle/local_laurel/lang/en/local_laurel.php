<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * English strings for local_laurel.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

$string['pluginname'] = 'Laurel grade events';
$string['enabled'] = 'Send grade events';
$string['enabled_desc'] = 'When on, grades and graded activities are sent to Laurel, which awards Open Badges when learners pass.';
$string['laurelurl'] = 'Laurel URL';
$string['laurelurl_desc'] = 'The address of your Laurel, for example https://badges.example.edu. If Laurel runs on a private address or a port other than 80/443, allow it under Site administration > General > Security > HTTP security.';
$string['sourceid'] = 'Event source id';
$string['sourceid_desc'] = 'The id Laurel showed when the Moodle event source was created.';
$string['secret'] = 'Shared secret';
$string['secret_desc'] = 'The secret Laurel showed for this event source. Every event is signed with it (HMAC-SHA256).';
$string['deliveryfailed'] = 'Laurel did not accept the event (HTTP status {$a}); it will be retried.';
$string['notconfigured'] = 'Laurel grade events are not configured (URL, source id and secret are required).';
$string['taskdeliver'] = 'Deliver a grade event to Laurel';
$string['privacy:metadata:laurel'] = 'Grades and graded activities are sent to Laurel so that it can award badges.';
$string['privacy:metadata:laurel:userid'] = 'The Moodle id of the learner who was graded.';
$string['privacy:metadata:laurel:email'] = 'The email address of the learner, to identify them on their badge.';
$string['privacy:metadata:laurel:fullname'] = 'The full name of the learner, shown on their badge.';
$string['privacy:metadata:laurel:courseid'] = 'The course in which the grade was given.';
$string['privacy:metadata:laurel:finalgrade'] = 'The grade the learner received and the item it belongs to.';

// Grade export (existing grades), version 2026120700: export.php, classes/export.php.
$string['allowexport'] = 'Let Laurel fetch existing grades';
$string['allowexport_desc'] = 'When on, Laurel may ask for a course\'s grade items and its enrolled learners\' current grades (when it first sees the course, and when a teacher presses "Fetch grades from Moodle"), so that grades given before Laurel was added count. Each request is signed with the shared secret.';
$string['privacy:metadata:laurel_export'] = 'When Laurel asks for a course\'s existing grades, the grade items and the current grades of its enrolled learners are sent to Laurel.';
$string['privacy:metadata:laurel_export:userid'] = 'The Moodle id of each enrolled learner with a grade.';
$string['privacy:metadata:laurel_export:email'] = 'The email address of the learner, to identify them on their badge.';
$string['privacy:metadata:laurel_export:fullname'] = 'The full name of the learner, shown on their badge.';
$string['privacy:metadata:laurel_export:courseid'] = 'The course the grades belong to.';
$string['privacy:metadata:laurel_export:finalgrade'] = 'The learner\'s current grade on each grade item of the course, with the item.';
// Reach (issue 16): profile section "Badges from Laurel" and Moodle notifications.
$string['profilesection'] = 'Show badges on profiles';
$string['profilesection_desc'] = 'Adds a "Badges from Laurel" section to user profiles and course profiles, read from Laurel (cached for 5 minutes).';
$string['notifications'] = 'Notify learners of new badges';
$string['notifications_desc'] = 'Every minute, asks Laurel which badges were issued and sends each learner a Moodle notification.';
$string['profiletitle'] = 'Badges from Laurel';
$string['profilenode'] = 'Open Badges';
$string['profilenone'] = 'No badges from Laurel yet.';
$string['profileunavailable'] = 'Badges from Laurel are unavailable at the moment.';
$string['profilebadgedetails'] = '{$a->course}, issued {$a->date}';
$string['cachedef_profilebadges'] = 'Badges from Laurel shown on profiles';
$string['messageprovider:badgeissued'] = 'A badge was issued to you by Laurel';
$string['tasknotify'] = 'Send notifications of badges issued by Laurel';
$string['notifysubject'] = 'You earned a badge: {$a->badge}';
$string['notifysmall'] = 'You earned the badge "{$a->badge}" in {$a->course}.';
$string['notifybody'] = 'You earned the badge "{$a->badge}" in {$a->course}. View, download or share it: {$a->url}';
$string['notifybodyhtml'] = '<p>You earned the badge <strong>{$a->badge}</strong> in {$a->course}.</p><p><a href="{$a->url}">View, download or share it</a></p>';
$string['notifylinkname'] = 'Your badge';
$string['privacy:metadata:laurelreads'] = 'To show a learner\'s badges on their profile and to notify them of new badges, the plugin asks Laurel for the badges of a Moodle user.';
$string['privacy:metadata:laurelreads:userid'] = 'The Moodle id of the user whose badges are shown.';
$string['privacy:metadata:laurelreads:courseid'] = 'The course of a course profile.';
