<?php
// This file is part of Laurel's Moodle companion plugin.

/**
 * A learner's badges from Laurel for the profile pages: read with a signed request, cached in
 * Moodle's cache API for a few minutes, rendered as a plain list.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

namespace local_laurel;

defined('MOODLE_INTERNAL') || die();

/**
 * Profile badges.
 */
class profile_badges {
    /** Seconds a successful answer is reused. */
    const FRESH_SECONDS = 300;
    /** Seconds a failure is remembered, so a down Laurel does not slow every profile view. */
    const FAILURE_SECONDS = 60;

    /**
     * The user's badges, or null when Laurel is unavailable (or the plugin is not configured).
     *
     * @param int $userid Moodle user id
     * @param int $courseid Moodle course id, 0 for the site profile
     * @return array|null list of ['name', 'description', 'courseTitle', 'issuedOn', 'url', 'imageUrl']
     */
    public static function for_user(int $userid, int $courseid = 0): ?array {
        $cache = \cache::make('local_laurel', 'profilebadges');
        $key = $userid . '_' . $courseid;
        $cached = $cache->get($key);
        $now = time();
        if (is_array($cached) && isset($cached['at'])) {
            $maxage = $cached['ok'] ? self::FRESH_SECONDS : self::FAILURE_SECONDS;
            if ($now - (int)$cached['at'] < $maxage) {
                return $cached['ok'] ? $cached['badges'] : null;
            }
        }
        $client = laurel_client::from_config();
        if (!$client) {
            return null;
        }
        $path = $client->source_path('/users/' . $userid . '/badges') . ($courseid ? '?course=' . $courseid : '');
        $answer = $client->get_json($path);
        $badges = null;
        if ($answer !== null && isset($answer['badges']) && is_array($answer['badges'])) {
            $badges = [];
            foreach ($answer['badges'] as $badge) {
                if (is_array($badge) && isset($badge['name'], $badge['url'])) {
                    $badges[] = $badge;
                }
            }
        }
        $cache->set($key, ['at' => $now, 'ok' => $badges !== null, 'badges' => $badges ?? []]);
        return $badges;
    }

    /**
     * HTML of the profile section: each badge with its image, name, course, date and a link to
     * its public page; a quiet line when there are none or Laurel is unavailable.
     *
     * @param array|null $badges from for_user()
     * @return string
     */
    public static function render(?array $badges): string {
        if ($badges === null) {
            return \html_writer::tag('p', get_string('profileunavailable', 'local_laurel'), ['class' => 'text-muted']);
        }
        if (!$badges) {
            return \html_writer::tag('p', get_string('profilenone', 'local_laurel'), ['class' => 'text-muted']);
        }
        $items = '';
        foreach ($badges as $badge) {
            $url = clean_param((string)$badge['url'], PARAM_URL);
            $image = \html_writer::empty_tag('img', [
                'src' => clean_param((string)($badge['imageUrl'] ?? ''), PARAM_URL),
                'alt' => '', 'width' => 64, 'height' => 64, 'class' => 'me-2',
            ]);
            $issued = isset($badge['issuedOn']) ? strtotime((string)$badge['issuedOn']) : false;
            $details = get_string('profilebadgedetails', 'local_laurel', (object)[
                'course' => s((string)($badge['courseTitle'] ?? '')),
                'date' => $issued ? userdate($issued, get_string('strftimedate', 'langconfig')) : '',
            ]);
            $items .= \html_writer::tag('li',
                $image . \html_writer::div(
                    \html_writer::link($url, s((string)$badge['name'])) .
                    \html_writer::div($details, 'small text-muted')
                ),
                ['class' => 'd-flex align-items-center mb-2']
            );
        }
        return \html_writer::tag('ul', $items, ['class' => 'list-unstyled local-laurel-badges']);
    }
}
