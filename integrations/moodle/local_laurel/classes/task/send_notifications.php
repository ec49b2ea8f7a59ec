<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * Scheduled task: asks Laurel which badges were issued since the last run and tells each learner
 * with a Moodle notification (message provider local_laurel/badgeissued).
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel\task;

defined('MOODLE_INTERNAL') || die();

/**
 * Badge notifications.
 */
class send_notifications extends \core\task\scheduled_task {
    /** Pages read per run at most (100 badges each). */
    const MAX_PAGES = 20;

    /**
     * Name shown in the task list.
     *
     * @return string
     */
    public function get_name(): string {
        return get_string('tasknotify', 'local_laurel');
    }

    /**
     * Reads new badges page by page; the cursor is saved after each page, so a failure resumes where
     * it stopped and a learner is not told twice.
     *
     * @return void
     */
    public function execute() {
        global $DB;
        if (!get_config('local_laurel', 'notifications')) {
            return;
        }
        $client = \local_laurel\laurel_client::from_config();
        if (!$client) {
            mtrace('local_laurel: not configured; no badge notifications');
            return;
        }
        for ($page = 0; $page < self::MAX_PAGES; $page++) {
            $cursor = (string)get_config('local_laurel', 'notifycursor');
            $answer = $client->get_json($client->source_path('/notifications') .
                ($cursor !== '' ? '?after=' . rawurlencode($cursor) : ''), 15);
            if ($answer === null || !isset($answer['cursor'])) {
                mtrace('local_laurel: Laurel is unavailable; badge notifications wait for the next run');
                return;
            }
            $items = isset($answer['items']) && is_array($answer['items']) ? $answer['items'] : [];
            foreach ($items as $item) {
                $user = $DB->get_record('user', ['id' => (int)($item['moodleUserId'] ?? 0), 'deleted' => 0, 'suspended' => 0]);
                if ($user) {
                    $this->notify($user, $item);
                }
            }
            set_config('notifycursor', (string)$answer['cursor'], 'local_laurel');
            if (count($items) < 100) {
                return;
            }
        }
    }

    /**
     * Sends one notification.
     *
     * @param \stdClass $user recipient
     * @param array $item badge from Laurel
     * @return void
     */
    private function notify(\stdClass $user, array $item): void {
        $a = (object)[
            'badge' => s((string)($item['name'] ?? '')),
            'course' => s((string)($item['courseTitle'] ?? '')),
            'url' => clean_param((string)($item['url'] ?? ''), PARAM_URL),
        ];
        $message = new \core\message\message();
        $message->component = 'local_laurel';
        $message->name = 'badgeissued';
        $message->userfrom = \core_user::get_noreply_user();
        $message->userto = $user;
        $message->subject = get_string('notifysubject', 'local_laurel', $a);
        $message->fullmessage = get_string('notifybody', 'local_laurel', $a);
        $message->fullmessageformat = FORMAT_PLAIN;
        // The HTML body gets the URL attribute-escaped; the plain text and the context link take it as is.
        $message->fullmessagehtml = get_string('notifybodyhtml', 'local_laurel', (object)(['url' => s($a->url)] + (array)$a));
        $message->smallmessage = get_string('notifysmall', 'local_laurel', $a);
        $message->notification = 1;
        $message->contexturl = $a->url;
        $message->contexturlname = get_string('notifylinkname', 'local_laurel');
        $message->courseid = SITEID;
        message_send($message);
    }
}
