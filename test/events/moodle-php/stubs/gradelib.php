<?php
// Minimal stand-ins for Moodle's grade classes, enough to run the plugin's payload code.

class grade_item {
    public $id;
    public $courseid;
    public $itemtype;
    public $itemmodule;
    public $iteminstance;
    public $itemnumber = 0;
    public $itemname;
    public $grademax;
    public $hidden = 0;
    public $timemodified;
    public static $all = [];

    public function __construct(array $props) {
        foreach ($props as $k => $v) {
            $this->$k = $v;
        }
    }
    public function get_name($fulltotal = false) {
        return $this->itemname;
    }
    public function is_hidden() {
        return (bool)$this->hidden;
    }
    public static function fetch_all(array $params) {
        if (!self::$all) {
            return false;
        }
        $found = [];
        foreach (self::$all as $item) {
            if (!isset($params['courseid']) || (int)$item->courseid === (int)$params['courseid']) {
                $found[$item->id] = $item;
            }
        }
        return $found ?: false;
    }
}

class grade_grade {
    public $id;
    public $finalgrade;
    public $grade_item;
    public $hidden = 0;
    public $excluded = 0;
    public $itemid;
    public $userid;
    public $timemodified;

    public function __construct(array $props) {
        foreach ($props as $k => $v) {
            $this->$k = $v;
        }
    }
    public function is_hidden() {
        return (bool)$this->hidden;
    }
    public function is_excluded() {
        return (bool)$this->excluded;
    }
    public function load_grade_item() {
        return $this->grade_item;
    }
    public static function fetch_users_grades($item, $userids, $includemissing = true) {
        $result = [];
        foreach (grade_export_store::$grades as $grade) {
            if ((int)$grade->itemid === (int)$item->id && in_array((int)$grade->userid, array_map('intval', $userids), true)) {
                $result[$grade->userid] = $grade;
            }
        }
        return $result;
    }
}

// For the grade export (classes/export.php): grades by item and user, as grade_grade::fetch_users_grades returns them.
class grade_export_store {
    /** @var grade_grade[] */
    public static $grades = [];
}
