<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Upgrade steps of local_laurel.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

/**
 * Runs the upgrade steps newer than the installed version.
 *
 * @param int $oldversion the version installed before
 * @return bool
 */
function xmldb_local_laurel_upgrade($oldversion) {
    // Reach (issue 16): profile section, Moodle notifications. The cache definition, message provider and
    // scheduled task are read from db/ by Moodle's upgrade itself; this step sets the new settings' defaults
    // on sites upgraded from an older version and starts notifications from now (no backlog of old badges).
    if ($oldversion < 2026120800) {
        if (get_config('local_laurel', 'profilesection') === false) {
            set_config('profilesection', 1, 'local_laurel');
        }
        if (get_config('local_laurel', 'notifications') === false) {
            set_config('notifications', 1, 'local_laurel');
        }
        unset_config('notifycursor', 'local_laurel');
        upgrade_plugin_savepoint(true, 2026120800, 'local', 'laurel');
    }
    return true;
}
