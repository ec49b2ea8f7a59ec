// Reach: badges where learners already look. Gradebook feedback through AGS (score + comment on Laurel's
// column), issuance email with one-click unsubscribe, the Moodle plugin's profile section and
// notifications (signed reads), and the counts of who was told and what they did.
export { gradebookFeedback, sameFeedback, type GradebookFeedback, type HeldBadge } from './feedback';
export { syncGradebook, LAUREL_COLUMN, AGS_SCORE_SCOPE, type GradebookDeps, type GradebookAgs, type GradebookOutcome } from './gradebook';
export { issuedEmail, type IssuedEmailFacts, type EmailMessage } from './email/message';
export { mailerFor, type Mailer } from './email/mailer';
export { sendIssuedEmail, type EmailOutcome } from './email/send';
export { signLink, verifyLink, reachUrls } from './links';
export { moodleProfileBadges, moodleNotifications, type MoodleBadge } from './moodle';
export { emailOptedOut, setEmailOptOut, gradebookFeedbackOn, setGradebookFeedback } from './preferences';
export { reachJobs, gradebookJob, emailJob, queueGradebook, refreshGradebook, GRADEBOOK_WINDOW_MS, type AwardRef } from './jobs';
export { gradebookSettingBody, emailPreferenceBody } from './schema';
export { myBadges, type MyBadge } from './my-badges';
export { sweepGradebook, startReachSweep } from './sweep';
