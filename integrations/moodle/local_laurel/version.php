<?php
// This file is part of Laurel's Moodle companion plugin.
//
// Laurel is free software: you can redistribute it and/or modify it under the terms of the Apache
// License 2.0. Moodle itself is GPL v3 or later; this plugin is compatible with that licence.

/**
 * Version information for local_laurel.
 *
 * @package    local_laurel
 * @copyright  2026 Laurel contributors
 * @license    https://www.apache.org/licenses/LICENSE-2.0 Apache 2.0
 */

defined('MOODLE_INTERNAL') || die();

$plugin->component = 'local_laurel';
$plugin->version   = 2026120800;
// Moodle 4.1 (2022112800) or later.
$plugin->requires  = 2022112800;
$plugin->supported = [401, 405];
$plugin->maturity  = MATURITY_BETA;
$plugin->release   = '0.2.0';
