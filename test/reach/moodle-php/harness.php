<?php
// Runs the plugin's real profile callback, profile_badges, laurel_client and send_notifications task
// against stand-ins for Moodle's APIs (profile tree, cache, messaging, config, strings), with a curl
// stand-in that really sends the signed GETs to the Laurel named in LAUREL_URL. Prints what a learner
// would see and what Moodle would be asked to send, as JSON, for test/reach/moodle-plugin.test.ts.

namespace core_user\output\myprofile {
    class category {
        public $name; public $title; public $after;
        public function __construct($name, $title, $after = null, $classes = null) {
            $this->name = $name; $this->title = $title; $this->after = $after;
        }
    }
    class node {
        public $parentcat; public $name; public $title; public $content;
        public function __construct($parentcat, $name, $title, $after = null, $url = null, $content = null, $icon = null, $classes = null) {
            $this->parentcat = $parentcat; $this->name = $name; $this->title = $title; $this->content = $content;
        }
    }
    class tree {
        public $categories = []; public $nodes = [];
        public function add_category(category $c) { $this->categories[$c->name] = $c; }
        public function add_node(node $n) { $this->nodes[$n->name] = $n; }
    }
}

namespace core\task {
    abstract class scheduled_task {
    }
}

namespace core\message {
    class message {
        public $component; public $name; public $userfrom; public $userto; public $subject; public $fullmessage;
        public $fullmessageformat; public $fullmessagehtml; public $smallmessage; public $notification;
        public $contexturl; public $contexturlname; public $courseid;
    }
}

namespace {
    define('MOODLE_INTERNAL', true);
    define('SITEID', 1);
    define('PARAM_URL', 'url');
    define('FORMAT_PLAIN', 2);
    define('DEBUG_DEVELOPER', 32767);
    $CFG = (object)['libdir' => __DIR__ . '/stubs', 'dirroot' => __DIR__];
    $plugin = dirname(__DIR__, 3) . '/integrations/moodle/local_laurel';

    $CONFIG = [
        'laurelurl' => getenv('LAUREL_URL'), 'sourceid' => getenv('LAUREL_SOURCE'), 'secret' => getenv('LAUREL_SECRET'),
        'profilesection' => '1', 'notifications' => '1',
    ];
    function get_config($plugin, $name = null) {
        global $CONFIG;
        if ($name === null) { return (object)$CONFIG; }
        return array_key_exists($name, $CONFIG) ? $CONFIG[$name] : false;
    }
    function set_config($name, $value, $plugin = null) { global $CONFIG; $CONFIG[$name] = $value; }
    $string = [];
    require($plugin . '/lang/en/local_laurel.php');
    function get_string($id, $component = '', $a = null) {
        global $string;
        if ($component === 'langconfig') { return '%d %B %Y'; }
        $text = $string[$id] ?? "[[{$id}]]";
        if (is_object($a)) { foreach ((array)$a as $k => $v) { $text = str_replace('{$a->' . $k . '}', (string)$v, $text); } }
        elseif ($a !== null) { $text = str_replace('{$a}', (string)$a, $text); }
        return $text;
    }
    function s($v) { return htmlspecialchars((string)$v, ENT_QUOTES, 'UTF-8'); }
    function clean_param($v, $type) { return filter_var($v, FILTER_VALIDATE_URL) ? $v : ''; }
    function userdate($t, $format = '') { return gmdate('j F Y', $t); }
    function debugging($m, $level = 0) { fwrite(STDERR, $m . "\n"); }
    function mtrace($m) { fwrite(STDERR, $m . "\n"); }
    function has_capability($cap, $context) { return false; }
    class context_user { public static function instance($id) { return (object)['id' => $id]; } }
    class html_writer {
        private static function attrs(array $a) { $o = ''; foreach ($a as $k => $v) { $o .= ' ' . $k . '="' . s($v) . '"'; } return $o; }
        public static function tag($tag, $content, array $a = []) { return "<{$tag}" . self::attrs($a) . ">{$content}</{$tag}>"; }
        public static function empty_tag($tag, array $a = []) { return "<{$tag}" . self::attrs($a) . ' />'; }
        public static function div($content, $class = '') { return self::tag('div', $content, $class ? ['class' => $class] : []); }
        public static function link($url, $text) { return self::tag('a', $text, ['href' => $url]); }
    }
    class cache {
        public static $stores = [];
        public static function make($component, $area) {
            return self::$stores[$component . '/' . $area] ??= new class {
                private $data = [];
                public function get($k) { return $this->data[$k] ?? false; }
                public function set($k, $v) { $this->data[$k] = $v; return true; }
            };
        }
    }
    class core_user { public static function get_noreply_user() { return (object)['id' => -10]; } }
    $SENT = [];
    function message_send($m) { global $SENT; $SENT[] = (array)$m; return count($SENT); }
    $DB = new class {
        public function get_record($table, array $conditions) { return $conditions['id'] > 0 ? (object)['id' => $conditions['id']] : false; }
    };

    require_once($plugin . '/classes/signature.php');
    require_once($plugin . '/classes/laurel_client.php');
    require_once($plugin . '/classes/profile_badges.php');
    require_once($plugin . '/classes/task/send_notifications.php');
    require_once($plugin . '/lib.php');

    $profile = function ($userid, $course) {
        $tree = new \core_user\output\myprofile\tree();
        local_laurel_myprofile_navigation($tree, (object)['id' => $userid], true, $course);
        return ['category' => $tree->categories['local_laurel']->title ?? null, 'html' => $tree->nodes['laurelbadges']->content ?? null];
    };
    $out = [];
    $out['profile'] = $profile(4, null);
    $before = curl::$count;
    $out['profileAgain'] = $profile(4, null);
    $out['requestsForSecondView'] = curl::$count - $before;
    $out['courseProfile'] = $profile(4, (object)['id' => 2]);
    $out['otherViewer'] = (function () {
        $tree = new \core_user\output\myprofile\tree();
        local_laurel_myprofile_navigation($tree, (object)['id' => 4], false, null);
        return count($tree->nodes);
    })();
    $task = new \local_laurel\task\send_notifications();
    $task->execute(); // First run: starts from now, sends nothing old.
    $out['firstRunMessages'] = count($SENT);
    $out['cursorAfterFirstRun'] = get_config('local_laurel', 'notifycursor');
    // The test issues a new badge between the runs (it waits for a line on stdin).
    fwrite(STDOUT, "READY\n");
    fgets(STDIN);
    $task->execute();
    $out['messages'] = array_map(function ($m) {
        return ['to' => $m['userto']->id, 'component' => $m['component'], 'name' => $m['name'], 'subject' => $m['subject'],
            'small' => $m['smallmessage'], 'url' => $m['contexturl'], 'notification' => $m['notification'], 'html' => $m['fullmessagehtml']];
    }, $SENT);
    $task->execute();
    $out['messagesAfterThirdRun'] = count($SENT);
    // Laurel down: a quiet line, never an error.
    $CONFIG['laurelurl'] = 'http://127.0.0.1:9';
    cache::$stores = [];
    $out['down'] = $profile(4, null);
    fwrite(STDOUT, json_encode($out, JSON_UNESCAPED_SLASHES) . "\n");
}
