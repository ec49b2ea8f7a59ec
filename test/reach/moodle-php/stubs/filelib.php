<?php
// A stand-in for Moodle's curl class that really sends GETs (PHP streams), counting them.

class curl {
    public static $count = 0;
    public $error = '';
    private $headers = [];
    private $info = [];
    private $errno = 0;

    public function setHeader($headers) {
        $this->headers = array_merge($this->headers, (array)$headers);
    }
    public function get($url, $params = [], $options = []) {
        self::$count++;
        $context = stream_context_create(['http' => [
            'method' => 'GET', 'header' => implode("\r\n", $this->headers), 'ignore_errors' => true,
            'timeout' => $options['CURLOPT_TIMEOUT'] ?? 5,
        ]]);
        $body = @file_get_contents($url, false, $context);
        if ($body === false) {
            $this->errno = 7;
            $this->error = 'connection failed';
            $this->info = ['http_code' => 0];
            return false;
        }
        preg_match('{HTTP/\S+ (\d{3})}', $http_response_header[0] ?? '', $m);
        $this->info = ['http_code' => (int)($m[1] ?? 0)];
        return $body;
    }
    public function get_info() {
        return $this->info;
    }
    public function get_errno() {
        return $this->errno;
    }
}
