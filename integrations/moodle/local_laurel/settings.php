<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Admin settings: where Laurel is, which event source this site is, and the shared secret.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

if ($hassiteconfig) {
    $settings = new admin_settingpage('local_laurel', get_string('pluginname', 'local_laurel'));
    $ADMIN->add('localplugins', $settings);

    $settings->add(new admin_setting_configcheckbox('local_laurel/enabled',
        get_string('enabled', 'local_laurel'), get_string('enabled_desc', 'local_laurel'), 1));

    $settings->add(new admin_setting_configtext('local_laurel/laurelurl',
        get_string('laurelurl', 'local_laurel'), get_string('laurelurl_desc', 'local_laurel'), '', PARAM_URL));

    $settings->add(new admin_setting_configtext('local_laurel/sourceid',
        get_string('sourceid', 'local_laurel'), get_string('sourceid_desc', 'local_laurel'), '', PARAM_ALPHANUMEXT));

    // Shown masked; the same bytes are configured on Laurel's side for this event source.
    $settings->add(new admin_setting_configpasswordunmask('local_laurel/secret',
        get_string('secret', 'local_laurel'), get_string('secret_desc', 'local_laurel'), ''));

    // Grade export (existing grades): Laurel asks for a course's grade items and grades (export.php).
    $settings->add(new admin_setting_configcheckbox('local_laurel/allowexport',
        get_string('allowexport', 'local_laurel'), get_string('allowexport_desc', 'local_laurel'), 1));
    // Reach (issue 16): badges on the profile, Moodle notifications.
    $settings->add(new admin_setting_configcheckbox('local_laurel/profilesection',
        get_string('profilesection', 'local_laurel'), get_string('profilesection_desc', 'local_laurel'), 1));
    $settings->add(new admin_setting_configcheckbox('local_laurel/notifications',
        get_string('notifications', 'local_laurel'), get_string('notifications_desc', 'local_laurel'), 1));
}
