<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Grade export for Laurel: answers Laurel's signed request for a course's grade items and current
 * grades, one page of learners at a time (see classes/export.php and README.md "Grades that existed
 * before Laurel"). No Moodle session: the request is authenticated by its HMAC signature alone.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

define('NO_MOODLE_COOKIES', true);
define('AJAX_SCRIPT', true);

require(__DIR__ . '/../../config.php');

$answer = \local_laurel\export::handle(
    $_SERVER['REQUEST_METHOD'] ?? 'GET',
    (string)file_get_contents('php://input'),
    (string)($_SERVER['HTTP_X_LAUREL_TIMESTAMP'] ?? ''),
    (string)($_SERVER['HTTP_X_LAUREL_SIGNATURE'] ?? '')
);
http_response_code($answer['status']);
foreach ($answer['headers'] as $header) {
    header($header);
}
echo $answer['body'];
