<?php
// Runs the Moodle plugin's real observer, payload and delivery-task code against stand-ins for
// Moodle's APIs, and prints the HTTP requests the task would send, as JSON. Used by
// test/events/moodle-plugin.test.ts to replay them against Laurel's Moodle route.

namespace core\event {
    abstract class base {
        public $eventname;
        public $objectid;
        public $courseid;
        public $relateduserid;
        public $timecreated;
        public $other = [];
        public function __construct(array $props) {
            foreach ($props as $k => $v) {
                $this->$k = $v;
            }
            $this->eventname = '\\' . static::class;
        }
    }
    class user_graded extends base {
        public $grade;
        public function get_grade() {
            return $this->grade;
        }
    }
    class course_module_created extends base {
    }
    class course_module_deleted extends base {
    }
}

namespace core\task {
    abstract class adhoc_task {
        private $customdata;
        public function set_component($c) {
        }
        public function set_custom_data($data) {
            $this->customdata = json_encode($data);
        }
        public function get_custom_data() {
            return json_decode($this->customdata);
        }
    }
    class manager {
        public static $queued = [];
        public static function queue_adhoc_task($task) {
            self::$queued[] = $task;
        }
    }
}

namespace {
    define('MOODLE_INTERNAL', true);
    define('IGNORE_MISSING', 0);
    $CFG = (object)['libdir' => __DIR__ . '/stubs', 'wwwroot' => 'http://127.0.0.1:8080', 'release' => '4.5.6 (Build: 20250811)'];

    class moodle_exception extends \Exception {
        public function __construct($errorcode, $module = '', $link = '', $a = null) {
            parent::__construct($errorcode . ' ' . json_encode($a));
        }
    }
    class core_user {
        public static function get_user($id) {
            return (object)['id' => $id, 'email' => 'student1@example.com', 'firstname' => 'Student', 'lastname' => 'One', 'deleted' => 0];
        }
    }
    function get_config($plugin) {
        return (object)['enabled' => 1, 'laurelurl' => getenv('LAUREL_URL'), 'sourceid' => getenv('LAUREL_SOURCE'), 'secret' => getenv('LAUREL_SECRET')];
    }
    function get_course($id) {
        return (object)['id' => $id, 'shortname' => 'LTILAB', 'fullname' => 'LTI Lab Course'];
    }
    function fullname($user) {
        return $user->firstname . ' ' . $user->lastname;
    }
    function get_coursemodule_from_instance($module, $instance, $courseid, $sectionnum = false, $strictness = 0) {
        return (object)['id' => 11];
    }
    function get_string($id, $component = '', $a = null) {
        return $id;
    }
    function mtrace($line) {
        fwrite(STDERR, $line . "\n");
    }

    $root = __DIR__ . '/../../../integrations/moodle/local_laurel';
    require_once($root . '/classes/payload.php');
    require_once($root . '/classes/observer.php');
    require_once($root . '/classes/task/deliver_event.php');

    $item = new grade_item(['id' => 12, 'courseid' => 2, 'itemtype' => 'mod', 'itemmodule' => 'lti', 'iteminstance' => 10,
        'itemnumber' => 0, 'itemname' => 'Capture Activity', 'grademax' => '50.00000']);
    // Moodle's DB layer returns numbers as strings.
    $grade = new grade_grade(['id' => '57', 'finalgrade' => '35.00000', 'grade_item' => $item]);
    $graded = new \core\event\user_graded(['objectid' => 57, 'courseid' => '2', 'relateduserid' => '4', 'timecreated' => time()]);
    $graded->grade = $grade;
    \local_laurel\observer::user_graded($graded);

    grade_item::$all = [$item];
    \local_laurel\observer::course_module_changed(new \core\event\course_module_created(['objectid' => 11, 'courseid' => 2,
        'timecreated' => time(), 'other' => ['modulename' => 'lti', 'instanceid' => 10, 'name' => 'Capture Activity']]));
    \local_laurel\observer::course_module_changed(new \core\event\course_module_deleted(['objectid' => 11, 'courseid' => 2,
        'timecreated' => time(), 'other' => ['modulename' => 'lti', 'instanceid' => 10, 'name' => 'Capture Activity']]));

    foreach (\core\task\manager::$queued as $task) {
        $task->execute();
    }
    echo json_encode(curl::$requests, JSON_UNESCAPED_SLASHES);
}
