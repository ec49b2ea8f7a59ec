<?php
// A recording stand-in for Moodle's curl class: captures the request instead of sending it.

class curl {
    public static $requests = [];
    public static $status = 202;
    public $error = '';
    private $headers = [];

    public function setHeader($headers) {
        $this->headers = array_merge($this->headers, (array)$headers);
    }
    public function post($url, $body, $options = []) {
        self::$requests[] = ['url' => $url, 'headers' => $this->headers, 'body' => $body];
        return '{"accepted":true}';
    }
    public function get_info() {
        return ['http_code' => self::$status];
    }
    public function get_errno() {
        return 0;
    }
}
