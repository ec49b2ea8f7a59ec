<?php
// Runs the plugin's real grade export (classes/export.php, signature.php, payload.php) against
// stand-ins for Moodle's APIs, for one request, and prints what it would answer as JSON
// {status, headers, body}. The gradebook comes from LAUREL_GRADEBOOK (JSON), the request from
// LAUREL_REQUEST_BODY / _TIMESTAMP / _SIGNATURE. Used by test/events/moodle-export.test.ts.

namespace {
    define('MOODLE_INTERNAL', true);
    define('IGNORE_MISSING', 0);
    define('SITEID', 1);
    $book = json_decode(getenv('LAUREL_GRADEBOOK'), true);
    $CFG = (object)['libdir' => __DIR__ . '/stubs', 'wwwroot' => $book['wwwroot'], 'release' => '4.5.6 (Build: 20250811)'];

    function get_config($plugin) {
        return (object)['enabled' => 1, 'laurelurl' => 'http://laurel.invalid', 'sourceid' => getenv('LAUREL_SOURCE'),
            'secret' => getenv('LAUREL_SECRET'), 'allowexport' => getenv('LAUREL_ALLOW_EXPORT') === '0' ? 0 : 1];
    }
    function get_course($id) {
        global $book;
        return (object)['id' => $id, 'shortname' => $book['course']['shortname'], 'fullname' => $book['course']['fullname']];
    }
    function fullname($user) {
        return $user->firstname . ' ' . $user->lastname;
    }
    function get_coursemodule_from_instance($module, $instance, $courseid, $sectionnum = false, $strictness = 0) {
        global $book;
        foreach ($book['items'] as $item) {
            if (($item['itemmodule'] ?? null) === $module && (int)($item['iteminstance'] ?? 0) === (int)$instance) {
                return (object)['id' => $item['cmid']];
            }
        }
        return false;
    }
    function get_enrolled_sql($context, $withcapability = '', $groupid = 0, $onlyactive = false) {
        return ['SELECT u.id FROM {user} u JOIN {user_enrolments} ue ON ue.userid = u.id', []];
    }
    class context_course {
        public static function instance($courseid) {
            return (object)['id' => 100 + $courseid, 'instanceid' => $courseid];
        }
    }
    /** The two $DB calls export.php makes, over the gradebook's course and enrolled users. */
    class harness_db {
        public function record_exists($table, $conditions) {
            global $book;
            return $table === 'course' && (int)$conditions['id'] === (int)$book['course']['id'];
        }
        public function get_records_sql($sql, $params, $limitfrom = 0, $limitnum = 0) {
            global $book;
            $users = [];
            foreach ($book['users'] as $user) {
                if ((int)$user['id'] > (int)$params['laurelafter']) {
                    $users[(int)$user['id']] = (object)$user;
                }
            }
            ksort($users);
            return $limitnum ? array_slice($users, $limitfrom, $limitnum, true) : $users;
        }
    }
    $DB = new harness_db();

    $root = __DIR__ . '/../../../integrations/moodle/local_laurel';
    require_once($root . '/classes/payload.php');
    require_once($root . '/classes/signature.php');
    require_once($root . '/classes/export.php');

    $items = [];
    foreach ($book['items'] as $props) {
        unset($props['cmid']);
        $items[] = new grade_item($props);
    }
    grade_item::$all = $items;
    foreach ($book['grades'] as $props) {
        grade_export_store::$grades[] = new grade_grade($props);
    }

    $answer = \local_laurel\export::handle(getenv('LAUREL_REQUEST_METHOD') ?: 'POST', (string)getenv('LAUREL_REQUEST_BODY'),
        (string)getenv('LAUREL_REQUEST_TIMESTAMP'), (string)getenv('LAUREL_REQUEST_SIGNATURE'));
    echo json_encode($answer, JSON_UNESCAPED_SLASHES);
}
