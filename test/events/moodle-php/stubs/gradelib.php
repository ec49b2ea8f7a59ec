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
        return self::$all ?: false;
    }
}

class grade_grade {
    public $id;
    public $finalgrade;
    public $grade_item;
    public $hidden = 0;
    public $excluded = 0;

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
}
