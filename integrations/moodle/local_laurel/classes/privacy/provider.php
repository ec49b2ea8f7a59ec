<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Privacy provider: the plugin stores no personal data itself (queued deliveries are deleted once
 * sent, the grade export keeps nothing) but sends grades and learner identity to Laurel, an external
 * location: event by event, and course by course when Laurel asks for existing grades.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel\privacy;

defined('MOODLE_INTERNAL') || die();

use core_privacy\local\metadata\collection;
use core_privacy\local\request\approved_contextlist;
use core_privacy\local\request\approved_userlist;
use core_privacy\local\request\contextlist;
use core_privacy\local\request\userlist;

/**
 * Privacy API implementation.
 */
class provider implements
    \core_privacy\local\metadata\provider,
    \core_privacy\local\request\plugin\provider,
    \core_privacy\local\request\core_userlist_provider {

    /**
     * Describes the data sent to Laurel.
     *
     * @param collection $collection
     * @return collection
     */
    public static function get_metadata(collection $collection): collection {
        $collection->add_external_location_link('laurel', [
            'userid' => 'privacy:metadata:laurel:userid',
            'email' => 'privacy:metadata:laurel:email',
            'fullname' => 'privacy:metadata:laurel:fullname',
            'courseid' => 'privacy:metadata:laurel:courseid',
            'finalgrade' => 'privacy:metadata:laurel:finalgrade',
        ], 'privacy:metadata:laurel');
        // The grade export (export.php) sends the same kind of data for a whole course, on Laurel's request.
        $collection->add_external_location_link('laurel_export', [
            'userid' => 'privacy:metadata:laurel_export:userid',
            'email' => 'privacy:metadata:laurel_export:email',
            'fullname' => 'privacy:metadata:laurel_export:fullname',
            'courseid' => 'privacy:metadata:laurel_export:courseid',
            'finalgrade' => 'privacy:metadata:laurel_export:finalgrade',
        ], 'privacy:metadata:laurel_export');
        // Reach (issue 16): profile badges and notifications are read from Laurel by Moodle user id. The
        // cached answers hold no more than Laurel's public badge pages; notifications are core messages.
        $collection->add_external_location_link('laurelreads', [
            'userid' => 'privacy:metadata:laurelreads:userid',
            'courseid' => 'privacy:metadata:laurelreads:courseid',
        ], 'privacy:metadata:laurelreads');
        return $collection;
    }

    /**
     * No data is held in Moodle by this plugin.
     *
     * @param int $userid
     * @return contextlist
     */
    public static function get_contexts_for_userid(int $userid): contextlist {
        return new contextlist();
    }

    /**
     * No data is held in Moodle by this plugin.
     *
     * @param userlist $userlist
     * @return void
     */
    public static function get_users_in_context(userlist $userlist) {
    }

    /**
     * Nothing to export from Moodle; the learner's badges are exported from Laurel.
     *
     * @param approved_contextlist $contextlist
     * @return void
     */
    public static function export_user_data(approved_contextlist $contextlist) {
    }

    /**
     * Nothing to delete in Moodle.
     *
     * @param \context $context
     * @return void
     */
    public static function delete_data_for_all_users_in_context(\context $context) {
    }

    /**
     * Nothing to delete in Moodle.
     *
     * @param approved_contextlist $contextlist
     * @return void
     */
    public static function delete_data_for_user(approved_contextlist $contextlist) {
    }

    /**
     * Nothing to delete in Moodle.
     *
     * @param approved_userlist $userlist
     * @return void
     */
    public static function delete_data_for_users(approved_userlist $userlist) {
    }
}
